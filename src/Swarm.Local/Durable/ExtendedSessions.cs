using System.Collections.Concurrent;
using System.Threading.Channels;
using DurableTask.Core;
using Microsoft.Extensions.Logging;

namespace Swarm.Local.Durable;

/// <summary>
/// Extended sessions for the sidecar's orchestration dispatcher. The Azure Storage provider offers them
/// (<c>ExtendedSessionsEnabled</c>: a work item carries its session, and messages that arrive for the instance while the
/// session is open go to it, with the instance's history kept in memory), but only the Durable Task Framework's own
/// dispatcher uses them: the sidecar's releases every session after one episode, so each message for an instance made
/// the provider read the instance's history back from the History table. Here, after an episode that leaves the instance
/// running, its session stays open: the sidecar's release is deferred, the session waits up to the provider's
/// <c>ExtendedSessionIdleTimeout</c> for the instance's next messages, and the same work item, its history intact, is
/// handed to the sidecar's next fetch. Measured on Azurite, a five-activity chain on the provider's own dispatcher: about
/// 25 ms per activity hop without, 15 ms with (docs/durable-backend.md).
/// </summary>
/// <remarks>
/// Mirrors <c>TaskOrchestrationDispatcher.OnProcessWorkItemSessionAsync</c> of DurableTask.Core: at most
/// <c>maxSessions</c> sessions are held at once (the core dispatcher allows half its work-item cap), a session ends when
/// it idles out, its instance finishes, an episode fails (the sidecar abandons the work item) or the provider aborts it
/// (a lost partition, shutdown). Each episode is still committed to storage before the next one starts, so a crash
/// loses nothing that a released session would have kept.
/// </remarks>
internal sealed partial class ExtendedSessions(IOrchestrationService inner, int maxSessions, ILogger logger)
{
    private readonly Channel<TaskOrchestrationWorkItem> resumed = Channel.CreateUnbounded<TaskOrchestrationWorkItem>();
    // Work items whose session is held here, from the episode that kept it open until its final release.
    private readonly ConcurrentDictionary<TaskOrchestrationWorkItem, byte> held = new(ReferenceEqualityComparer.Instance);
    // Held work items whose episode completed and left the instance running: the sidecar's release continues the session.
    private readonly ConcurrentDictionary<TaskOrchestrationWorkItem, byte> continuing = new(ReferenceEqualityComparer.Instance);
    // The sidecar's dispatcher fetches from one loop; a second concurrent fetch would race for pendingLock.
    private int fetching;
    private Task<TaskOrchestrationWorkItem>? pendingLock;
    private volatile bool stopping;

    /// <summary>
    /// The next work item: one whose session received new messages, or else the provider's next. A provider fetch that
    /// loses the race to a resumed session is kept for the next call, so no work item is lost between them. Throws
    /// <see cref="InvalidOperationException"/> when called while another call is under way (the sidecar fetches from one loop).
    /// </summary>
    public async Task<TaskOrchestrationWorkItem?> LockNextAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref fetching, 1) == 1)
        {
            throw new InvalidOperationException("Orchestration work items are fetched from one loop at a time.");
        }

        try
        {
            while (true)
            {
                if (resumed.Reader.TryRead(out var workItem))
                {
                    return workItem;
                }

                pendingLock ??= inner.LockNextTaskOrchestrationWorkItemAsync(timeout, cancellationToken);
                // The wait for a resumed session is cancelled when the provider's fetch wins, so waits do not pile up.
                using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var ready = resumed.Reader.WaitToReadAsync(waiting.Token).AsTask();
                if (await Task.WhenAny(pendingLock, ready) == pendingLock)
                {
                    await waiting.CancelAsync();
                    var locked = pendingLock;
                    pendingLock = null;
                    return await locked;
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            Volatile.Write(ref fetching, 0);
        }
    }

    /// <summary>Called after the provider committed an episode: keeps the session open if the instance is still running.</summary>
    public void Completed(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState state)
    {
        if (workItem.Session is null || stopping || state.OrchestrationStatus is not OrchestrationStatus.Running)
        {
            return;
        }

        if (held.ContainsKey(workItem) || (held.Count < maxSessions && held.TryAdd(workItem, 0)))
        {
            continuing[workItem] = 0;
        }
    }

    /// <summary>An abandoned episode ends its session: the sidecar's release that follows goes to the provider.</summary>
    public void Abandoned(TaskOrchestrationWorkItem workItem) => continuing.TryRemove(workItem, out _);

    /// <summary>The sidecar's release: continues a kept session in the background, or releases it to the provider.</summary>
    public Task ReleaseAsync(TaskOrchestrationWorkItem workItem)
    {
        if (continuing.TryRemove(workItem, out _))
        {
            _ = ContinueAsync(workItem);
            return Task.CompletedTask;
        }

        held.TryRemove(workItem, out _);
        return inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
    }

    /// <summary>
    /// Before the provider stops: no session is kept from now on, and the resumed work items the sidecar has not fetched
    /// are abandoned, so that their messages become visible again at once rather than after the visibility timeout.
    /// Sessions still waiting end when the provider's stop cancels their wait.
    /// </summary>
    public async Task StopAsync()
    {
        stopping = true;
        while (resumed.Reader.TryRead(out var workItem))
        {
            await EndAsync(workItem, abandon: true);
        }
    }

    private async Task ContinueAsync(TaskOrchestrationWorkItem workItem)
    {
        IList<TaskMessage>? messages;
        try
        {
            messages = await workItem.Session.FetchNewOrchestrationMessagesAsync(workItem);
        }
        catch (Exception error)
        {
            // The provider aborted the session (a lost partition, shutdown): as the core dispatcher does, abandon it.
            LogSessionAborted(logger, workItem.InstanceId, error.Message);
            await EndAsync(workItem, abandon: true);
            return;
        }

        if (messages is null || stopping)
        {
            // Idle for the provider's timeout, or the service is stopping.
            await EndAsync(workItem, abandon: messages is not null);
            return;
        }

        // The sidecar sends the worker the runtime state's past and new events: the episode just committed becomes past.
        var committed = workItem.OrchestrationRuntimeState;
        workItem.OrchestrationRuntimeState = new OrchestrationRuntimeState(committed.Events) { Status = committed.Status };
        workItem.NewMessages = messages;
        resumed.Writer.TryWrite(workItem);
    }

    private async Task EndAsync(TaskOrchestrationWorkItem workItem, bool abandon)
    {
        held.TryRemove(workItem, out _);
        try
        {
            if (abandon)
            {
                await inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
            }

            await inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
        }
        catch (Exception error)
        {
            // The messages become visible again after their visibility timeout; the next episode replays from storage.
            LogReleaseFailed(logger, workItem.InstanceId, error.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The extended session of {InstanceId} was aborted: {Reason}")]
    private static partial void LogSessionAborted(ILogger logger, string instanceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing the extended session of {InstanceId} failed: {Reason}")]
    private static partial void LogReleaseFailed(ILogger logger, string instanceId, string reason);
}
