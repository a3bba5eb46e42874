using Swarm.Domain.Composition;
using Swarm.Domain.Lean;
using Swarm.Domain.Scrum;
using static Swarm.Domain.Tests.Fixtures;

namespace Swarm.Domain.Tests;

public sealed class LeanTests
{
    [Fact]
    public void Measure_counts_completed_and_failed_items_of_the_history()
    {
        WorkItem[] history =
        [
            Done("a", CompletionStatus.Success, startedAfter: 0, tookSeconds: 100),
            Done("b", CompletionStatus.Failed, startedAfter: 0, tookSeconds: 200, reason: "regression"),
            Done("c", CompletionStatus.Success, startedAfter: 0, tookSeconds: 300),
            Done("d", CompletionStatus.Success, startedAfter: 0, tookSeconds: 400),
            NewWork("e", status: WorkStatus.InProgress),
            NewWork("f", status: WorkStatus.Claimed),
        ];

        var measurement = LeanRules.Measure(ScrumWorkRecords.From(history));

        Assert.Equal(4, measurement.Completed);
        Assert.Equal(1, measurement.Failed);
        Assert.Equal(0.25, measurement.DefectRate);
        Assert.Equal(6, measurement.ItemsInHistory);
        Assert.Equal(250, measurement.MeanCycleTimeSeconds, precision: 9);
    }

    [Fact]
    public void A_completion_the_sprint_reported_counts_when_the_work_items_own_state_still_lags()
    {
        // After a restart the failed item's own state can still say in progress while its sprint recorded the failure.
        WorkItem[] history =
        [
            Done("a", CompletionStatus.Success, startedAfter: 0, tookSeconds: 100),
            NewWork("b", status: WorkStatus.InProgress),
            Done("c", CompletionStatus.Success, startedAfter: 0, tookSeconds: 300),
        ];
        ReportedCompletion[] reported =
        [
            new("a", false, null),
            new("b", true, "missing regression tests"),
            new("c", false, null),
        ];

        var records = ReportedCompletion.Apply(ScrumWorkRecords.From(history), reported);
        var measurement = LeanRules.Measure(records);
        var causes = LeanRules.Analyze(records);

        Assert.Equal((3, 1), (measurement.Completed, measurement.Failed));
        // Its completion time is not known: it counts in no cycle time.
        Assert.Equal(200, measurement.MeanCycleTimeSeconds, precision: 9);
        Assert.Equal("missing regression tests", Assert.Single(causes).Cause);
        Assert.Empty(LeanRules.Analyze(ScrumWorkRecords.From(history)));
        // A record that shows the completion already keeps its own.
        Assert.Equal("regression", ReportedCompletion.Apply(ScrumWorkRecords.From([Done("b", CompletionStatus.Failed, reason: "regression")]), reported).Single().FailureReason);
    }

    [Fact]
    public void Measure_times_the_cycle_from_start_or_else_from_claim()
    {
        var started = Done("a", CompletionStatus.Success, startedAfter: 50, tookSeconds: 100);
        var neverStarted = Done("b", CompletionStatus.Success, startedAfter: 0, tookSeconds: 0) with
        {
            StartedAt = null,
            CompletedAt = T0.AddSeconds(300),
        };

        var measurement = LeanRules.Measure(ScrumWorkRecords.From([started, neverStarted]));

        Assert.Equal((100 + 300) / 2.0, measurement.MeanCycleTimeSeconds, precision: 9);
    }

    [Fact]
    public void Measure_of_an_empty_history_is_all_zeros()
    {
        var measurement = LeanRules.Measure([]);

        Assert.Equal(new Measurement(0, 0, 0.0, 0.0, 0), measurement);
    }

    [Fact]
    public void Analyze_groups_failures_by_reason_largest_first_with_shares()
    {
        WorkItem[] history =
        [
            Done("w4", CompletionStatus.Failed, reason: "missing tests"),
            Done("w1", CompletionStatus.Failed, reason: "Missing Tests "),
            Done("w2", CompletionStatus.Failed, reason: "flaky environment"),
            Done("w3", CompletionStatus.Failed, reason: "missing tests"),
            Done("w5", CompletionStatus.Success),
        ];

        var causes = LeanRules.Analyze(ScrumWorkRecords.From(history));

        Assert.Equal(2, causes.Count);
        Assert.Equal("missing tests", causes[0].Cause);
        Assert.Equal(3, causes[0].Count);
        Assert.Equal(0.75, causes[0].Share);
        Assert.Equal(["w1", "w3", "w4"], causes[0].WorkIds);
        Assert.Equal("flaky environment", causes[1].Cause);
        Assert.Equal(1, causes[1].Count);
        Assert.Equal(0.25, causes[1].Share);
        Assert.Equal(1.0, causes.Sum(c => c.Share), precision: 12);
    }

    [Fact]
    public void Analyze_breaks_ties_by_cause_name_and_groups_missing_reasons_as_unspecified()
    {
        WorkItem[] history =
        [
            Done("a", CompletionStatus.Failed, reason: "timeout"),
            Done("b", CompletionStatus.Failed) with { FailureReason = null },
            Done("c", CompletionStatus.Failed, reason: "config drift"),
        ];

        var causes = LeanRules.Analyze(ScrumWorkRecords.From(history));

        Assert.Equal(["config drift", "timeout", "unspecified"], causes.Select(c => c.Cause));
    }

    [Fact]
    public void Analyze_without_failures_finds_no_cause() =>
        Assert.Empty(LeanRules.Analyze(ScrumWorkRecords.From([Done("a", CompletionStatus.Success), NewWork("b")])));

    [Fact]
    public void Improve_proposes_a_check_for_the_top_cause()
    {
        var measurement = new Measurement(10, 4, 0.4, 120, 12);
        RootCause[] causes =
        [
            new("missing tests", 3, 0.75, ["w1", "w3", "w4"]),
            new("flaky environment", 1, 0.25, ["w2"]),
        ];

        var proposal = LeanRules.Improve("alpha", measurement, causes, 0.03);

        Assert.Contains("'missing tests'", proposal.Title, StringComparison.Ordinal);
        Assert.Contains("alpha", proposal.Title, StringComparison.Ordinal);
        Assert.Contains("'missing tests'", proposal.Change, StringComparison.Ordinal);
        Assert.Contains("3 of 4 failures", proposal.Change, StringComparison.Ordinal);
        Assert.DoesNotContain("flaky", proposal.Title, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(proposal.ExpectedEffect));
    }

    [Fact]
    public void Improve_without_causes_asks_for_failure_reasons()
    {
        var proposal = LeanRules.Improve("alpha", new Measurement(0, 0, 0, 0, 0), [], 0.03);

        Assert.Contains("'unspecified'", proposal.Title, StringComparison.Ordinal);
        Assert.Contains("failure reason", proposal.Change, StringComparison.Ordinal);
    }

    [Fact]
    public void A_project_runs_DMAIC_and_keeps_what_each_phase_found()
    {
        var measurement = new Measurement(5, 1, 0.2, 60, 5);
        RootCause[] causes = [new("missing tests", 1, 1.0, ["w1"])];
        var proposal = new Proposal("Add a check", "verify tests", "lower defect rate");

        var measured = NewLean().Measured(measurement);
        Assert.Equal(LeanPhase.Measure, measured.Phase);
        Assert.Equal(measurement, measured.Measurement);

        var analyzed = measured.Analyzed(causes);
        Assert.Equal(LeanPhase.Analyze, analyzed.Phase);
        Assert.Equal(causes, analyzed.RootCauses);

        var improved = analyzed.Improved(proposal);
        Assert.Equal(LeanPhase.Improve, improved.Phase);
        Assert.Equal(proposal, improved.Proposal);

        var controlled = improved.Controlled("m-lean-1");
        Assert.Equal(LeanPhase.Control, controlled.Phase);
        Assert.Equal("m-lean-1", controlled.MotionId);

        var closed = controlled.Closed("passed: adopted", T0.AddHours(1));
        Assert.Equal(LeanPhase.Closed, closed.Phase);
        Assert.Equal("passed: adopted", closed.Outcome);
        Assert.Equal(T0.AddHours(1), closed.ClosedAt);
        Assert.Equal(measurement, closed.Measurement);
        Assert.Equal(proposal, closed.Proposal);
    }

    public static TheoryData<LeanPhase> AllPhases() => [.. Enum.GetValues<LeanPhase>()];

    [Theory]
    [MemberData(nameof(AllPhases))]
    public void Each_record_method_throws_IllegalTransition_outside_its_legal_phase(LeanPhase phase)
    {
        var project = NewLean(phase);

        AssertLegalOnlyIn(phase, LeanPhase.Define, "measure", () => project.Measured(new Measurement(0, 0, 0, 0, 0)));
        AssertLegalOnlyIn(phase, LeanPhase.Measure, "analyze", () => project.Analyzed([]));
        AssertLegalOnlyIn(phase, LeanPhase.Analyze, "improve", () => project.Improved(new Proposal("t", "c", "e")));
        AssertLegalOnlyIn(phase, LeanPhase.Improve, "control", () => project.Controlled("m1"));
        AssertLegalOnlyIn(phase, LeanPhase.Control, "close", () => project.Closed("done", T0));
    }

    private static void AssertLegalOnlyIn(LeanPhase phase, LeanPhase legal, string command, Func<LeanProject> act)
    {
        if (phase == legal)
        {
            Assert.NotNull(act());
            return;
        }

        var error = Assert.Throws<IllegalTransitionException>(act);
        Assert.Equal("lean project", error.Agent);
        Assert.Equal(Naming.Kebab(phase), error.State);
        Assert.Equal(command, error.Command);
    }

    private static WorkItem Done(string id, CompletionStatus status, int startedAfter = 0, int tookSeconds = 60, string? reason = null) =>
        NewWork(id, status: WorkStatus.Completed) with
        {
            Completion = status,
            FailureReason = status == CompletionStatus.Failed ? reason ?? "unspecified" : null,
            StartedAt = T0.AddSeconds(startedAfter),
            CompletedAt = T0.AddSeconds(startedAfter + tookSeconds),
        };
}
