using Swarm.Domain.Scrum;
using static Swarm.Domain.Tests.Fixtures;

namespace Swarm.Domain.Tests;

public sealed class WorkItemTests
{
    [Fact]
    public void Transitions_keep_the_claim_and_the_latest_ones_within_the_cap()
    {
        var at = DateTimeOffset.Parse("2026-11-30T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var item = NewWork().Record(WorkTransition.Of(at, "claim", "none", "claimed", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        for (var i = 1; i <= 40; i++)
        {
            item = item.Record(WorkTransition.Of(at.AddMinutes(i), "progress", "in-progress", "in-progress", null));
        }

        Assert.Equal(WorkItem.MaxTransitions, item.Transitions.Count);
        var claim = item.Transitions[0];
        Assert.Equal(("claim", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"), (claim.Command, claim.TraceId, claim.SpanId));
        Assert.Equal(at.AddMinutes(40), item.Transitions[^1].At);
        Assert.Equal(at.AddMinutes(40 - WorkItem.MaxTransitions + 2), item.Transitions[1].At);
        Assert.All(item.Transitions.Skip(1), t => Assert.Null(t.TraceId));
    }

    [Fact]
    public void A_step_given_the_item_without_transitions_records_its_own_and_the_orchestration_appends_them_within_the_cap()
    {
        var at = DateTimeOffset.Parse("2026-11-30T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var item = (NewWork() with { Status = WorkStatus.InProgress, Sprint = 1 }).Record(WorkTransition.Of(at, "claim", "none", "claimed", null));
        for (var i = 1; i < WorkItem.MaxTransitions; i++)
        {
            item = item.Record(WorkTransition.Of(at.AddMinutes(i), "progress", "in-progress", "in-progress", null));
        }

        var input = item.WithoutTransitions;
        Assert.Empty(input.Transitions);
        var step = input.ReportProgress(60, null, at.AddHours(1)).Record(WorkTransition.Of(at.AddHours(1), "progress", "in-progress", "in-progress", null));

        var next = item.Continue(step);

        Assert.Equal(60, next.Progress);
        Assert.Equal(WorkItem.MaxTransitions, next.Transitions.Count);
        Assert.Equal("claim", next.Transitions[0].Command);
        Assert.Equal(at.AddMinutes(2), next.Transitions[1].At);
        Assert.Equal(at.AddHours(1), next.Transitions[^1].At);
    }

    [Fact]
    public void A_step_result_recorded_with_the_whole_list_by_an_earlier_version_is_taken_as_it_is()
    {
        var at = DateTimeOffset.Parse("2026-11-30T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var item = NewWork().Record(WorkTransition.Of(at, "claim", "none", "claimed", null));
        var recorded = item.Approve("bugs go straight to the team's backlog", null).Record(WorkTransition.Of(at.AddMinutes(1), "approve", "claimed", "approved", null));

        var next = item.Continue(recorded);

        Assert.Equal(["claim", "approve"], next.Transitions.Select(t => t.Command));
        Assert.Equal(WorkStatus.Approved, next.Status);
    }

    [Fact]
    public void A_transition_without_a_valid_traceparent_has_no_trace()
    {
        var transition = WorkTransition.Of(DateTimeOffset.UnixEpoch, "plan", "approved", "planned", "not-a-traceparent");

        Assert.Equal((null, null), (transition.TraceId, transition.SpanId));
    }

    [Fact]
    public void Approve_moves_a_claimed_item_to_approved_and_records_decision_and_motion()
    {
        var approved = NewWork().Approve("adopted: 3 yes, 1 no", "m1");

        Assert.Equal(WorkStatus.Approved, approved.Status);
        Assert.Equal("adopted: 3 yes, 1 no", approved.Decision);
        Assert.Equal("m1", approved.MotionId);
        Assert.False(approved.IsFinal);
    }

    [Fact]
    public void Approve_without_a_motion_keeps_the_motion_already_recorded()
    {
        var approved = (NewWork() with { MotionId = "m0" }).Approve("bugs go straight to the team's backlog", null);

        Assert.Equal("m0", approved.MotionId);
    }

    [Fact]
    public void Reject_moves_a_claimed_item_to_rejected_which_is_final()
    {
        var rejected = NewWork().Reject("rejected: 1 yes, 3 no", "m1");

        Assert.Equal(WorkStatus.Rejected, rejected.Status);
        Assert.Equal("rejected: 1 yes, 3 no", rejected.Decision);
        Assert.Equal("m1", rejected.MotionId);
        Assert.True(rejected.IsFinal);
    }

    [Fact]
    public void PlanInto_moves_an_approved_item_into_the_sprint()
    {
        var planned = NewWork(status: WorkStatus.Approved).PlanInto(42);

        Assert.Equal(WorkStatus.Planned, planned.Status);
        Assert.Equal(42, planned.Sprint);
    }

    [Fact]
    public void PlanInto_carries_an_unfinished_item_into_the_next_sprint_keeping_its_progress()
    {
        var started = NewWork(status: WorkStatus.Approved).PlanInto(42).ReportProgress(60, null, T0);

        var carried = started.PlanInto(43);

        Assert.Equal(WorkStatus.InProgress, carried.Status);
        Assert.Equal(43, carried.Sprint);
        Assert.Equal(60, carried.Progress);
        Assert.Equal(T0, carried.StartedAt);
    }

    [Fact]
    public void ReportProgress_starts_a_planned_item_and_stamps_its_start()
    {
        var started = NewWork(status: WorkStatus.Planned).ReportProgress(40, null, T0.AddMinutes(5));

        Assert.Equal(WorkStatus.InProgress, started.Status);
        Assert.Equal(40, started.Progress);
        Assert.Equal(T0.AddMinutes(5), started.StartedAt);
        Assert.Null(started.Blocker);
    }

    [Fact]
    public void ReportProgress_never_lowers_progress_and_keeps_the_first_start()
    {
        var item = NewWork(status: WorkStatus.Planned)
            .ReportProgress(70, null, T0.AddMinutes(1))
            .ReportProgress(30, null, T0.AddMinutes(2));

        Assert.Equal(70, item.Progress);
        Assert.Equal(T0.AddMinutes(1), item.StartedAt);
    }

    [Fact]
    public void ReportProgress_records_a_trimmed_blocker_and_clears_it_when_blank()
    {
        var blocked = NewWork(status: WorkStatus.Planned).ReportProgress(10, "  waiting on API keys ", T0);
        Assert.Equal("waiting on API keys", blocked.Blocker);

        var unblocked = blocked.ReportProgress(20, "   ", T0);
        Assert.Null(unblocked.Blocker);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void ReportProgress_rejects_a_percent_outside_0_to_100(int percent)
    {
        var error = Assert.Throws<InvalidInputException>(() => NewWork(status: WorkStatus.Planned).ReportProgress(percent, null, T0));

        Assert.Equal("percent", error.Field);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void ReportProgress_accepts_the_bounds_0_and_100(int percent)
    {
        var item = NewWork(status: WorkStatus.Planned).ReportProgress(percent, null, T0);

        Assert.Equal(percent, item.Progress);
    }

    [Fact]
    public void Complete_with_success_sets_full_progress_and_clears_blocker()
    {
        var done = NewWork(status: WorkStatus.Planned)
            .ReportProgress(50, "flaky env", T0)
            .Complete(CompletionStatus.Success, "ignored reason", T0.AddHours(1));

        Assert.Equal(WorkStatus.Completed, done.Status);
        Assert.Equal(CompletionStatus.Success, done.Completion);
        Assert.Equal(100, done.Progress);
        Assert.Null(done.FailureReason);
        Assert.Null(done.Blocker);
        Assert.Equal(T0.AddHours(1), done.CompletedAt);
        Assert.True(done.IsFinal);
    }

    [Fact]
    public void Complete_with_failure_keeps_progress_and_records_the_trimmed_reason()
    {
        var failed = NewWork(status: WorkStatus.Planned)
            .ReportProgress(50, null, T0)
            .Complete(CompletionStatus.Failed, "  missing tests ", T0.AddHours(1));

        Assert.Equal(CompletionStatus.Failed, failed.Completion);
        Assert.Equal(50, failed.Progress);
        Assert.Equal("missing tests", failed.FailureReason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    public void Complete_with_failure_and_no_reason_records_unspecified(string? reason)
    {
        var failed = NewWork(status: WorkStatus.InProgress).Complete(CompletionStatus.Failed, reason, T0);

        Assert.Equal("unspecified", failed.FailureReason);
    }

    [Theory]
    [InlineData(WorkType.Feature, true)]
    [InlineData(WorkType.Epic, true)]
    [InlineData(WorkType.Bug, false)]
    [InlineData(WorkType.Task, false)]
    public void Only_features_and_epics_need_governance(WorkType type, bool needsGovernance) =>
        Assert.Equal(needsGovernance, NewWork(type: type).NeedsGovernance);

    [Fact]
    public void Commands_do_not_mutate_the_original_record()
    {
        var claimed = NewWork();

        _ = claimed.Approve("ok", "m1");

        Assert.Equal(WorkStatus.Claimed, claimed.Status);
        Assert.Null(claimed.Decision);
    }

    public static TheoryData<WorkStatus> AllStatuses() => [.. Enum.GetValues<WorkStatus>()];

    [Theory]
    [MemberData(nameof(AllStatuses))]
    public void Each_record_method_throws_IllegalTransition_outside_its_legal_states(WorkStatus status)
    {
        var item = NewWork(status: status);

        AssertLegalOnlyIn(status, [WorkStatus.Claimed], "approve", () => item.Approve("ok", null));
        AssertLegalOnlyIn(status, [WorkStatus.Claimed], "reject", () => item.Reject("no", null));
        AssertLegalOnlyIn(status, [WorkStatus.Approved, WorkStatus.Planned, WorkStatus.InProgress], "plan", () => item.PlanInto(1));
        AssertLegalOnlyIn(status, [WorkStatus.Planned, WorkStatus.InProgress], "progress", () => item.ReportProgress(10, null, T0));
        AssertLegalOnlyIn(status, [WorkStatus.InProgress], "complete", () => item.Complete(CompletionStatus.Success, null, T0));
    }

    private static void AssertLegalOnlyIn(WorkStatus status, WorkStatus[] legal, string command, Func<WorkItem> act)
    {
        if (legal.Contains(status))
        {
            Assert.NotNull(act());
            return;
        }

        var error = Assert.Throws<IllegalTransitionException>(act);
        Assert.Equal("work item", error.Agent);
        Assert.Equal(Naming.Kebab(status), error.State);
        Assert.Equal(command, error.Command);
    }
}
