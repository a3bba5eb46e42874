using Swarm.Domain.Composition;
using Polly;
using Polly.Retry;
using Microsoft.Extensions.Logging;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Local.Bus;

/// <summary>
/// The embedded default bus: an event is handed to the router inside the call that publishes it — the publishing
/// activity — retried with exponential backoff from 100 ms for up to <see cref="MaxAttempts"/> attempts (a Polly
/// pipeline). When every attempt fails the event is recorded in <see cref="DeadLetters"/> and the error is thrown to
/// the publisher, so the activity fails and its orchestration sees it. Nothing waits in memory after the activity
/// has completed, so a crash of the host cannot lose a hand-off that the backend already recorded as done: the
/// activity either completed after routing, or runs again after the restart (docs/handoffs.md). Delivery is
/// at-least-once, like Service Bus; the router and the agents make it idempotent.
/// </summary>
public sealed class InProcessAgentEventBus(AgentEventRouter router, ILogger<InProcessAgentEventBus> logger) : IAgentEventBus
{
    /// <summary>Attempts to route one event before it is dead-lettered: 4 (about 0.7 s of backoff in all).</summary>
    public const int MaxAttempts = 4;

    private readonly Dictionary<string, (AgentEvent Event, DateTimeOffset At, string Error)> _deadLetters = new(StringComparer.Ordinal);
    private long _delivered;
    private long _failed;

    private static readonly ResiliencePropertyKey<AgentEvent> EventKey = new("swarm.agent_event");

    private readonly ResiliencePipeline _delivery = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = MaxAttempts - 1,
            Delay = TimeSpan.FromMilliseconds(100),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = false,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
            OnRetry = args =>
            {
                if (args.Outcome.Exception is { } error && args.Context.Properties.TryGetValue(EventKey, out var failed))
                {
                    logger.EventDeliveryRetry(error, failed.Type, failed.Id, args.AttemptNumber + 1);
                }

                return ValueTask.CompletedTask;
            },
        })
        .Build();

    /// <summary>Raised after an event has been delivered to its consumer; the demo and tests watch the hand-offs with it.</summary>
    public event Action<AgentEvent>? Delivered;

    /// <summary>
    /// Events every attempt failed to route and that no later publish has delivered, oldest first (their publishers saw
    /// the error; an activity's retry that succeeds removes the event from here).
    /// </summary>
    public IReadOnlyList<AgentEvent> DeadLetters
    {
        get
        {
            lock (_deadLetters)
            {
                return [.. _deadLetters.Values.OrderBy(d => d.At).Select(d => d.Event)];
            }
        }
    }

    /// <summary>Each dead letter with when it failed for good and the last error's message, oldest first.</summary>
    public IReadOnlyList<(AgentEvent Event, DateTimeOffset At, string Error)> DeadLetterDetails
    {
        get
        {
            lock (_deadLetters)
            {
                return [.. _deadLetters.Values.OrderBy(d => d.At)];
            }
        }
    }

    /// <summary>Events delivered, and publishes that failed for good, since the host started.</summary>
    public (long Delivered, long Failed) Totals => (Interlocked.Read(ref _delivered), Interlocked.Read(ref _failed));

    /// <summary>Routes <paramref name="agentEvent"/> now; throws the last error when every attempt failed.</summary>
    public async ValueTask PublishAsync(AgentEvent agentEvent, CancellationToken cancellationToken = default)
    {
        logger.EventPublished(agentEvent.Type, agentEvent.Id);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(EventKey, agentEvent);
        try
        {
            await _delivery.ExecuteAsync(
                static async (context, state) => await state.router.RouteAsync(state.agentEvent, context.CancellationToken),
                context,
                (router, agentEvent));
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            logger.EventDeliveryFailed(error, agentEvent.Type, agentEvent.Id, MaxAttempts);
            Interlocked.Increment(ref _failed);
            lock (_deadLetters)
            {
                _deadLetters[agentEvent.Id] = (agentEvent, DateTimeOffset.UtcNow, error.Message);
            }

            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        Interlocked.Increment(ref _delivered);
        lock (_deadLetters)
        {
            _deadLetters.Remove(agentEvent.Id);
        }

        Delivered?.Invoke(agentEvent);
    }
}
