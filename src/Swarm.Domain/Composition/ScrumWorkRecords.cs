using Swarm.Domain.Lean;
using Swarm.Domain.Scrum;

namespace Swarm.Domain.Composition;

/// <summary>The Scrum agent's work history as the Lean agent measures it.</summary>
public sealed class ScrumWorkRecords(IWorkHistory history) : ITeamWorkRecords
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<WorkRecord>> ForTeamAsync(string team, CancellationToken cancellationToken = default) =>
        From(await history.ForTeamAsync(team, cancellationToken));

    /// <summary>Each work item as a <see cref="WorkRecord"/>, in the same order.</summary>
    public static IReadOnlyList<WorkRecord> From(IEnumerable<WorkItem> items) =>
        [.. items.Select(w => new WorkRecord(
            w.Id,
            w.Status == WorkStatus.Completed,
            w.Completion == CompletionStatus.Failed,
            w.FailureReason,
            w.ClaimedAt,
            w.StartedAt,
            w.CompletedAt))];
}
