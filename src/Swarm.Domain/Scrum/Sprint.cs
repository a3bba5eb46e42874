namespace Swarm.Domain.Scrum;

[JsonConverter(typeof(KebabEnumConverter<SprintState>))]
public enum SprintState
{
    Planning,
    Executing,
    Review,
    Retro,
    Closed,
}

[JsonConverter(typeof(KebabEnumConverter<SprintCommandKind>))]
public enum SprintCommandKind
{
    Start,
    Record,
    Escalate,
    Review,
    Retro,
    Close,
}

/// <summary>Sprint cadence: seconds in demos, days in production.</summary>
public sealed record ScrumTimings(TimeSpan PlanningWindow, TimeSpan SprintLength)
{
    /// <summary>The cadence configured under <c>Swarm:Scrum</c>.</summary>
    public static ScrumTimings From(ScrumOptions options) => new(options.PlanningWindow, options.SprintLength);
}

/// <summary>
/// One backlog item as a sprint sees it. <see cref="TraceParent"/> and <see cref="TraceState"/> are the W3C context of
/// the span that approved it; a sprint continues the trace of its first item under that context, tracestate included,
/// so the trace's sampling marks (<c>swarm=keep</c>) reach the sprint's spans too.
/// </summary>
public sealed record SprintItem(string WorkId, string Title, WorkType Type, WorkPriority Priority, int Points, string? TraceParent, string? TraceState = null)
{
    public static SprintItem From(WorkItem item, string? traceParent, string? traceState = null) =>
        new(item.Id, item.Title, item.Type, item.Priority, item.Points, traceParent, traceState);
}

/// <summary>How a planned item ended: completed (success or failed), or left unfinished at the sprint's end.</summary>
public sealed record ItemOutcome(string WorkId, int Points, WorkType Type, CompletionStatus Status, string? FailureReason, double CycleTimeSeconds);

/// <summary>Velocity and quality of a reviewed sprint.</summary>
public sealed record SprintReview(int Velocity, int Completed, int Failed, double DefectRate, double Threshold, IReadOnlyList<string> Unfinished)
{
    public bool ExceedsThreshold => DefectRate > Threshold;
}

/// <summary>One team sprint: the Scrum state machine of docs/agents.md.</summary>
public sealed record Sprint
{
    public static readonly TransitionTable<SprintState, SprintCommandKind> Machine =
        new TransitionTable<SprintState, SprintCommandKind>("sprint")
            .Allow(SprintState.Planning, SprintCommandKind.Start, SprintState.Executing)
            .Allow(SprintState.Executing, SprintCommandKind.Record, SprintState.Executing)
            .Allow(SprintState.Executing, SprintCommandKind.Escalate, SprintState.Executing)
            .Allow(SprintState.Executing, SprintCommandKind.Review, SprintState.Review)
            .Allow(SprintState.Review, SprintCommandKind.Retro, SprintState.Retro)
            .Allow(SprintState.Retro, SprintCommandKind.Close, SprintState.Closed);

    public required string Team { get; init; }
    public required int Number { get; init; }
    public required int Capacity { get; init; }
    public required ScrumTimings Timings { get; init; }
    public double DefectRateThreshold { get; init; } = ScrumRules.DefaultDefectRateThreshold;
    public SprintState State { get; init; } = SprintState.Planning;
    public IReadOnlyList<SprintItem> Backlog { get; init; } = [];
    public IReadOnlyList<ItemOutcome> Outcomes { get; init; } = [];
    public IReadOnlyList<string> Escalations { get; init; } = [];
    public SprintReview? Review { get; init; }
    public IReadOnlyList<string> Improvements { get; init; } = [];
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndsAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }

    [JsonIgnore]
    public bool AllItemsDone => Backlog.All(i => Outcomes.Any(o => o.WorkId == i.WorkId));

    public Sprint Start(IReadOnlyList<SprintItem> backlog, DateTimeOffset at) => this with
    {
        State = Next(SprintCommandKind.Start),
        Backlog = backlog,
        StartedAt = at,
        EndsAt = at + Timings.SprintLength,
    };

    /// <summary>Records a completed item once; a redelivered completion changes nothing.</summary>
    public Sprint RecordOutcome(ItemOutcome outcome)
    {
        var state = Next(SprintCommandKind.Record);
        if (Backlog.All(i => i.WorkId != outcome.WorkId) || Outcomes.Any(o => o.WorkId == outcome.WorkId))
        {
            return this;
        }

        return this with { State = state, Outcomes = [.. Outcomes, outcome] };
    }

    public Sprint Escalate(string workId, string blocker) =>
        this with { State = Next(SprintCommandKind.Escalate), Escalations = [.. Escalations, $"{workId}: {blocker}"] };

    public Sprint ReviewResults()
    {
        var state = Next(SprintCommandKind.Review);
        return this with { State = state, Review = ScrumRules.Review(Backlog, Outcomes, DefectRateThreshold) };
    }

    public Sprint Retrospect()
    {
        var state = Next(SprintCommandKind.Retro);
        return this with { State = state, Improvements = ScrumRules.Improvements(this) };
    }

    public Sprint Close(DateTimeOffset at) => this with { State = Next(SprintCommandKind.Close), ClosedAt = at };

    private SprintState Next(SprintCommandKind command) => Machine.Fire(State, command);
}
