namespace Swarm.Local.Durable;

/// <summary>
/// Holds the embedded backend's dispatch of work items (orchestration episodes and activities) while the host starts:
/// the API, the sidecar and its clients run, instances can be started and events raised, but nothing is executed until
/// <see cref="Release"/>. Open from the start unless <see cref="Hold"/> is called before the host starts.
/// </summary>
/// <remarks>
/// <c>swarm up</c> holds dispatch until the Prometheus it starts has scraped <c>/metrics</c> once after the completion
/// counters of open work were set to 0 (<see cref="WorkCounterBaselineService"/>): work resumed after a crash would
/// otherwise complete before Prometheus' first sample, which would then already hold the increment, and
/// <c>increase()</c> — so HighDefectRate — would never see it.
/// </remarks>
public sealed class DispatchHold
{
    private readonly object _gate = new();
    private TaskCompletionSource? _released;

    /// <summary>Whether work items are being held.</summary>
    public bool IsHeld
    {
        get
        {
            lock (_gate)
            {
                return _released is not null;
            }
        }
    }

    /// <summary>Holds dispatch until <see cref="Release"/>; idempotent.</summary>
    public void Hold()
    {
        lock (_gate)
        {
            _released ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets dispatch go on; idempotent.</summary>
    public void Release()
    {
        TaskCompletionSource? released;
        lock (_gate)
        {
            released = _released;
            _released = null;
        }

        released?.TrySetResult();
    }

    /// <summary>
    /// Waits until dispatch is not held, at most <paramref name="timeout"/>: true when it is free to go on, false when
    /// the time ran out first (the caller answers "nothing yet" and asks again). Throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task released;
        lock (_gate)
        {
            if (_released is null)
            {
                return true;
            }

            released = _released.Task;
        }

        try
        {
            await released.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
