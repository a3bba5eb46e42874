using Swarm.Domain.Scrum;
using static Swarm.Domain.Tests.Fixtures;

namespace Swarm.Domain.Tests;

public sealed class ScrumRulesTests
{
    [Fact]
    public void The_default_threshold_is_a_fraction_not_a_percentage() =>
        Assert.Equal(0.03, ScrumRules.DefaultDefectRateThreshold);

    [Fact]
    public void Velocity_is_the_points_of_successfully_completed_items_only()
    {
        SprintItem[] backlog = [Item("a", 3), Item("b", 5), Item("c", 8), Item("d", 13)];
        ItemOutcome[] outcomes = [Success("a", 3), Success("b", 5), Failure("c", 8)];

        var review = ScrumRules.Review(backlog, outcomes, 0.03);

        Assert.Equal(8, review.Velocity);
    }

    [Fact]
    public void Defect_rate_is_failed_over_completed_as_a_fraction()
    {
        var outcomes = Outcomes(completed: 5, failed: 1);

        var review = ScrumRules.Review(BacklogFor(outcomes), outcomes, 0.03);

        Assert.Equal(5, review.Completed);
        Assert.Equal(1, review.Failed);
        Assert.Equal(0.2, review.DefectRate, precision: 12);
    }

    [Fact]
    public void Defect_rate_is_zero_when_nothing_completed()
    {
        var review = ScrumRules.Review([Item("a"), Item("b")], [], 0.03);

        Assert.Equal(0, review.Completed);
        Assert.Equal(0.0, review.DefectRate);
        Assert.Equal(0, review.Velocity);
        Assert.False(review.ExceedsThreshold);
    }

    [Fact]
    public void Defect_rate_is_one_when_everything_failed()
    {
        var outcomes = Outcomes(completed: 3, failed: 3);

        var review = ScrumRules.Review(BacklogFor(outcomes), outcomes, 0.03);

        Assert.Equal(1.0, review.DefectRate);
        Assert.Equal(0, review.Velocity);
    }

    [Theory]
    [InlineData(34, 1, false)] // 0.0294
    [InlineData(100, 3, false)] // exactly 0.03
    [InlineData(33, 1, true)] // 0.0303
    [InlineData(10, 0, false)]
    [InlineData(5, 1, true)]
    public void ExceedsThreshold_only_strictly_above_three_percent(int completed, int failed, bool exceeds)
    {
        var outcomes = Outcomes(completed, failed);

        var review = ScrumRules.Review(BacklogFor(outcomes), outcomes, ScrumRules.DefaultDefectRateThreshold);

        Assert.Equal(exceeds, review.ExceedsThreshold);
    }

    [Theory]
    [InlineData(0.0299, false)]
    [InlineData(0.03, false)]
    [InlineData(0.0301, true)]
    [InlineData(3.0, true)]
    public void SprintReview_ExceedsThreshold_compares_fractions(double defectRate, bool exceeds) =>
        Assert.Equal(exceeds, new SprintReview(0, 0, 0, defectRate, 0.03, []).ExceedsThreshold);

    [Fact]
    public void Review_lists_backlog_items_without_an_outcome_as_unfinished_in_backlog_order()
    {
        SprintItem[] backlog = [Item("a"), Item("b"), Item("c"), Item("d")];

        var review = ScrumRules.Review(backlog, [Success("b"), Failure("d")], 0.03);

        Assert.Equal(["a", "c"], review.Unfinished);
    }

    [Fact]
    public void Plan_orders_by_priority_then_age_and_fills_up_to_capacity()
    {
        SprintItem[] backlog =
        [
            Item("old-low", 2, WorkPriority.Low),
            Item("old-high", 3, WorkPriority.High),
            Item("critical", 5, WorkPriority.Critical),
            Item("new-high", 2, WorkPriority.High),
            Item("medium", 1, WorkPriority.Medium),
        ];

        var (selected, remaining) = ScrumRules.Plan(backlog, capacity: 10);

        Assert.Equal(["critical", "old-high", "new-high"], selected.Select(i => i.WorkId));
        Assert.Equal(10, selected.Sum(i => i.Points));
        Assert.Equal(["medium", "old-low"], remaining.Select(i => i.WorkId));
    }

    [Fact]
    public void Plan_skips_an_item_too_big_for_what_is_left_but_takes_smaller_ones_after_it()
    {
        SprintItem[] backlog =
        [
            Item("a", 5, WorkPriority.High),
            Item("too-big", 8, WorkPriority.High),
            Item("small", 3, WorkPriority.Medium),
        ];

        var (selected, remaining) = ScrumRules.Plan(backlog, capacity: 9);

        Assert.Equal(["a", "small"], selected.Select(i => i.WorkId));
        Assert.Equal(["too-big"], remaining.Select(i => i.WorkId));
    }

    [Fact]
    public void Plan_never_starts_an_empty_sprint_when_work_is_waiting()
    {
        SprintItem[] backlog = [Item("epic", 13, WorkPriority.High), Item("task", 1, WorkPriority.Low)];

        var (selected, remaining) = ScrumRules.Plan(backlog, capacity: 5);

        Assert.Equal(["epic"], selected.Select(i => i.WorkId));
        Assert.Equal(["task"], remaining.Select(i => i.WorkId));
    }

    [Fact]
    public void Plan_of_an_empty_backlog_selects_nothing()
    {
        var (selected, remaining) = ScrumRules.Plan([], capacity: 10);

        Assert.Empty(selected);
        Assert.Empty(remaining);
    }

    [Fact]
    public void Plan_neither_loses_nor_duplicates_items()
    {
        var backlog = Enumerable.Range(1, 12)
            .Select(i => Item($"w{i}", (i % 5) + 1, (WorkPriority)(i % 4)))
            .ToList();

        var (selected, remaining) = ScrumRules.Plan(backlog, capacity: 15);

        Assert.Equal(backlog.Select(i => i.WorkId).Order(), selected.Concat(remaining).Select(i => i.WorkId).Order());
        Assert.True(selected.Sum(i => i.Points) <= 15);
    }

    [Fact]
    public void Improvements_for_a_clean_sprint_say_keep_going()
    {
        var sprint = NewSprint().Start([Item("a")], T0).RecordOutcome(Success("a")).ReviewResults();

        var improvements = ScrumRules.Improvements(sprint);

        Assert.Equal(["Keep doing what worked: no failures, blockers or carry-over."], improvements);
    }

    [Fact]
    public void Improvements_group_failure_reasons_largest_first()
    {
        SprintItem[] backlog = [Item("a"), Item("b"), Item("c")];
        var sprint = NewSprint().Start(backlog, T0)
            .RecordOutcome(Failure("a", reason: "flaky"))
            .RecordOutcome(Failure("b", reason: "regression"))
            .RecordOutcome(Failure("c", reason: "regression"))
            .ReviewResults();

        var reasons = ScrumRules.Improvements(sprint).Where(i => i.Contains("failed with", StringComparison.Ordinal)).ToList();

        Assert.Equal(["2 item(s) failed with 'regression'.", "1 item(s) failed with 'flaky'."], reasons);
    }

    [Fact]
    public void Improvements_are_empty_before_review() =>
        Assert.Empty(ScrumRules.Improvements(NewSprint(SprintState.Executing)));

    private static List<ItemOutcome> Outcomes(int completed, int failed) =>
    [
        .. Enumerable.Range(0, failed).Select(i => Failure($"f{i}", 1)),
        .. Enumerable.Range(0, completed - failed).Select(i => Success($"s{i}", 1)),
    ];

    private static List<SprintItem> BacklogFor(IEnumerable<ItemOutcome> outcomes) =>
        [.. outcomes.Select(o => Item(o.WorkId, o.Points))];
}
