using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;

namespace Swarm.Domain.Tests;

/// <summary>Small builders for domain records in a chosen state.</summary>
internal static class Fixtures
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    public static readonly string[] Board = ["alice", "bob", "carol", "dave", "erin"];

    public static readonly GovernanceTimings Timings =
        new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));

    public static readonly ScrumTimings SprintTimings = new(TimeSpan.FromSeconds(4), TimeSpan.FromMinutes(5));

    public static WorkItem NewWork(
        string id = "w1",
        WorkType type = WorkType.Feature,
        WorkStatus status = WorkStatus.Claimed,
        int points = 5,
        WorkPriority priority = WorkPriority.High,
        string team = "alpha") => new()
        {
            Id = id,
            Type = type,
            Title = $"Item {id}",
            Priority = priority,
            Team = team,
            Points = points,
            Status = status,
            ClaimedAt = T0,
        };

    public static Motion NewMotion(
        MotionKind kind = MotionKind.WorkApproval,
        MotionState state = MotionState.Idle,
        IReadOnlyList<string>? board = null,
        string movedBy = "alice",
        bool fromCommittee = false) => new()
        {
            Id = "m1",
            Kind = kind,
            Title = "Approve feature Sprint 42",
            Team = "alpha",
            Board = board ?? Board,
            Timings = Timings,
            MovedBy = movedBy,
            FromCommittee = fromCommittee,
            State = state,
        };

    /// <summary>A motion put to a vote by an objection, ready for <see cref="Motion.CastVote"/>.</summary>
    public static Motion VotingMotion(MotionKind kind = MotionKind.WorkApproval, IReadOnlyList<string>? board = null) =>
        NewMotion(kind, board: board).Open(T0).SecondBy("bob").ObjectBy("carol");

    public static Sprint NewSprint(SprintState state = SprintState.Planning, int capacity = 10) => new()
    {
        Team = "alpha",
        Number = 42,
        Capacity = capacity,
        Timings = SprintTimings,
        State = state,
    };

    public static SprintItem Item(string id, int points = 3, WorkPriority priority = WorkPriority.Medium, WorkType type = WorkType.Task) =>
        new(id, $"Item {id}", type, priority, points, TraceParent: null);

    public static ItemOutcome Success(string id, int points = 3) =>
        new(id, points, WorkType.Task, CompletionStatus.Success, null, 60);

    public static ItemOutcome Failure(string id, int points = 3, string reason = "regression") =>
        new(id, points, WorkType.Task, CompletionStatus.Failed, reason, 60);

    public static LeanProject NewLean(LeanPhase phase = LeanPhase.Define) => new()
    {
        Id = "defect-sprint42",
        Team = "alpha",
        Charter = new Charter("Defect rate above 3 %", "at most 3 %", "scrum-agent", "scrum.defect_rate.exceeded"),
        Sprint = 42,
        Phase = phase,
        CreatedAt = T0,
    };
}
