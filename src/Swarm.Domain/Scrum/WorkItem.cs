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

/// <summary>A piece of work as the swarm tracks it: the state machine of docs/agents.md "Work items".</summary>
public sealed record WorkItem
{
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

    public WorkItem ReportProgress(int percent, string? blocker, DateTimeOffset at)
    {
        if (percent is < 0 or > 100)
        {
            throw new InvalidInputException("percent", $"percent must be between 0 and 100, not {percent}.");
        }

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
