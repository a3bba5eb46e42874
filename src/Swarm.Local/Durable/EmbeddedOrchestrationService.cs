using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.ExceptionServices;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Microsoft.Extensions.Logging;

namespace Swarm.Local.Durable;

/// <summary>Every service contract the sidecar probes for (it casts its client to the query and purge interfaces).</summary>
internal interface IEmbeddedOrchestrationService
    : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient;

/// <summary>
/// Forwards the sidecar's calls to the orchestration service behind it (the in-memory service or the Azure Storage
/// provider), correcting what the preview sidecar gets wrong with either; everything else passes through untouched.
/// </summary>
[SuppressMessage("Performance", "CA1852", Justification = "DispatchProxy derives the proxy type from this class at run time.")]
internal partial class EmbeddedOrchestrationService : DispatchProxy
{
    // Durable Functions' default (overridableExistingInstanceStates = NonRunningStates): only finished instances may be replaced.
    private static readonly OrchestrationStatus[] ActiveStatuses =
        [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended];

    // Waiting for completion: a completion in this process wakes its waiters at once (CompleteAndSignalAsync); polling
    // the Instances table finds the others (another host on the hub), from 250 ms after the first read, doubling to 1 s.
    // On Azurite every read is a query that filters the whole table in the emulator's one thread: polling from 10 ms up
    // to 100 ms cost about 18 reads per chain of five activities, most of the emulator's requests at 16 in flight.
    private static readonly TimeSpan FirstWaitPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxWaitPoll = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest the provider's own stop may take: 10 s. It releases its partition leases in a few hundred
    /// milliseconds when its storage answers; when the storage is gone it would wait forever.
    /// </summary>
    private static readonly TimeSpan ProviderStopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest a raised event waits for its instance to leave Pending (<see cref="SendOnceStartedAsync"/>) before it
    /// is sent anyway: a start runs within milliseconds on a live host, so this only bounds an instance nobody runs.
    /// </summary>
    private static readonly TimeSpan PendingEventWait = TimeSpan.FromSeconds(30);

    /// <summary>The most instance ids <see cref="startedHere"/> holds (about 1 MB) before it starts over.</summary>
    private const int StartedHereLimit = 10_000;

    private readonly Lock gate = new();
    private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Implements the four interfaces of IEmbeddedOrchestrationService, though not that interface itself.
    private object inner = null!;
    private ILogger logger = null!;
    private int maxConcurrentWorkItems;
    private bool dropsMessagesToMissingInstances;
    private bool polls;
    private bool recordsHistory;
    private bool pagesByOffset;
    // Extended sessions for the Azure Storage provider (null when off, and for the in-memory service).
    private ExtendedSessions? sessions;
    private DispatchHold? hold;
    // Instances that finished in this process since a waiter last looked: a waiter wakes at once instead of at its next poll.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> finishedHere = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string? ExecutionId, HistoryEvent[] Events)> histories = new(StringComparer.Ordinal);
    // Instances whose episodes completed in this process, so they have left Pending: events to them need no read first
    // (SendOnceStartedAsync). Forgotten when the id is started again; cleared when it holds StartedHereLimit ids.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> startedHere = new(StringComparer.Ordinal);
    // Events waiting for a Pending instance to start: woken when one of its episodes completes in this process.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> startWaiters = new(StringComparer.Ordinal);
    private bool stopRequested;
    private int stopping;
    private Task? startTask;

    /// <summary>Completes once the service has stopped (its partition leases released), or at once if it never started.</summary>
    public Task Stopped => stopped.Task;

    /// <summary>
    /// Wraps <paramref name="inner"/>. <paramref name="dropsMessagesToMissingInstances"/>: the service re-queues a
    /// message to an instance that does not exist forever (the in-memory one), so the proxy drops it as durable
    /// backends do. <paramref name="polls"/>: the service's <c>WaitForOrchestrationAsync</c> polls its store every 2 s
    /// (Azure Storage), so the proxy wakes waiters when an instance finishes in this process and polls for the
    /// others from 250 ms, backing off to 1 s. <paramref name="recordsHistory"/>:
    /// the service cannot answer <c>GetOrchestrationHistoryAsync</c> (the in-memory one), so the proxy keeps each
    /// instance's current history as its episodes complete and answers it in the Azure Storage provider's format.
    /// <paramref name="pagesByOffset"/>: the service pages instance queries by an offset into a hash table whose order
    /// changes as instances are added (the in-memory one), so following its tokens can repeat or skip instances; the
    /// proxy pages in instance-id order instead, as the Azure Storage provider does, with the last id as the token.
    /// <paramref name="maxExtendedSessions"/>: above zero, the service hands out sessions (the Azure Storage provider
    /// with <c>ExtendedSessionsEnabled</c>) and the proxy keeps up to this many open between episodes
    /// (<see cref="ExtendedSessions"/>), which the sidecar's dispatcher does not do itself. <paramref name="hold"/>: while
    /// held, no orchestration or activity work item is handed out (the fetch answers "nothing yet" after its timeout).
    /// </summary>
    public static IEmbeddedOrchestrationService Create(
        object inner, int maxConcurrentWorkItems, bool dropsMessagesToMissingInstances, bool polls, ILogger logger, bool recordsHistory = false,
        bool pagesByOffset = false, int maxExtendedSessions = 0, DispatchHold? hold = null)
    {
        if (inner is not (IOrchestrationService and IOrchestrationServiceClient and IOrchestrationServiceQueryClient and IOrchestrationServicePurgeClient))
        {
            throw new ArgumentException($"{inner.GetType().Name} lacks a service contract the sidecar needs.", nameof(inner));
        }

        var proxy = Create<IEmbeddedOrchestrationService, EmbeddedOrchestrationService>();
        var self = (EmbeddedOrchestrationService)(object)proxy;
        self.inner = inner;
        self.maxConcurrentWorkItems = maxConcurrentWorkItems;
        self.dropsMessagesToMissingInstances = dropsMessagesToMissingInstances;
        self.polls = polls;
        self.recordsHistory = recordsHistory;
        self.pagesByOffset = pagesByOffset;
        self.logger = logger;
        self.sessions = maxExtendedSessions > 0 ? new ExtendedSessions((IOrchestrationService)inner, maxExtendedSessions, logger) : null;
        self.hold = hold;
        return proxy;
    }

    /// <summary>The proxy object behind <paramref name="service"/>.</summary>
    public static EmbeddedOrchestrationService Of(IEmbeddedOrchestrationService service) => (EmbeddedOrchestrationService)(object)service;

    /// <summary>From now on a late <c>StartAsync</c> (the sidecar starts the service when a worker first connects) does nothing.</summary>
    public void RequestStop()
    {
        lock (gate)
        {
            stopRequested = true;
        }
    }

    /// <summary>
    /// Stops the service now, whatever the sidecar's dispatchers are waiting for (a work item whose worker has gone
    /// never completes, and the sidecar stops the service only after its dispatchers).
    /// </summary>
    public Task ForceStopAsync()
    {
        Task? start;
        lock (gate)
        {
            stopRequested = true;
            start = startTask;
        }

        return StopAfterStartAsync(start);
    }

    /// <summary>A fetch made while dispatch is held: waits for the release within the fetch's timeout, then fetches as usual; null (nothing yet) when the time runs out.</summary>
    private async Task<T?> AfterHoldAsync<T>(DispatchHold held, MethodInfo targetMethod, object?[] args)
        where T : class
    {
        if (!await held.WaitAsync((TimeSpan)args[0]!, (CancellationToken)args[1]!))
        {
            return null;
        }

        return await (Task<T>)Invoke(targetMethod, args)!;
    }

    /// <summary>Disposes the service behind the proxy (the Azure Storage provider holds clients and timers).</summary>
    public void DisposeService() => (inner as IDisposable)?.Dispose();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        args ??= [];
        if (targetMethod.Name is nameof(IOrchestrationService.CompleteTaskOrchestrationWorkItemAsync)
            or nameof(IOrchestrationServiceClient.CreateTaskOrchestrationAsync)
            or nameof(IOrchestrationServiceClient.SendTaskOrchestrationMessageAsync)
            or nameof(IOrchestrationServiceClient.SendTaskOrchestrationMessageBatchAsync))
        {
            PlainTags(args);
        }

        if (targetMethod.Name is nameof(IOrchestrationServiceClient.CreateTaskOrchestrationAsync)
            && args is [TaskMessage { OrchestrationInstance.InstanceId: { } created }, ..])
        {
            // A new execution of this id starts Pending again.
            startedHere.TryRemove(created, out _);
        }

        if (hold is { IsHeld: true } held)
        {
            switch (targetMethod.Name)
            {
                case nameof(IOrchestrationService.LockNextTaskOrchestrationWorkItemAsync):
                    return AfterHoldAsync<TaskOrchestrationWorkItem>(held, targetMethod, args);
                case nameof(IOrchestrationService.LockNextTaskActivityWorkItem):
                    return AfterHoldAsync<TaskActivityWorkItem>(held, targetMethod, args);
            }
        }

        switch (targetMethod.Name)
        {
            // The stock caps equal the core count and make the sidecar's dispatcher sleep 500 ms whenever they are reached.
            case "get_" + nameof(IOrchestrationService.MaxConcurrentTaskOrchestrationWorkItems)
                or "get_" + nameof(IOrchestrationService.MaxConcurrentTaskActivityWorkItems):
                return maxConcurrentWorkItems;
            case nameof(IOrchestrationService.LockNextTaskOrchestrationWorkItemAsync) when dropsMessagesToMissingInstances:
                return LockNextStartedWorkItemAsync((TimeSpan)args[0]!, (CancellationToken)args[1]!);
            case nameof(IOrchestrationService.LockNextTaskOrchestrationWorkItemAsync) when sessions is not null:
                return sessions.LockNextAsync((TimeSpan)args[0]!, (CancellationToken)args[1]!);
            case nameof(IOrchestrationService.AbandonTaskOrchestrationWorkItemAsync) when sessions is not null:
                sessions.Abandoned((TaskOrchestrationWorkItem)args[0]!);
                return Forward(targetMethod, args);
            case nameof(IOrchestrationService.ReleaseTaskOrchestrationWorkItemAsync) when sessions is not null:
                return sessions.ReleaseAsync((TaskOrchestrationWorkItem)args[0]!);
            case nameof(IOrchestrationServiceClient.SendTaskOrchestrationMessageAsync)
                when polls && args is [TaskMessage { Event: EventRaisedEvent, OrchestrationInstance.InstanceId: { } raisedTo }]:
                return SendOnceStartedAsync(targetMethod, args, raisedTo);
            // The client sends no reuse policy; without one the Azure Storage provider would overwrite a running instance.
            case nameof(IOrchestrationServiceClient.CreateTaskOrchestrationAsync) when args is [_, null]:
                return Forward(targetMethod, [args[0], ActiveStatuses]);
            case nameof(IOrchestrationService.CompleteTaskOrchestrationWorkItemAsync) when recordsHistory:
                return CompleteAndRecordAsync(targetMethod, args);
            case nameof(IOrchestrationService.CompleteTaskOrchestrationWorkItemAsync) when polls:
                return CompleteAndSignalAsync(targetMethod, args);
            case nameof(IOrchestrationServiceClient.GetOrchestrationHistoryAsync) when recordsHistory:
                return Task.FromResult(RecordedHistory((string)args[0]!, (string?)args[1]));
            case nameof(IOrchestrationServiceQueryClient.GetOrchestrationWithQueryAsync) when pagesByOffset:
                return QueryInIdOrderAsync((OrchestrationQuery)args[0]!, (CancellationToken)args[1]!);
            // An instance created by a client other than the sidecar (the framework's TaskHubClient, another app on the
            // same hub) may have no tags; the sidecar copies them into its answer's map field and fails on null, so
            // every read of such an instance was an error. The proxy answers with empty tags instead.
            case nameof(IOrchestrationServiceClient.GetOrchestrationStateAsync) when targetMethod.ReturnType == typeof(Task<OrchestrationState>):
                return WithTagsAsync((Task<OrchestrationState>)Forward(targetMethod, args)!);
            case nameof(IOrchestrationServiceClient.GetOrchestrationStateAsync) when targetMethod.ReturnType == typeof(Task<IList<OrchestrationState>>):
                return WithTagsAsync((Task<IList<OrchestrationState>>)Forward(targetMethod, args)!);
            case nameof(IOrchestrationServiceQueryClient.GetOrchestrationWithQueryAsync):
                return WithTagsAsync((Task<OrchestrationQueryResult>)Forward(targetMethod, args)!);
            case nameof(IOrchestrationServiceClient.WaitForOrchestrationAsync) when polls:
                return WaitAsync((string)args[0]!, (string?)args[1], (TimeSpan)args[2]!, (CancellationToken)args[3]!);
            // The sidecar starts the service once a worker connects — even while the host is stopping — and stops it
            // even when it never started, which the Azure Storage provider answers with a NullReferenceException in the
            // sidecar's async-void handler, ending the process.
            case nameof(IOrchestrationService.StartAsync):
                lock (gate)
                {
                    return stopRequested ? Task.CompletedTask : startTask = (Task)Forward(targetMethod, args)!;
                }

            case nameof(IOrchestrationService.StopAsync):
                Task? start;
                lock (gate)
                {
                    stopRequested = true;
                    start = startTask;
                }

                return StopAfterStartAsync(start);
            default:
                return Forward(targetMethod, args);
        }
    }

    /// <summary>
    /// Gives every event about to be stored a plain <see cref="Dictionary{TKey,TValue}"/> of tags. The sidecar passes
    /// the gRPC request's map field (<c>Google.Protobuf.Collections.MapField</c>) on as a sub-orchestration's or a
    /// client-started instance's tags, and the Azure Storage provider writes queue messages with their runtime type
    /// names and cannot resolve that type when it reads the message back: the start message of a sub-orchestration
    /// failed to deserialize at every poll and the parent waited forever (a remediation re-opening an incident did).
    /// </summary>
    private static void PlainTags(object?[] args)
    {
        foreach (var arg in args)
        {
            switch (arg)
            {
                case TaskMessage message:
                    PlainTags(message.Event);
                    break;
                case IEnumerable<TaskMessage> messages:
                    foreach (var message in messages)
                    {
                        PlainTags(message.Event);
                    }

                    break;
                case OrchestrationRuntimeState state:
                    foreach (var added in state.NewEvents)
                    {
                        PlainTags(added);
                    }

                    PlainSubOrchestrationEvents(state);
                    break;
                case OrchestrationState status:
                    status.Tags = Plain(status.Tags);
                    break;
            }
        }
    }

    /// <summary>
    /// Replaces the sidecar's own subclass of <see cref="SubOrchestrationInstanceCreatedEvent"/> among the new events with
    /// the framework's type. The Azure Storage provider writes a history row from the event's data contract, and the
    /// subclass has none, so the row lacked even its <c>EventType</c>: reading the parent's history failed ("The
    /// TableEntity did not contain a 'EventType' property"). The subclass only adds a trace context that the provider
    /// cannot store either.
    /// </summary>
    private static void PlainSubOrchestrationEvents(OrchestrationRuntimeState state)
    {
        for (var i = 0; i < state.NewEvents.Count; i++)
        {
            if (state.NewEvents[i] is not SubOrchestrationInstanceCreatedEvent created || created.GetType() == typeof(SubOrchestrationInstanceCreatedEvent))
            {
                continue;
            }

            var plain = new SubOrchestrationInstanceCreatedEvent(created.EventId);
            foreach (var property in typeof(SubOrchestrationInstanceCreatedEvent).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.CanRead && property.GetSetMethod() is not null && property.GetIndexParameters().Length == 0)
                {
                    property.SetValue(plain, property.GetValue(created));
                }
            }

            state.NewEvents[i] = plain;
            var at = state.Events.IndexOf(created);
            if (at >= 0)
            {
                state.Events[at] = plain;
            }
        }
    }

    private static void PlainTags(HistoryEvent? historyEvent)
    {
        switch (historyEvent)
        {
            case ExecutionStartedEvent started:
                started.Tags = Plain(started.Tags);
                break;
            case SubOrchestrationInstanceCreatedEvent created:
                created.Tags = Plain(created.Tags);
                break;
            case TaskScheduledEvent scheduled:
                scheduled.Tags = Plain(scheduled.Tags);
                break;
        }
    }

    /// <summary>The same tags as a plain dictionary; null and plain dictionaries come back as they are.</summary>
    private static IDictionary<string, string>? Plain(IDictionary<string, string>? tags) =>
        tags is null or Dictionary<string, string> ? tags : new Dictionary<string, string>(tags, StringComparer.Ordinal);

    private async Task StopAfterStartAsync(Task? start)
    {
        if (Interlocked.Exchange(ref stopping, 1) == 1)
        {
            await stopped.Task;
            return;
        }

        try
        {
            if (start is null)
            {
                return;
            }

            try
            {
                await start;
            }
            catch (Exception error)
            {
                LogStartFailed(logger, error);
                return;
            }

            if (sessions is not null)
            {
                await sessions.StopAsync();
            }

            // Forced: the worker has already gone, so a graceful stop would wait for work items that can no longer
            // complete; the backend re-delivers them to the next host (at-least-once, which the agents tolerate).
            // Bounded: with its storage gone (Azurite killed with the terminal's process group), the Azure Storage
            // provider's partition manager waits forever to release its leases; they then lapse on their own.
            try
            {
                await ((IOrchestrationService)inner).StopAsync(isForced: true).WaitAsync(ProviderStopTimeout);
            }
            catch (TimeoutException)
            {
                LogStopTimedOut(logger, ProviderStopTimeout.TotalSeconds);
            }
        }
        finally
        {
            stopped.TrySetResult();
        }
    }

    /// <summary>
    /// One page of <paramref name="query"/> in ordinal instance-id order: the instances after the id in its token (the
    /// last id of the previous page) up to its page size, and that page's last id as the next token when it is full.
    /// Reads every match of the in-memory store per page, which only that service needs.
    /// </summary>
    private async Task<OrchestrationQueryResult> QueryInIdOrderAsync(OrchestrationQuery query, CancellationToken cancellationToken)
    {
        var after = query.ContinuationToken;
        var all = await ((IOrchestrationServiceQueryClient)inner).GetOrchestrationWithQueryAsync(
            new OrchestrationQuery
            {
                RuntimeStatus = query.RuntimeStatus,
                CreatedTimeFrom = query.CreatedTimeFrom,
                CreatedTimeTo = query.CreatedTimeTo,
                TaskHubNames = query.TaskHubNames,
                InstanceIdPrefix = query.InstanceIdPrefix,
                FetchInputsAndOutputs = query.FetchInputsAndOutputs,
                ExcludeEntities = query.ExcludeEntities,
                PageSize = int.MaxValue,
            },
            cancellationToken);
        var size = query.PageSize > 0 ? query.PageSize : 100;
        var page = all.OrchestrationState
            .Where(s => after is null || string.CompareOrdinal(s.OrchestrationInstance.InstanceId, after) > 0)
            .OrderBy(s => s.OrchestrationInstance.InstanceId, StringComparer.Ordinal)
            .Take(size)
            .ToList();
        return new OrchestrationQueryResult(page, page.Count == size ? page[^1].OrchestrationInstance.InstanceId : null);
    }

    private object? Forward(MethodInfo targetMethod, object?[] args)
    {
        try
        {
            return targetMethod.Invoke(inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // The sidecar catches typed exceptions (OrchestrationAlreadyExistsException), so reflection's wrapper must not leak.
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private async Task CompleteAndRecordAsync(MethodInfo targetMethod, object?[] args)
    {
        await (Task)Forward(targetMethod, args)!;
        if (args is [TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState state, ..])
        {
            histories[workItem.InstanceId] = (state.OrchestrationInstance?.ExecutionId, [.. state.Events]);
        }
    }

    /// <summary>
    /// Completes the episode, then wakes whoever waits for the instance if the episode finished it (completed, failed,
    /// terminated): a completion in this process is seen at once rather than at the waiter's next poll of the
    /// Instances table. Completions on another host that shares the hub are still found by polling.
    /// </summary>
    private async Task CompleteAndSignalAsync(MethodInfo targetMethod, object?[] args)
    {
        await (Task)Forward(targetMethod, args)!;
        if (args is not [TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState state, ..])
        {
            return;
        }

        sessions?.Completed(workItem, state);
        if (startedHere.Count >= StartedHereLimit)
        {
            startedHere.Clear();
        }

        startedHere[workItem.InstanceId] = 0;
        if (startWaiters.TryRemove(workItem.InstanceId, out var starting))
        {
            starting.TrySetResult();
        }

        if (state.OrchestrationStatus is OrchestrationStatus.Completed or OrchestrationStatus.Failed
                or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled
            && finishedHere.TryRemove(workItem.InstanceId, out var waiters))
        {
            waiters.TrySetResult();
        }
    }

    /// <summary>The recorded history of the instance's current execution as a JSON array (empty when unknown or another execution).</summary>
    private string RecordedHistory(string instanceId, string? executionId) =>
        histories.TryGetValue(instanceId, out var recorded) && (executionId is null || recorded.ExecutionId is null || recorded.ExecutionId == executionId)
            ? Newtonsoft.Json.JsonConvert.SerializeObject(recorded.Events)
            : "[]";

    /// <summary>
    /// Messages to an instance that does not exist (an event raised to an unknown id) would fail in the sidecar's
    /// dispatcher and be re-queued at once, forever, at full CPU; they are dropped instead, as durable backends do.
    /// </summary>
    private async Task<TaskOrchestrationWorkItem> LockNextStartedWorkItemAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            var workItem = await ((IOrchestrationService)inner).LockNextTaskOrchestrationWorkItemAsync(timeout, cancellationToken);
            if (workItem is null
                || workItem.OrchestrationRuntimeState?.ExecutionStartedEvent is not null
                || workItem.NewMessages.Any(m => m.Event is ExecutionStartedEvent))
            {
                return workItem!;
            }

            LogDroppedMessages(logger, workItem.NewMessages.Count, workItem.InstanceId);
            await ((IOrchestrationService)inner).ReleaseTaskOrchestrationWorkItemAsync(workItem);
        }
    }

    /// <summary>
    /// Sends an event raised from outside (the sidecar's <c>RaiseEvent</c>) once its instance has left Pending. The Azure
    /// Storage provider enqueues a new instance's start message before it writes the instance's row, and a poller that
    /// dequeues the start message before the row exists defers it (hides it again for a while). An event for the instance
    /// dequeued in that gap finds no history and no start message, and the provider discards it ("No such instance"):
    /// the instance then starts without the event, and a command sent right after a start (an agent started and sent
    /// its first command, an alert to a new incident desk) was lost. While the instance is Pending the send waits,
    /// woken when one of the instance's episodes completes in this process, else reading its row again from 10 ms,
    /// doubling to 250 ms (it may start on another host), for at most <see cref="PendingEventWait"/>; an instance
    /// that is running, finished or unknown gets the event at once, after that one read — or with no read at all when
    /// one of its episodes completed in this process (<see cref="startedHere"/>). The stock in-memory service
    /// creates an instance and queues its messages in order, so it needs none of this.
    /// </summary>
    private async Task SendOnceStartedAsync(MethodInfo method, object?[] args, string instanceId)
    {
        var started = await WaitForAsync(
            startWaiters, instanceId, async () => startedHere.ContainsKey(instanceId) || !await IsPendingAsync(instanceId),
            TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(250), PendingEventWait, CancellationToken.None);
        if (!started)
        {
            logger.LogWarning("{InstanceId} was still Pending after {Seconds} s; its event is sent anyway and may be discarded.", instanceId, PendingEventWait.TotalSeconds);
        }

        await (Task)Forward(method, args)!;
    }

    /// <summary>The answer of <paramref name="read"/> with empty tags on every instance state that has none.</summary>
    private static async Task<T> WithTagsAsync<T>(Task<T> read)
    {
        var answer = await read;
        EmptyTagsWhereNone(answer);
        return answer;
    }

    /// <summary>Gives every instance state in <paramref name="answer"/> (one, a list, or a query page) empty tags where it has none.</summary>
    private static void EmptyTagsWhereNone(object? answer)
    {
        foreach (var state in answer switch
                 {
                     OrchestrationState one => [one],
                     IEnumerable<OrchestrationState> many => many,
                     OrchestrationQueryResult page => page.OrchestrationState ?? [],
                     _ => [],
                 })
        {
            if (state is not null)
            {
                state.Tags ??= new Dictionary<string, string>();
            }
        }
    }

    private async Task<bool> IsPendingAsync(string instanceId)
    {
        var states = inner is DurableTask.AzureStorage.AzureStorageOrchestrationService azure
            ? await azure.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: false)
            : await ((IOrchestrationServiceClient)inner).GetOrchestrationStateAsync(instanceId, allExecutions: false);
        return states is [{ OrchestrationStatus: OrchestrationStatus.Pending }, ..];
    }

    /// <summary>
    /// Waits for an instance to finish: woken at once by a completion in this process, else by polling its state 250 ms
    /// after the first read, doubling to every 1 s; null after <paramref name="timeout"/>.
    /// </summary>
    private async Task<OrchestrationState?> WaitAsync(string instanceId, string? executionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var client = (IOrchestrationServiceClient)inner;
        OrchestrationState? done = null;
        // With a zero timeout the stock wait reads the state once: a finished instance comes back with the inputs and
        // outputs the provider moved to blobs, a running one as null.
        await WaitForAsync(
            finishedHere, instanceId, async () => (done = await client.WaitForOrchestrationAsync(instanceId, executionId!, TimeSpan.Zero, cancellationToken)) is not null,
            FirstWaitPoll, MaxWaitPoll, timeout, cancellationToken);
        EmptyTagsWhereNone(done);
        return done;
    }

    /// <summary>
    /// Checks <paramref name="holds"/> until it is true (then true) or <paramref name="timeout"/> has passed (then false;
    /// <see cref="Timeout.InfiniteTimeSpan"/>: never). Between checks it waits for a signal on
    /// <paramref name="instanceId"/> in <paramref name="signals"/> (set by <see cref="CompleteAndSignalAsync"/> when an
    /// episode of the instance completes in this process) or for the poll interval, from <paramref name="firstPoll"/>
    /// doubling to <paramref name="maxPoll"/>. The signal is registered before each check, so one set between the check
    /// and the wait still wakes it; a wait that ends unsignalled leaves no entry behind.
    /// </summary>
    private static async Task<bool> WaitForAsync(
        System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> signals, string instanceId, Func<Task<bool>> holds,
        TimeSpan firstPoll, TimeSpan maxPoll, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var poll = firstPoll;
        try
        {
            while (true)
            {
                var signalled = signals.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                if (await holds())
                {
                    return true;
                }

                if (timeout != Timeout.InfiniteTimeSpan && waited.Elapsed >= timeout)
                {
                    return false;
                }

                await Task.WhenAny(signalled, Task.Delay(poll, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
                poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, maxPoll.Ticks));
            }
        }
        finally
        {
            if (signals.TryGetValue(instanceId, out var left) && !left.Task.IsCompleted)
            {
                signals.TryRemove(new KeyValuePair<string, TaskCompletionSource>(instanceId, left));
            }
        }
    }

    [LoggerMessage(EventId = 1, EventName = "EmbeddedDurableMessagesDropped", Level = LogLevel.Warning,
        Message = "Dropped {Count} message(s) sent to orchestration instance '{InstanceId}', which does not exist.")]
    private static partial void LogDroppedMessages(ILogger logger, int count, string instanceId);

    [LoggerMessage(EventId = 2, EventName = "EmbeddedDurableStartFailed", Level = LogLevel.Error,
        Message = "The Durable backend's orchestration service failed to start.")]
    private static partial void LogStartFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 3, EventName = "EmbeddedDurableStopTimedOut", Level = LogLevel.Warning,
        Message = "The Durable backend's orchestration service did not stop within {Seconds} s (is its storage reachable?); " +
                  "its partition leases lapse on their own (30 s on Azure Storage) and a restarted host takes them back.")]
    private static partial void LogStopTimedOut(ILogger logger, double seconds);
}
