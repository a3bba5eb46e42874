namespace Swarm.Domain.Scrum;

/// <summary>A command raised into a work item's orchestration.</summary>
public sealed record WorkCommand(WorkCommandKind Kind, string EventId) : IAgentCommand
{
    public string? TraceParent { get; init; }
    public string? Decision { get; init; }
    public string? MotionId { get; init; }
    public int? Sprint { get; init; }
    public int? Percent { get; init; }
    public string? Blocker { get; init; }
    public CompletionStatus? Completion { get; init; }
    public string? Reason { get; init; }
}

[JsonConverter(typeof(KebabEnumConverter<TeamCommandKind>))]
public enum TeamCommandKind
{
    AddToBacklog,
    SprintClosed,
}

/// <summary>A command to a team's Scrum agent: a newly approved item, or the end of its running sprint.</summary>
public sealed record TeamCommand(TeamCommandKind Kind, string EventId) : IAgentCommand
{
    public string? TraceParent { get; init; }
    public SprintItem? Item { get; init; }
    public int? Sprint { get; init; }
    public IReadOnlyList<SprintItem> Unfinished { get; init; } = [];
}

[JsonConverter(typeof(KebabEnumConverter<SprintEventKind>))]
public enum SprintEventKind
{
    ItemCompleted,
    ItemBlocked,
}

/// <summary>What a sprint hears from its items while executing.</summary>
public sealed record SprintCommand(SprintEventKind Kind, string EventId, string WorkId) : IAgentCommand
{
    public string? TraceParent { get; init; }
    public ItemOutcome? Outcome { get; init; }
    public string? Blocker { get; init; }
}

/// <summary>The input of one work-item step activity.</summary>
public sealed record WorkStep(WorkItem Item, WorkCommand Command);

/// <summary>What a team's Scrum agent hands to <see cref="SwarmTasks.Activities.StartSprint"/>.</summary>
public sealed record SprintPlan(Sprint Sprint, IReadOnlyList<SprintItem> Items);

/// <summary>The input of one sprint step activity.</summary>
public sealed record SprintStep(Sprint Sprint, SprintCommandKind Kind, SprintCommand? Command = null);
