namespace Swarm.Domain.Lean;

/// <summary>The analysis steps of DMAIC, computed from the team's real work-item history.</summary>
public static class LeanRules
{
    public static Measurement Measure(IReadOnlyList<WorkRecord> history)
    {
        var completed = history.Where(w => w.Completed).ToList();
        var failed = completed.Count(w => w.Failed);
        var cycleTimes = completed
            .Where(w => w.CompletedAt is not null)
            .Select(w => (w.CompletedAt!.Value - (w.StartedAt ?? w.ClaimedAt)).TotalSeconds)
            .ToList();
        return new Measurement(
            completed.Count,
            failed,
            completed.Count == 0 ? 0.0 : (double)failed / completed.Count,
            cycleTimes.Count == 0 ? 0.0 : cycleTimes.Average(),
            history.Count);
    }

    /// <summary>Groups failed items by their reported failure reason, largest group first (a Pareto of causes).</summary>
    public static IReadOnlyList<RootCause> Analyze(IReadOnlyList<WorkRecord> history)
    {
        var failed = history.Where(w => w.Failed).ToList();
        if (failed.Count == 0)
        {
            return [];
        }

        return failed
            .GroupBy(w => Normalise(w.FailureReason))
            .Select(g => new RootCause(g.Key, g.Count(), (double)g.Count() / failed.Count, g.Select(w => w.Id).Order(StringComparer.Ordinal).Take(RootCause.MaxWorkIds).ToList()))
            .OrderByDescending(c => c.Count)
            .ThenBy(c => c.Cause, StringComparer.Ordinal)
            .ToList();
    }

    public static Proposal Improve(string team, Measurement measurement, IReadOnlyList<RootCause> causes, double threshold)
    {
        var top = causes.Count > 0 ? causes[0] : null;
        var cause = top?.Cause ?? "unspecified";
        var title = $"Add a '{cause}' check to team {team}'s definition of done";
        var change = top is null
            ? $"Require a failure reason on every failed item so the next analysis can find a cause."
            : $"Before an item is marked done, the team verifies '{cause}' — the cause of {top.Count} of {causes.Sum(c => c.Count)} failures ({top.Share:P0}).";
        var effect = $"Defect rate from {measurement.DefectRate:P1} to at most {threshold:P0}.";
        return new Proposal(title, change, effect);
    }

    private static string Normalise(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? "unspecified" : reason.Trim().ToLowerInvariant();
}
