using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Domain.Scrum;

namespace Swarm.Local;

/// <summary>
/// At the host's start, gives the completion counters of every team and type with open work a 0
/// (<see cref="WorkCounterBaseline.StartOpenWorkAsync"/>), so that work claimed before a crash, or by another host on
/// the task hub, and completed here still moves Prometheus' <c>increase()</c> and with it <c>HighDefectRate</c>.
/// Tries up to <see cref="Attempts"/> times, <see cref="Pause"/> apart, while the backend starts; then logs a warning
/// and leaves it to each work command (which sets the same 0 for its own item).
/// </summary>
public sealed partial class WorkCounterBaselineService(DurableTaskClient client, ILogger<WorkCounterBaselineService> logger) : BackgroundService
{
    /// <summary>Attempts before giving up: 6, enough for an Azurite or storage account that answers within half a minute.</summary>
    public const int Attempts = 6;

    /// <summary>Pause between attempts: 5 s.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromSeconds(5);

    /// <summary>The number of team × type pairs started, once read; 0 after the last failed attempt; canceled when the host stopped first.</summary>
    public Task<int> Started => started.Task;

    private readonly TaskCompletionSource<int> started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var pairs = await WorkCounterBaseline.StartOpenWorkAsync(client, stoppingToken);
                CountersStarted(logger, pairs);
                started.TrySetResult(pairs);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                started.TrySetCanceled(stoppingToken);
                return;
            }
            catch (Exception error) when (attempt < Attempts)
            {
                Retrying(logger, attempt, error.Message);
                await Task.Delay(Pause, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception error)
            {
                GaveUp(logger, Attempts, error);
                started.TrySetResult(0);
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "The completion counters of {Pairs} team × type pairs with open work start at 0")]
    private static partial void CountersStarted(ILogger logger, int pairs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Reading open work for the completion counters failed (attempt {Attempt}): {Reason}")]
    private static partial void Retrying(ILogger logger, int attempt, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The completion counters of open work were not started after {Attempts} attempts: work claimed before this start and completed here may not reach HighDefectRate until a command for it runs here")]
    private static partial void GaveUp(ILogger logger, int attempts, Exception error);
}
