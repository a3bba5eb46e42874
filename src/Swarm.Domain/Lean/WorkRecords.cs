namespace Swarm.Domain.Lean;

/// <summary>
/// One work item of a team as the Lean agent measures it (Measure and Analyze of DMAIC). The Scrum agent owns work
/// items; the composition adapts its history to this shape, so Lean depends on no other agent.
/// </summary>
/// <param name="Id">The work item's id.</param>
/// <param name="Completed">True once the item reached <c>completed</c>, whatever its outcome.</param>
/// <param name="Failed">True when it completed with status <c>failed</c>.</param>
/// <param name="FailureReason">The reason reported with a failed completion, if any.</param>
/// <param name="ClaimedAt">When it was claimed.</param>
/// <param name="StartedAt">When work on it started (first progress report), if it did.</param>
/// <param name="CompletedAt">When it completed, if it did.</param>
public sealed record WorkRecord(
    string Id,
    bool Completed,
    bool Failed,
    string? FailureReason,
    DateTimeOffset ClaimedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt);

/// <summary>The port through which the Lean agent reads a team's work: every item the swarm has seen for the team.</summary>
public interface ITeamWorkRecords
{
    /// <summary>The team's work items, oldest claim first; empty for a team with none.</summary>
    Task<IReadOnlyList<WorkRecord>> ForTeamAsync(string team, CancellationToken cancellationToken = default);
}

/// <summary>
/// A completion the trigger of a Lean project reported (a sprint review's outcome of one item): the work item, whether
/// it failed, and the reason given.
/// </summary>
/// <param name="WorkId">The work item's id.</param>
/// <param name="Failed">True when it completed with status <c>failed</c>.</param>
/// <param name="FailureReason">The reason reported with a failed completion, if any.</param>
public sealed record ReportedCompletion(string WorkId, bool Failed, string? FailureReason)
{
    /// <summary>
    /// <paramref name="history"/> with each of <paramref name="reported"/> applied to a record that does not show it
    /// completed yet (same order; <see cref="WorkRecord.CompletedAt"/> stays unknown, so it counts in no cycle time).
    /// After a restart of the host, a work item's own state can lag behind the sprint that recorded its completion —
    /// the message that completes it stays invisible for the backend's visibility timeout (30 s) — and a measure taken
    /// meanwhile would miss the very failure that started the project.
    /// </summary>
    public static IReadOnlyList<WorkRecord> Apply(IReadOnlyList<WorkRecord> history, IReadOnlyList<ReportedCompletion> reported)
    {
        if (reported.Count == 0)
        {
            return history;
        }

        var byId = reported.ToDictionary(r => r.WorkId, StringComparer.Ordinal);
        return [.. history.Select(w => !w.Completed && byId.TryGetValue(w.Id, out var r)
            ? w with { Completed = true, Failed = r.Failed, FailureReason = r.FailureReason }
            : w)];
    }
}
