namespace Swarm.Domain.Scrum;

[JsonConverter(typeof(KebabEnumConverter<WorkType>))]
public enum WorkType
{
    Bug,
    Feature,
    Task,
    Epic,
}

[JsonConverter(typeof(KebabEnumConverter<WorkPriority>))]
public enum WorkPriority
{
    Low,
    Medium,
    High,
    Critical,
}

[JsonConverter(typeof(KebabEnumConverter<WorkStatus>))]
public enum WorkStatus
{
    Claimed,
    Approved,
    Rejected,
    Planned,
    InProgress,
    Completed,
}

[JsonConverter(typeof(KebabEnumConverter<CompletionStatus>))]
public enum CompletionStatus
{
    Success,
    Failed,
}

/// <summary>Commands a work item accepts; each is one guarded transition.</summary>
[JsonConverter(typeof(KebabEnumConverter<WorkCommandKind>))]
public enum WorkCommandKind
{
    Approve,
    Reject,
    Plan,
    Progress,
    Complete,
}

/// <summary>One step of a work item's life as its Scrum agent applied it, with the trace of the command that caused it.</summary>
/// <param name="At">When it was applied (UTC).</param>
/// <param name="Command">The command in kebab case: <c>claim</c>, <c>approve</c>, <c>reject</c>, <c>plan</c>, <c>progress</c>, <c>complete</c>.</param>
/// <param name="From">The status before, in kebab case (<c>none</c> for the claim).</param>
/// <param name="To">The status after.</param>
/// <param name="TraceId">The W3C trace id (32 hex digits) of the command's span; null when it was not traced.</param>
/// <param name="SpanId">The command span's id (16 hex digits); null when it was not traced.</param>
public sealed record WorkTransition(DateTimeOffset At, string Command, string From, string To, string? TraceId, string? SpanId)
{
    /// <summary>The <see cref="Command"/> of an item's first transition, its claim.</summary>
    public const string ClaimCommand = "claim";

    /// <summary>The transition caused by <paramref name="command"/>, traced by <paramref name="traceParent"/> (a W3C <c>traceparent</c>, or null).</summary>
    public static WorkTransition Of(DateTimeOffset at, string command, string from, string to, string? traceParent)
    {
        var context = Telemetry.CommandTelemetry.ParseParent(traceParent);
        var traced = context != default;
        return new(at, command, from, to, traced ? context.TraceId.ToHexString() : null, traced ? context.SpanId.ToHexString() : null);
    }
}

/// <summary>A piece of work as the swarm tracks it: the state machine of docs/agents.md "Work items".</summary>
public sealed record WorkItem
{
    /// <summary>
    /// Transitions kept per item: the claim and the latest 23 (a work item's custom status must stay small — the
    /// Azure Storage provider's limit is about 32 K characters, docs/durable-backend.md — and progress can be reported
    /// without end).
    /// </summary>
    public const int MaxTransitions = 24;

    public static readonly TransitionTable<WorkStatus, WorkCommandKind> Machine =
        new TransitionTable<WorkStatus, WorkCommandKind>("work item")
            .Allow(WorkStatus.Claimed, WorkCommandKind.Approve, WorkStatus.Approved)
            .Allow(WorkStatus.Claimed, WorkCommandKind.Reject, WorkStatus.Rejected)
            .Allow(WorkStatus.Approved, WorkCommandKind.Plan, WorkStatus.Planned)
            // An unfinished item carried into the next sprint is planned again without losing its progress.
            .Allow(WorkStatus.Planned, WorkCommandKind.Plan, WorkStatus.Planned)
            .Allow(WorkStatus.InProgress, WorkCommandKind.Plan, WorkStatus.InProgress)
            .Allow(WorkStatus.Planned, WorkCommandKind.Progress, WorkStatus.InProgress)
            .Allow(WorkStatus.InProgress, WorkCommandKind.Progress, WorkStatus.InProgress)
            .Allow(WorkStatus.InProgress, WorkCommandKind.Complete, WorkStatus.Completed);

    public required string Id { get; init; }
    public required WorkType Type { get; init; }
    public required string Title { get; init; }
    public required WorkPriority Priority { get; init; }
    public required string Team { get; init; }
    public int Points { get; init; } = 1;
    public WorkStatus Status { get; init; } = WorkStatus.Claimed;
    public CompletionStatus? Completion { get; init; }
    public int Progress { get; init; }
    public string? Blocker { get; init; }
    public string? FailureReason { get; init; }
    public string? Decision { get; init; }
    public string? MotionId { get; init; }
    public int? Sprint { get; init; }
    public DateTimeOffset ClaimedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public string? IdempotencyKey { get; init; }

    /// <summary>The item's life, oldest first: at most <see cref="MaxTransitions"/> (the claim and the latest ones).</summary>
    public IReadOnlyList<WorkTransition> Transitions { get; init; } = [];

    /// <summary>This item with <paramref name="transition"/> appended, the oldest after the claim dropped beyond <see cref="MaxTransitions"/>.</summary>
    public WorkItem Record(WorkTransition transition)
    {
        var transitions = Transitions.Append(transition).ToList();
        if (transitions.Count > MaxTransitions)
        {
            transitions.RemoveRange(1, transitions.Count - MaxTransitions);
        }

        return this with { Transitions = transitions };
    }

    /// <summary>
    /// The item a step returned, with this item's transitions followed by the ones the step recorded. A work item's
    /// orchestration hands its steps the item without its transitions (<see cref="WithoutTransitions"/>), so that the
    /// list — up to <see cref="MaxTransitions"/> entries, with a trace and span id each when traced — is not copied into
    /// every step's input and result in the orchestration's history, which the Durable Task worker receives whole at every
    /// episode. A result recorded by an earlier version of the orchestration carries the whole list (it starts with the
    /// claim) and is taken as it is.
    /// </summary>
    public WorkItem Continue(WorkItem step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (step.Transitions.Count > 0 && step.Transitions[0].Command == WorkTransition.ClaimCommand)
        {
            return step;
        }

        var next = step with { Transitions = Transitions };
        foreach (var transition in step.Transitions)
        {
            next = next.Record(transition);
        }

        return next;
    }

    /// <summary>This item with no transitions: what a step needs of it (see <see cref="Continue"/>).</summary>
    [JsonIgnore]
    public WorkItem WithoutTransitions => Transitions.Count == 0 ? this : this with { Transitions = [] };

    /// <summary>Features and epics need a Roberts motion; bugs and tasks go straight to the team's backlog.</summary>
    [JsonIgnore]
    public bool NeedsGovernance => Type is WorkType.Feature or WorkType.Epic;

    [JsonIgnore]
    public bool IsFinal => Status is WorkStatus.Completed or WorkStatus.Rejected;

    public WorkItem Approve(string decision, string? motionId) =>
        this with { Status = Next(WorkCommandKind.Approve), Decision = decision, MotionId = motionId ?? MotionId };

    public WorkItem Reject(string decision, string? motionId) =>
        this with { Status = Next(WorkCommandKind.Reject), Decision = decision, MotionId = motionId ?? MotionId };

    public WorkItem PlanInto(int sprint) => this with { Status = Next(WorkCommandKind.Plan), Sprint = sprint };

    /// <summary>
    /// Checks a progress report's <paramref name="percent"/>: a whole number from 0 to 100, else
    /// <see cref="InvalidInputException"/> naming <c>percent</c>. Commands check it before they look the item up, so bad
    /// input is a 400 whether or not the item exists.
    /// </summary>
    public static void RequirePercent(int percent)
    {
        if (percent is < 0 or > 100)
        {
            throw new InvalidInputException("percent", $"percent must be between 0 and 100, not {percent}.");
        }
    }

    public WorkItem ReportProgress(int percent, string? blocker, DateTimeOffset at)
    {
        RequirePercent(percent);
        return this with
        {
            Status = Next(WorkCommandKind.Progress),
            Progress = Math.Max(Progress, percent),
            Blocker = string.IsNullOrWhiteSpace(blocker) ? null : blocker.Trim(),
            StartedAt = StartedAt ?? at,
        };
    }

    public WorkItem Complete(CompletionStatus status, string? reason, DateTimeOffset at) => this with
    {
        Status = Next(WorkCommandKind.Complete),
        Completion = status,
        Progress = status == CompletionStatus.Success ? 100 : Progress,
        FailureReason = status == CompletionStatus.Failed ? (string.IsNullOrWhiteSpace(reason) ? "unspecified" : reason.Trim()) : null,
        Blocker = null,
        CompletedAt = at,
    };

    private WorkStatus Next(WorkCommandKind command) => Machine.Fire(Status, command);
}
