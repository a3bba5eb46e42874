using Swarm.Domain.Scrum;
using static Swarm.Domain.Tests.Fixtures;

namespace Swarm.Domain.Tests;

public sealed class SprintTests
{
    private static readonly SprintItem[] Backlog = [Item("w1", 3), Item("w2", 5), Item("w3", 2)];

    [Fact]
    public void Start_moves_planning_to_executing_with_the_backlog_and_its_end_time()
    {
        var started = NewSprint().Start(Backlog, T0);

        Assert.Equal(SprintState.Executing, started.State);
        Assert.Equal(Backlog, started.Backlog);
        Assert.Equal(T0, started.StartedAt);
        Assert.Equal(T0 + SprintTimings.SprintLength, started.EndsAt);
        Assert.Empty(started.Outcomes);
    }

    [Fact]
    public void RecordOutcome_adds_the_outcome_of_a_planned_item()
    {
        var sprint = NewSprint().Start(Backlog, T0).RecordOutcome(Success("w1", 3));

        Assert.Equal([Success("w1", 3)], sprint.Outcomes);
        Assert.Equal(SprintState.Executing, sprint.State);
    }

    [Fact]
    public void RecordOutcome_ignores_a_redelivered_completion_and_keeps_the_first()
    {
        var once = NewSprint().Start(Backlog, T0).RecordOutcome(Success("w1", 3));

        var twice = once.RecordOutcome(Failure("w1", 3));

        Assert.Equal([Success("w1", 3)], twice.Outcomes);
    }

    [Fact]
    public void RecordOutcome_ignores_an_item_not_in_the_sprint()
    {
        var sprint = NewSprint().Start(Backlog, T0).RecordOutcome(Success("stranger", 8));

        Assert.Empty(sprint.Outcomes);
    }

    [Fact]
    public void AllItemsDone_once_every_backlog_item_has_an_outcome()
    {
        var sprint = NewSprint().Start(Backlog, T0).RecordOutcome(Success("w1")).RecordOutcome(Failure("w2"));
        Assert.False(sprint.AllItemsDone);

        Assert.True(sprint.RecordOutcome(Success("w3")).AllItemsDone);
    }

    [Fact]
    public void Escalate_records_the_blocker_against_the_item()
    {
        var sprint = NewSprint().Start(Backlog, T0).Escalate("w2", "waiting on API keys");

        Assert.Equal(SprintState.Executing, sprint.State);
        Assert.Equal(["w2: waiting on API keys"], sprint.Escalations);
    }

    [Fact]
    public void ReviewResults_computes_velocity_defect_rate_and_unfinished_items()
    {
        var reviewed = NewSprint().Start(Backlog, T0)
            .RecordOutcome(Success("w1", 3))
            .RecordOutcome(Failure("w2", 5))
            .ReviewResults();

        Assert.Equal(SprintState.Review, reviewed.State);
        Assert.NotNull(reviewed.Review);
        Assert.Equal(3, reviewed.Review.Velocity);
        Assert.Equal(2, reviewed.Review.Completed);
        Assert.Equal(1, reviewed.Review.Failed);
        Assert.Equal(0.5, reviewed.Review.DefectRate);
        Assert.Equal(0.03, reviewed.Review.Threshold);
        Assert.Equal(["w3"], reviewed.Review.Unfinished);
        Assert.True(reviewed.Review.ExceedsThreshold);
    }

    [Fact]
    public void ReviewResults_uses_the_sprints_own_threshold()
    {
        var reviewed = (NewSprint() with { DefectRateThreshold = 0.6 }).Start(Backlog, T0)
            .RecordOutcome(Success("w1", 3))
            .RecordOutcome(Failure("w2", 5))
            .ReviewResults();

        Assert.Equal(0.6, reviewed.Review!.Threshold);
        Assert.False(reviewed.Review.ExceedsThreshold);
    }

    [Fact]
    public void Retrospect_records_improvements_from_the_review()
    {
        var retro = NewSprint().Start(Backlog, T0)
            .RecordOutcome(Success("w1", 3))
            .RecordOutcome(Failure("w2", 5, "missing tests"))
            .Escalate("w3", "blocked")
            .ReviewResults()
            .Retrospect();

        Assert.Equal(SprintState.Retro, retro.State);
        Assert.Contains(retro.Improvements, i => i.Contains("Lean", StringComparison.Ordinal));
        Assert.Contains(retro.Improvements, i => i.Contains("'missing tests'", StringComparison.Ordinal));
        Assert.Contains(retro.Improvements, i => i.Contains("unfinished", StringComparison.Ordinal));
        Assert.Contains(retro.Improvements, i => i.Contains("escalated", StringComparison.Ordinal));
    }

    [Fact]
    public void Close_moves_retro_to_closed_and_stamps_it()
    {
        var closed = NewSprint().Start(Backlog, T0).ReviewResults().Retrospect().Close(T0.AddMinutes(5));

        Assert.Equal(SprintState.Closed, closed.State);
        Assert.Equal(T0.AddMinutes(5), closed.ClosedAt);
    }

    public static TheoryData<SprintState> AllStates() => [.. Enum.GetValues<SprintState>()];

    [Theory]
    [MemberData(nameof(AllStates))]
    public void Each_record_method_throws_IllegalTransition_outside_its_legal_state(SprintState state)
    {
        var sprint = NewSprint(state) with { Backlog = Backlog };

        AssertLegalOnlyIn(state, SprintState.Planning, "start", () => sprint.Start(Backlog, T0));
        AssertLegalOnlyIn(state, SprintState.Executing, "record", () => sprint.RecordOutcome(Success("w1")));
        AssertLegalOnlyIn(state, SprintState.Executing, "escalate", () => sprint.Escalate("w1", "blocked"));
        AssertLegalOnlyIn(state, SprintState.Executing, "review", () => sprint.ReviewResults());
        AssertLegalOnlyIn(state, SprintState.Review, "retro", () => sprint.Retrospect());
        AssertLegalOnlyIn(state, SprintState.Retro, "close", () => sprint.Close(T0));
    }

    [Fact]
    public void A_redelivered_or_unknown_outcome_is_still_illegal_after_the_sprint_left_executing()
    {
        var reviewed = NewSprint().Start(Backlog, T0).RecordOutcome(Success("w1")).ReviewResults();

        Assert.Throws<IllegalTransitionException>(() => reviewed.RecordOutcome(Success("w1")));
        Assert.Throws<IllegalTransitionException>(() => reviewed.RecordOutcome(Success("stranger")));
    }

    private static void AssertLegalOnlyIn(SprintState state, SprintState legal, string command, Func<Sprint> act)
    {
        if (state == legal)
        {
            Assert.NotNull(act());
            return;
        }

        var error = Assert.Throws<IllegalTransitionException>(act);
        Assert.Equal("sprint", error.Agent);
        Assert.Equal(Naming.Kebab(state), error.State);
        Assert.Equal(command, error.Command);
    }
}
