using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;

namespace Swarm.Domain.Tests;

/// <summary>
/// Every (state, command) pair of every agent: the legal ones (written out here from docs/agents.md, not read back
/// from the table) lead to their target; every other pair is an <see cref="IllegalTransitionException"/>.
/// </summary>
public sealed class TransitionTableTests
{
    private static readonly Dictionary<(WorkStatus, WorkCommandKind), WorkStatus> WorkEdges = new()
    {
        [(WorkStatus.Claimed, WorkCommandKind.Approve)] = WorkStatus.Approved,
        [(WorkStatus.Claimed, WorkCommandKind.Reject)] = WorkStatus.Rejected,
        [(WorkStatus.Approved, WorkCommandKind.Plan)] = WorkStatus.Planned,
        // Unfinished items carried into the next sprint are planned again and keep their state.
        [(WorkStatus.Planned, WorkCommandKind.Plan)] = WorkStatus.Planned,
        [(WorkStatus.InProgress, WorkCommandKind.Plan)] = WorkStatus.InProgress,
        [(WorkStatus.Planned, WorkCommandKind.Progress)] = WorkStatus.InProgress,
        [(WorkStatus.InProgress, WorkCommandKind.Progress)] = WorkStatus.InProgress,
        [(WorkStatus.InProgress, WorkCommandKind.Complete)] = WorkStatus.Completed,
    };

    private static readonly Dictionary<(MotionState, MotionCommandKind), MotionState> MotionEdges = new()
    {
        [(MotionState.Idle, MotionCommandKind.Open)] = MotionState.MotionOpen,
        [(MotionState.MotionOpen, MotionCommandKind.Second)] = MotionState.Seconded,
        [(MotionState.MotionOpen, MotionCommandKind.Lapse)] = MotionState.Closed,
        [(MotionState.Seconded, MotionCommandKind.Consent)] = MotionState.Closed,
        [(MotionState.Seconded, MotionCommandKind.Object)] = MotionState.Voting,
        [(MotionState.Seconded, MotionCommandKind.CallVote)] = MotionState.Voting,
        [(MotionState.Voting, MotionCommandKind.Vote)] = MotionState.Voting,
        [(MotionState.Voting, MotionCommandKind.Close)] = MotionState.Closed,
        [(MotionState.MotionOpen, MotionCommandKind.Withdraw)] = MotionState.Closed,
        [(MotionState.Seconded, MotionCommandKind.Withdraw)] = MotionState.Closed,
    };

    private static readonly Dictionary<(SprintState, SprintCommandKind), SprintState> SprintEdges = new()
    {
        [(SprintState.Planning, SprintCommandKind.Start)] = SprintState.Executing,
        [(SprintState.Executing, SprintCommandKind.Record)] = SprintState.Executing,
        [(SprintState.Executing, SprintCommandKind.Escalate)] = SprintState.Executing,
        [(SprintState.Executing, SprintCommandKind.Review)] = SprintState.Review,
        [(SprintState.Review, SprintCommandKind.Retro)] = SprintState.Retro,
        [(SprintState.Retro, SprintCommandKind.Close)] = SprintState.Closed,
    };

    private static readonly Dictionary<(LeanPhase, LeanCommandKind), LeanPhase> LeanEdges = new()
    {
        [(LeanPhase.Define, LeanCommandKind.Measure)] = LeanPhase.Measure,
        [(LeanPhase.Measure, LeanCommandKind.Analyze)] = LeanPhase.Analyze,
        [(LeanPhase.Analyze, LeanCommandKind.Improve)] = LeanPhase.Improve,
        [(LeanPhase.Improve, LeanCommandKind.Control)] = LeanPhase.Control,
        [(LeanPhase.Control, LeanCommandKind.Close)] = LeanPhase.Closed,
        // Another project of the team opened first and is still open: checked at define and before the proposal.
        [(LeanPhase.Define, LeanCommandKind.Merge)] = LeanPhase.Closed,
        [(LeanPhase.Improve, LeanCommandKind.Merge)] = LeanPhase.Closed,
    };

    public static TheoryData<WorkStatus, WorkCommandKind> WorkPairs() => AllPairs<WorkStatus, WorkCommandKind>();

    public static TheoryData<MotionState, MotionCommandKind> MotionPairs() => AllPairs<MotionState, MotionCommandKind>();

    public static TheoryData<SprintState, SprintCommandKind> SprintPairs() => AllPairs<SprintState, SprintCommandKind>();

    public static TheoryData<LeanPhase, LeanCommandKind> LeanPairs() => AllPairs<LeanPhase, LeanCommandKind>();

    [Theory]
    [MemberData(nameof(WorkPairs))]
    public void Work_item_command_leads_to_its_target_or_is_illegal(WorkStatus state, WorkCommandKind command) =>
        AssertPair(WorkItem.Machine, WorkEdges, "work item", state, command);

    [Theory]
    [MemberData(nameof(MotionPairs))]
    public void Motion_command_leads_to_its_target_or_is_illegal(MotionState state, MotionCommandKind command) =>
        AssertPair(Motion.Machine, MotionEdges, "motion", state, command);

    [Theory]
    [MemberData(nameof(SprintPairs))]
    public void Sprint_command_leads_to_its_target_or_is_illegal(SprintState state, SprintCommandKind command) =>
        AssertPair(Sprint.Machine, SprintEdges, "sprint", state, command);

    [Theory]
    [MemberData(nameof(LeanPairs))]
    public void Lean_command_leads_to_its_target_or_is_illegal(LeanPhase state, LeanCommandKind command) =>
        AssertPair(LeanProject.Machine, LeanEdges, "lean project", state, command);

    [Fact]
    public void Work_item_table_has_exactly_the_documented_edges() => AssertEdges(WorkItem.Machine, WorkEdges);

    [Fact]
    public void Motion_table_has_exactly_the_documented_edges() => AssertEdges(Motion.Machine, MotionEdges);

    [Fact]
    public void Sprint_table_has_exactly_the_documented_edges() => AssertEdges(Sprint.Machine, SprintEdges);

    [Fact]
    public void Lean_table_has_exactly_the_documented_edges() => AssertEdges(LeanProject.Machine, LeanEdges);

    [Fact]
    public void Final_states_accept_no_command()
    {
        Assert.All(Enum.GetValues<WorkCommandKind>(), c => Assert.False(WorkItem.Machine.CanFire(WorkStatus.Completed, c)));
        Assert.All(Enum.GetValues<WorkCommandKind>(), c => Assert.False(WorkItem.Machine.CanFire(WorkStatus.Rejected, c)));
        Assert.All(Enum.GetValues<MotionCommandKind>(), c => Assert.False(Motion.Machine.CanFire(MotionState.Closed, c)));
        Assert.All(Enum.GetValues<SprintCommandKind>(), c => Assert.False(Sprint.Machine.CanFire(SprintState.Closed, c)));
        Assert.All(Enum.GetValues<LeanCommandKind>(), c => Assert.False(LeanProject.Machine.CanFire(LeanPhase.Closed, c)));
    }

    [Fact]
    public void Illegal_transition_message_names_agent_state_and_command_in_kebab_case()
    {
        var error = Assert.Throws<IllegalTransitionException>(() => WorkItem.Machine.Fire(WorkStatus.InProgress, WorkCommandKind.Approve));

        Assert.Equal("work item", error.Agent);
        Assert.Equal("in-progress", error.State);
        Assert.Equal("approve", error.Command);
        Assert.Equal("illegal-transition", error.Code);
        Assert.Equal("work item cannot 'approve' while in-progress.", error.Message);
    }

    [Fact]
    public void A_table_rejects_a_duplicate_edge()
    {
        var table = new TransitionTable<SprintState, SprintCommandKind>("test")
            .Allow(SprintState.Planning, SprintCommandKind.Start, SprintState.Executing);

        Assert.ThrowsAny<ArgumentException>(() => table.Allow(SprintState.Planning, SprintCommandKind.Start, SprintState.Closed));
        Assert.Equal(SprintState.Executing, table.Fire(SprintState.Planning, SprintCommandKind.Start));
    }

    private static TheoryData<TState, TCommand> AllPairs<TState, TCommand>()
        where TState : struct, Enum
        where TCommand : struct, Enum
    {
        var data = new TheoryData<TState, TCommand>();
        foreach (var state in Enum.GetValues<TState>())
        {
            foreach (var command in Enum.GetValues<TCommand>())
            {
                data.Add(state, command);
            }
        }

        return data;
    }

    private static void AssertPair<TState, TCommand>(
        TransitionTable<TState, TCommand> machine,
        Dictionary<(TState, TCommand), TState> expected,
        string agent,
        TState state,
        TCommand command)
        where TState : struct, Enum
        where TCommand : struct, Enum
    {
        Assert.Equal(agent, machine.Agent);
        if (expected.TryGetValue((state, command), out var target))
        {
            Assert.True(machine.CanFire(state, command));
            Assert.Equal(target, machine.Fire(state, command));
            return;
        }

        Assert.False(machine.CanFire(state, command));
        var error = Assert.Throws<IllegalTransitionException>(() => machine.Fire(state, command));
        Assert.Equal(agent, error.Agent);
        Assert.Equal(Naming.Kebab(state), error.State);
        Assert.Equal(Naming.Kebab(command), error.Command);
        Assert.Contains(agent, error.Message, StringComparison.Ordinal);
        Assert.Contains(Naming.Kebab(state), error.Message, StringComparison.Ordinal);
        Assert.Contains(Naming.Kebab(command), error.Message, StringComparison.Ordinal);
    }

    private static void AssertEdges<TState, TCommand>(
        TransitionTable<TState, TCommand> machine,
        Dictionary<(TState, TCommand), TState> expected)
        where TState : struct, Enum
        where TCommand : struct, Enum
    {
        var actual = machine.Edges.ToDictionary(e => (e.From, e.Command), e => e.To);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (key, to) in expected)
        {
            Assert.True(actual.TryGetValue(key, out var actualTo), $"missing edge {key}");
            Assert.Equal(to, actualTo);
        }
    }
}
