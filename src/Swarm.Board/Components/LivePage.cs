using Microsoft.AspNetCore.Components;
using Swarm.Api.Client;

namespace Swarm.Board.Components;

/// <summary>
/// A board page that reads the API on open and again every <see cref="BoardOptions.RefreshMilliseconds"/> while it is
/// open (short polling over the page's circuit: no reload). A refused call leaves the last good data on the page and
/// shows the API's problem (status, title, detail) in <see cref="Problem"/>.
/// </summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private PeriodicTimer? _timer;
    private readonly CancellationTokenSource _closing = new();

    [Inject]
    protected BoardApi Api { get; set; } = null!;

    /// <summary>The last problem the API answered, or null.</summary>
    protected ServerProblemException? Problem { get; private set; }

    /// <summary>A failure to reach the API at all, or null.</summary>
    protected string? Unreachable { get; private set; }

    /// <summary>True once the first read has finished.</summary>
    protected bool Loaded { get; private set; }

    /// <summary>Reads what the page shows.</summary>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    protected override async Task OnInitializedAsync()
    {
        await RefreshAsync();
        _timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(500, Api.Options.RefreshMilliseconds)));
        _ = PollAsync(_timer);
    }

    /// <summary>Reads again now, recording a problem instead of throwing.</summary>
    protected async Task RefreshAsync()
    {
        try
        {
            await LoadAsync(_closing.Token);
            Problem = null;
            Unreachable = null;
        }
        catch (ServerProblemException problem)
        {
            Problem = problem;
        }
        catch (ServerUnreachableException unreachable)
        {
            Unreachable = unreachable.Message;
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            return;
        }

        Loaded = true;
    }

    /// <summary>Runs an action the user confirmed; its problem, if any, is shown like a read's.</summary>
    protected async Task<bool> ActAsync(Func<CancellationToken, Task> action)
    {
        try
        {
            await action(_closing.Token);
            Problem = null;
            await RefreshAsync();
            return true;
        }
        catch (ServerProblemException problem)
        {
            Problem = problem;
            return false;
        }
        catch (ServerUnreachableException unreachable)
        {
            Unreachable = unreachable.Message;
            return false;
        }
    }

    public void Dispose()
    {
        _closing.Cancel();
        _timer?.Dispose();
        _closing.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task PollAsync(PeriodicTimer timer)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(_closing.Token))
            {
                await InvokeAsync(async () =>
                {
                    await RefreshAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // The page closed.
        }
        catch (ObjectDisposedException)
        {
            // The page closed.
        }
    }
}
