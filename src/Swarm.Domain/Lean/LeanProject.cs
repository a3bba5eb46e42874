namespace Swarm.Domain.Lean;

[JsonConverter(typeof(KebabEnumConverter<LeanPhase>))]
public enum LeanPhase
{
    Define,
    Measure,
    Analyze,
    Improve,
    Control,
    Closed,
}

[JsonConverter(typeof(KebabEnumConverter<LeanCommandKind>))]
public enum LeanCommandKind
{
    Measure,
    Analyze,
    Improve,
    Control,
    Close,

    /// <summary>
    /// Not a step of its own: the outcome of define or control when another project of the team opened first and is
    /// still open (one improvement at a time per team, docs/agents.md) — the project closes without a proposal.
    /// </summary>
    Merge,
}

public sealed record Charter(string Problem, string Target, string Sponsor, string Trigger);

public sealed record Measurement(int Completed, int Failed, double DefectRate, double MeanCycleTimeSeconds, int ItemsInHistory);

/// <summary>
/// One cause of failure found in the analyze phase: how many failed items gave it (<see cref="Count"/>), their share of
/// all failures (0–1), and up to <see cref="MaxWorkIds"/> of their work ids in order, as examples. The ids are capped
/// so the project's state stays within the Azure Storage provider's custom-status limit (about 32 K characters)
/// however many items it measures (docs/durable-backend.md).
/// </summary>
public sealed record RootCause(string Cause, int Count, double Share, IReadOnlyList<string> WorkIds)
{
    /// <summary>The most work ids a root cause lists: 20.</summary>
    public const int MaxWorkIds = 20;
}

public sealed record Proposal(string Title, string Change, string ExpectedEffect);

/// <summary>A DMAIC improvement project: the Lean state machine of docs/agents.md.</summary>
public sealed record LeanProject
{
    public static readonly TransitionTable<LeanPhase, LeanCommandKind> Machine =
        new TransitionTable<LeanPhase, LeanCommandKind>("lean project")
            .Allow(LeanPhase.Define, LeanCommandKind.Measure, LeanPhase.Measure)
            .Allow(LeanPhase.Measure, LeanCommandKind.Analyze, LeanPhase.Analyze)
            .Allow(LeanPhase.Analyze, LeanCommandKind.Improve, LeanPhase.Improve)
            .Allow(LeanPhase.Improve, LeanCommandKind.Control, LeanPhase.Control)
            .Allow(LeanPhase.Control, LeanCommandKind.Close, LeanPhase.Closed)
            .Allow(LeanPhase.Define, LeanCommandKind.Merge, LeanPhase.Closed)
            .Allow(LeanPhase.Improve, LeanCommandKind.Merge, LeanPhase.Closed);

    public required string Id { get; init; }
    public required string Team { get; init; }
    public required Charter Charter { get; init; }
    public int? Sprint { get; init; }
    public string? AlertId { get; init; }

    /// <summary>The completions its trigger reported (a sprint review's outcomes), applied to the history it measures (<see cref="ReportedCompletion.Apply"/>); empty for an alert's project.</summary>
    public IReadOnlyList<ReportedCompletion> ReportedCompletions { get; init; } = [];
    public double Threshold { get; init; } = ScrumOptions.DefaultDefectRateThreshold;
    public LeanPhase Phase { get; init; } = LeanPhase.Define;
    public Measurement? Measurement { get; init; }
    public IReadOnlyList<RootCause> RootCauses { get; init; } = [];
    public Proposal? Proposal { get; init; }
    public string? MotionId { get; init; }
    public string? Outcome { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>
    /// The id of the team's project this one merged into (e.g. <c>defect-sprint3</c>), when it closed because that one
    /// opened first and was still open; such a project proposed nothing and is no improvement of its own.
    /// </summary>
    public string? MergedInto { get; init; }

    public LeanProject Measured(Measurement measurement) =>
        this with { Phase = Next(LeanCommandKind.Measure), Measurement = measurement };

    public LeanProject Analyzed(IReadOnlyList<RootCause> causes) =>
        this with { Phase = Next(LeanCommandKind.Analyze), RootCauses = causes };

    public LeanProject Improved(Proposal proposal) =>
        this with { Phase = Next(LeanCommandKind.Improve), Proposal = proposal };

    public LeanProject Controlled(string motionId) =>
        this with { Phase = Next(LeanCommandKind.Control), MotionId = motionId };

    public LeanProject Closed(string outcome, DateTimeOffset at) =>
        this with { Phase = Next(LeanCommandKind.Close), Outcome = outcome, ClosedAt = at };

    /// <summary>
    /// Closes a project in define or improve (before its proposal) into <paramref name="first"/>, the team's project that
    /// opened before it; <see cref="IllegalTransitionException"/> in any other phase.
    /// </summary>
    public LeanProject Merged(string first, DateTimeOffset at) =>
        this with
        {
            Phase = Next(LeanCommandKind.Merge),
            MergedInto = first,
            Outcome = $"merged into Lean project {first} of team {Team}, opened first on the same defect rate: one improvement at a time per team",
            ClosedAt = at,
        };

    private LeanPhase Next(LeanCommandKind command) => Machine.Fire(Phase, command);
}
