using System.Globalization;
using System.Text.Json;
using DurableTask.Core.History;
using Microsoft.DurableTask.Client;
using Swarm.Domain;

namespace Swarm.Api;

/// <summary>One orchestration in <c>GET /api/instances</c>.</summary>
/// <param name="InstanceId">The Durable instance id, e.g. <c>motion-approve-w-…</c>.</param>
/// <param name="Name">The orchestrator's name, e.g. <c>MotionOrchestrator</c>.</param>
/// <param name="Status">The runtime status in kebab case: <c>running</c>, <c>pending</c>, <c>completed</c>, <c>failed</c>, <c>terminated</c>, <c>suspended</c>.</param>
/// <param name="CreatedAt">When the instance was created (UTC).</param>
/// <param name="LastUpdatedAt">When its state last changed (UTC).</param>
/// <param name="CustomStatus">Its custom status as JSON, as the agent sets it (a summary of its state), or null.</param>
/// <param name="WaitingOn">
/// What a running instance waits for (as <see cref="InstanceDetail.WaitingOn"/>); filled only when the list was
/// filtered by <c>waitingOn</c>, since it reads each listed instance's history.
/// </param>
public sealed record InstanceSummary(
    string InstanceId,
    string Name,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    JsonElement? CustomStatus,
    IReadOnlyList<string>? WaitingOn = null);

/// <summary>The answer of <c>GET /api/instances</c>: at most <c>max</c> instances and, when more may match, the token of the next page.</summary>
public sealed record InstanceList(int Count, IReadOnlyList<InstanceSummary> Items, string? ContinuationToken);

/// <summary>One event of an instance's history, as the Durable backend keeps it.</summary>
/// <param name="EventId">The event's sequence number within its episode (-1 for events that arrive from outside).</param>
/// <param name="Type">The history event type in kebab case, e.g. <c>task-scheduled</c>, <c>task-completed</c>, <c>event-raised</c>, <c>timer-created</c>.</param>
/// <param name="Timestamp">When it was recorded (UTC).</param>
/// <param name="Name">The activity, event or sub-orchestration it names, when it names one.</param>
/// <param name="Data">Its input, result, event data or failure, as stored (JSON text, cut at <see cref="InstanceExplorer.MaxDataLength"/> characters).</param>
/// <param name="ScheduledId">For a completion or failure, the <see cref="EventId"/> of what it completes.</param>
/// <param name="FireAt">For a timer, when it fires.</param>
/// <param name="TraceId">
/// The trace the event belongs to (32 hex digits): a start's parent trace, a scheduled activity's trace, when the backend
/// returns it (the local host's does, under the history tag <c>traceparent</c>); else null, and the instance's
/// <see cref="InstanceDetail.TraceId"/> is the best link.
/// </param>
/// <param name="SpanId">The span of <see cref="TraceId"/> the event hangs from (16 hex digits), or null.</param>
public sealed record InstanceHistoryEvent(
    int EventId,
    string Type,
    DateTimeOffset Timestamp,
    string? Name,
    string? Data,
    int? ScheduledId,
    DateTimeOffset? FireAt,
    string? TraceId = null,
    string? SpanId = null);

/// <summary>The answer of <c>GET /api/instances/{id}</c>: the instance, its input, output and custom status, and its history.</summary>
/// <param name="Instance">The instance as listed.</param>
/// <param name="Input">Its input as JSON.</param>
/// <param name="Output">Its output as JSON, once it has finished.</param>
/// <param name="Failure">For a failed instance, the error's type and message.</param>
/// <param name="History">Its history events, oldest first.</param>
/// <param name="WaitingOn">What a running instance waits for now: the activities it scheduled that have not completed, its pending timers, or <c>an external event</c>.</param>
/// <param name="TraceId">The trace its current execution was started in (its start event's trace), or null when the backend does not return it.</param>
public sealed record InstanceDetail(
    InstanceSummary Instance,
    JsonElement? Input,
    JsonElement? Output,
    string? Failure,
    IReadOnlyList<string> WaitingOn,
    IReadOnlyList<InstanceHistoryEvent> History,
    string? TraceId = null);

/// <summary>The answer of an instance action (<c>terminate</c>, <c>events/{name}</c>).</summary>
public sealed record InstanceActionOutcome(string InstanceId, string Action, string Outcome, DateTimeOffset At);

/// <summary>
/// Every orchestration of the task hub, read through the Durable client: listed by status, orchestrator name and
/// instance-id prefix; one instance with its history; terminate one or raise an event into it. Both hosts serve it
/// (<c>/api/instances</c>), so a board or an operator sees what any agent waits for.
/// </summary>
public static class InstanceExplorer
{
    /// <summary>Instances per page by default and at most: 100 and 1,000.</summary>
    public const int DefaultMax = 100;

    public const int MaxMax = 1_000;

    /// <summary>Characters of an input, output or event payload shown in a history event; longer ones are cut and end with <c>…</c>.</summary>
    public const int MaxDataLength = 4_096;

    /// <summary>
    /// The instances whose status is among <paramref name="statuses"/> (none: all), whose orchestrator is
    /// <paramref name="name"/> (case-insensitive; none: any) and whose id starts with <paramref name="prefix"/>, newest
    /// first within the page the backend returns; at most <paramref name="max"/>, continuing from <paramref name="continuationToken"/>.
    /// </summary>
    public static async Task<InstanceList> ListAsync(
        DurableTaskClient client,
        IReadOnlyList<OrchestrationRuntimeStatus>? statuses,
        string? name,
        string? prefix,
        int max,
        string? continuationToken,
        CancellationToken cancellationToken)
    {
        var query = new OrchestrationQuery
        {
            Statuses = statuses is { Count: > 0 } ? statuses : null,
            InstanceIdPrefix = prefix,
            FetchInputsAndOutputs = false,
        };
        var page = await InstancePages.ReadAsync(
            client,
            query,
            i => name is null || string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase) ? Summary(i) : null,
            max,
            continuationToken,
            cancellationToken);
        var listed = page.Items.OrderByDescending(i => i.CreatedAt).ToList();
        return new InstanceList(listed.Count, listed, page.ContinuationToken);
    }

    /// <summary>
    /// Of <paramref name="list"/>, the running, pending or suspended instances whose <see cref="InstanceDetail.WaitingOn"/>
    /// contains <paramref name="waitingOn"/> (case-insensitive: <c>activity</c>, <c>timer</c>, <c>external event</c>, an
    /// activity's name), each with what it waits on. Reads one history per such instance of the page, so it costs
    /// at most <c>max</c> history reads.
    /// </summary>
    public static async Task<InstanceList> WaitingOnAsync(
        DurableTaskClient client, InstanceList list, string waitingOn, CancellationToken cancellationToken)
    {
        var waiting = new List<InstanceSummary>();
        foreach (var instance in list.Items.Where(i => i.Status is "running" or "pending" or "suspended"))
        {
            var on = WaitingOn(await client.GetOrchestrationHistoryAsync(instance.InstanceId, cancellationToken));
            if (on.Any(w => w.Contains(waitingOn.Trim(), StringComparison.OrdinalIgnoreCase)))
            {
                waiting.Add(instance with { WaitingOn = on });
            }
        }

        return new InstanceList(waiting.Count, waiting, list.ContinuationToken);
    }

    /// <summary>One instance with its input, output, custom status, what it waits on and its history; 404 when unknown.</summary>
    public static async Task<InstanceDetail> GetAsync(DurableTaskClient client, string instanceId, CancellationToken cancellationToken)
    {
        var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken)
            ?? throw new NotFoundException("instance", instanceId);
        var history = await client.GetOrchestrationHistoryAsync(instanceId, cancellationToken);
        var events = history.Select(Event).ToList();
        var waiting = metadata.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended
            ? WaitingOn(history)
            : [];
        return new InstanceDetail(
            Summary(metadata),
            Parse(metadata.SerializedInput),
            Parse(metadata.SerializedOutput),
            metadata.FailureDetails is { } failure ? $"{failure.ErrorType}: {failure.ErrorMessage}" : null,
            waiting,
            events,
            events.FirstOrDefault(e => e.Type == StartedType)?.TraceId);
    }

    private static readonly string StartedType = Naming.Kebab(EventType.ExecutionStarted);

    /// <summary>Terminates a running, pending or suspended instance; an instance already in a final state answers <c>already-final</c>.</summary>
    public static async Task<InstanceActionOutcome> TerminateAsync(DurableTaskClient client, string instanceId, string? reason, CancellationToken cancellationToken)
    {
        var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken)
            ?? throw new NotFoundException("instance", instanceId);
        if (metadata.RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
        {
            return new InstanceActionOutcome(instanceId, "terminate", "already-final", DateTimeOffset.UtcNow);
        }

        await client.TerminateInstanceAsync(instanceId, reason ?? "terminated through the API", cancellationToken);
        return new InstanceActionOutcome(instanceId, "terminate", "terminated", DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Starts a failed or terminated agent instance again under its own id from its last recorded state — what
    /// <see cref="RecoverableOrchestrator.LastKnownInput"/> reads for its orchestrator (a work item's, motion's, sprint's
    /// or Lean project's custom status, a team's last input): the workflows resume from any state, and every command
    /// they had applied stays applied. 404 when unknown; 409 when the instance is running, pending or suspended
    /// (terminate it first), completed (its work is done), of an orchestrator with no state to restart from, or has
    /// recorded no state.
    /// </summary>
    public static async Task<InstanceActionOutcome> RestartAsync(
        DurableTaskClient client, IReadOnlyList<RecoverableOrchestrator> recoverable, string instanceId, CancellationToken cancellationToken)
    {
        var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken)
            ?? throw new NotFoundException("instance", instanceId);
        if (metadata.RuntimeStatus is not (OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated))
        {
            throw new ConflictException(
                $"Instance '{instanceId}' is {Naming.Kebab(metadata.RuntimeStatus)}; only a failed or terminated instance is restarted (terminate a running one first).");
        }

        var orchestrator = recoverable.FirstOrDefault(r => string.Equals(r.Orchestrator, metadata.Name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ConflictException(
                $"Instance '{instanceId}' runs {metadata.Name}, which keeps no agent state to restart from; restartable: {string.Join(", ", recoverable.Select(r => r.Orchestrator))}.");
        var state = orchestrator.LastKnownInput(metadata)
            ?? throw new ConflictException($"Instance '{instanceId}' recorded no state to restart from.");
        await client.ScheduleNewOrchestrationInstanceAsync(metadata.Name, state, new Microsoft.DurableTask.StartOrchestrationOptions(instanceId), cancellationToken);
        return new InstanceActionOutcome(instanceId, "restart", "restarted", DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Raises <paramref name="eventName"/> with <paramref name="data"/> (any JSON) into a running or pending instance;
    /// 409 when the instance is in a final state, where nothing would read it.
    /// </summary>
    public static async Task<InstanceActionOutcome> RaiseEventAsync(
        DurableTaskClient client, string instanceId, string eventName, JsonElement? data, CancellationToken cancellationToken)
    {
        var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken)
            ?? throw new NotFoundException("instance", instanceId);
        if (metadata.RuntimeStatus is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended))
        {
            throw new ConflictException($"instance '{instanceId}' is {Status(metadata.RuntimeStatus)}: an event raised into it would never be read.");
        }

        await client.RaiseEventAsync(instanceId, eventName, data, cancellationToken);
        return new InstanceActionOutcome(instanceId, $"raise {eventName}", "raised", DateTimeOffset.UtcNow);
    }

    /// <summary>Parses a comma-separated status filter (<c>running,pending</c>); an unknown name is a 400 naming <c>status</c>.</summary>
    public static IReadOnlyList<OrchestrationRuntimeStatus> ParseStatuses(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var statuses = new List<OrchestrationRuntimeStatus>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            statuses.Add(Naming.TryParse<OrchestrationRuntimeStatus>(part, out var status)
                ? status
                : throw new InvalidInputException("status", $"status '{part}' is unknown; one or more of {Naming.Allowed<OrchestrationRuntimeStatus>()}, comma-separated."));
        }

        return statuses;
    }

    /// <summary>Parses <c>max</c>: 1–<see cref="MaxMax"/>, default <paramref name="fallback"/> (<see cref="DefaultMax"/>); a 400 problem naming <c>max</c> otherwise.</summary>
    public static int ParseMax(string? text, int fallback = DefaultMax) =>
        text is null
            ? fallback
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max is >= 1 and <= MaxMax
                ? max
                : throw new InvalidInputException("max", $"max '{text}' must be a whole number from 1 to {MaxMax}.");

    private static InstanceSummary Summary(OrchestrationMetadata m) =>
        new(m.InstanceId, m.Name, Status(m.RuntimeStatus), m.CreatedAt, m.LastUpdatedAt, Parse(m.SerializedCustomStatus));

    private static string Status(OrchestrationRuntimeStatus status) => Naming.Kebab(status);

    private static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json);
        }
    }

    private static InstanceHistoryEvent Event(HistoryEvent e)
    {
        var (name, data, scheduledId, fireAt) = e switch
        {
            ExecutionStartedEvent s => (s.Name, s.Input, (int?)null, (DateTime?)null),
            ExecutionCompletedEvent c => (null, c.Result ?? c.FailureDetails?.ToString(), null, null),
            ExecutionTerminatedEvent t => (null, t.Input, null, null),
            TaskScheduledEvent s => (s.Name, s.Input, null, null),
            TaskCompletedEvent c => (null, c.Result, c.TaskScheduledId, null),
            TaskFailedEvent f => (null, f.FailureDetails?.ToString() ?? f.Reason, f.TaskScheduledId, null),
            SubOrchestrationInstanceCreatedEvent s => (s.Name, s.Input, null, null),
            SubOrchestrationInstanceCompletedEvent c => (null, c.Result, c.TaskScheduledId, null),
            SubOrchestrationInstanceFailedEvent f => (null, f.FailureDetails?.ToString() ?? f.Reason, f.TaskScheduledId, null),
            TimerCreatedEvent t => (null, null, null, t.FireAt),
            TimerFiredEvent t => (null, null, t.TimerId, t.FireAt),
            EventRaisedEvent r => (r.Name, r.Input, null, null),
            EventSentEvent s => (s.Name, s.Input, null, null),
            _ => ((string?)null, (string?)null, (int?)null, (DateTime?)null),
        };
        var tags = e switch
        {
            ExecutionStartedEvent s => s.Tags,
            TaskScheduledEvent s => s.Tags,
            _ => null,
        };
        var context = tags is not null && tags.TryGetValue("traceparent", out var traceParent)
            ? Swarm.Domain.Telemetry.CommandTelemetry.ParseParent(traceParent)
            : default;
        var traced = context != default;
        return new InstanceHistoryEvent(
            e.EventId,
            Naming.Kebab(e.EventType),
            new DateTimeOffset(DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc)),
            name,
            Cut(data),
            scheduledId,
            fireAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null,
            traced ? context.TraceId.ToHexString() : null,
            traced ? context.SpanId.ToHexString() : null);
    }

    private static string? Cut(string? text) =>
        text is null || text.Length <= MaxDataLength ? text : string.Concat(text.AsSpan(0, MaxDataLength - 1), "…");

    /// <summary>Activities and sub-orchestrations scheduled and not completed, timers not fired; else an external event.</summary>
    private static IReadOnlyList<string> WaitingOn(IList<HistoryEvent> history)
    {
        var done = history.Select(e => e switch
        {
            TaskCompletedEvent c => c.TaskScheduledId,
            TaskFailedEvent f => f.TaskScheduledId,
            SubOrchestrationInstanceCompletedEvent c => c.TaskScheduledId,
            SubOrchestrationInstanceFailedEvent f => f.TaskScheduledId,
            TimerFiredEvent t => t.TimerId,
            _ => (int?)null,
        }).OfType<int>().ToHashSet();
        var waiting = history.Select(e => e switch
        {
            TaskScheduledEvent s when !done.Contains(s.EventId) => $"activity {s.Name}",
            SubOrchestrationInstanceCreatedEvent s when !done.Contains(s.EventId) => $"sub-orchestration {s.Name}",
            TimerCreatedEvent t when !done.Contains(t.EventId) => FormattableString.Invariant($"timer until {t.FireAt:O}"),
            _ => null,
        }).OfType<string>().ToList();
        return waiting.Count > 0 ? waiting : ["an external event"];
    }
}
