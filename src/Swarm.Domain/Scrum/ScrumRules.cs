namespace Swarm.Domain.Scrum;

/// <summary>Sprint planning and review arithmetic.</summary>
public static class ScrumRules
{
    /// <summary>The defect-rate threshold as a fraction (3 %), never a percentage.</summary>
    public const double DefaultDefectRateThreshold = ScrumOptions.DefaultDefectRateThreshold;

    /// <summary>
    /// Fills a sprint backlog up to capacity: highest priority first, then oldest; an item bigger than the
    /// remaining capacity waits for a later sprint, but a sprint never starts empty when work is waiting.
    /// </summary>
    public static (IReadOnlyList<SprintItem> Selected, IReadOnlyList<SprintItem> Remaining) Plan(
        IReadOnlyList<SprintItem> backlog, int capacity)
    {
        var ordered = backlog
            .Select((item, index) => (item, index))
            .OrderByDescending(x => x.item.Priority)
            .ThenBy(x => x.index)
            .Select(x => x.item)
            .ToList();
        var selected = new List<SprintItem>();
        var remaining = new List<SprintItem>();
        var left = capacity;
        foreach (var item in ordered)
        {
            if (item.Points <= left || selected.Count == 0)
            {
                selected.Add(item);
                left -= item.Points;
            }
            else
            {
                remaining.Add(item);
            }
        }

        return (selected, remaining);
    }

    /// <summary>Velocity is the points of items completed successfully; defect rate is failed / completed.</summary>
    public static SprintReview Review(IReadOnlyList<SprintItem> backlog, IReadOnlyList<ItemOutcome> outcomes, double threshold)
    {
        var completed = outcomes.Count;
        var failed = outcomes.Count(o => o.Status == CompletionStatus.Failed);
        var velocity = outcomes.Where(o => o.Status == CompletionStatus.Success).Sum(o => o.Points);
        var defectRate = completed == 0 ? 0.0 : (double)failed / completed;
        var unfinished = backlog.Where(i => outcomes.All(o => o.WorkId != i.WorkId)).Select(i => i.WorkId).ToList();
        return new SprintReview(velocity, completed, failed, defectRate, threshold, unfinished);
    }

    /// <summary>Retrospective improvement items drawn from what the sprint actually showed.</summary>
    public static IReadOnlyList<string> Improvements(Sprint sprint)
    {
        var items = new List<string>();
        var review = sprint.Review;
        if (review is null)
        {
            return items;
        }

        if (review.ExceedsThreshold)
        {
            items.Add($"Defect rate {review.DefectRate:P1} is above {review.Threshold:P0}: hand the failures to Lean for root-cause analysis.");
        }

        foreach (var reason in sprint.Outcomes.Where(o => o.Status == CompletionStatus.Failed)
                     .GroupBy(o => o.FailureReason ?? "unspecified")
                     .OrderByDescending(g => g.Count()))
        {
            items.Add($"{reason.Count()} item(s) failed with '{reason.Key}'.");
        }

        if (review.Unfinished.Count > 0)
        {
            items.Add($"{review.Unfinished.Count} item(s) unfinished: carry over and revisit capacity ({sprint.Capacity} points).");
        }

        if (sprint.Escalations.Count > 0)
        {
            items.Add($"{sprint.Escalations.Count} blocker(s) escalated during the sprint.");
        }

        if (items.Count == 0)
        {
            items.Add("Keep doing what worked: no failures, blockers or carry-over.");
        }

        return items;
    }
}
