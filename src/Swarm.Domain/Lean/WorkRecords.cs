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
