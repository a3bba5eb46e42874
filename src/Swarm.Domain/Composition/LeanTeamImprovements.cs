using Microsoft.DurableTask.Client;
using Swarm.Domain.Lean;

namespace Swarm.Domain.Composition;

/// <summary>
/// <see cref="ITeamImprovements"/> from the task hub: the team's Lean project instances (<c>lean-{team}-</c>; Running,
/// Pending or Completed), each read for its team, phase and closing time — the prefix alone would also match a team
/// named <c>{team}-…</c>.
/// </summary>
public sealed class LeanTeamImprovements(DurableTaskClient client) : ITeamImprovements
{
    private static readonly OrchestrationRuntimeStatus[] Statuses =
        [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Completed];

    private static readonly OrchestrationRuntimeStatus[] OpenStatuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending];

    public async Task<TeamImprovement?> CurrentAsync(string team, DateTimeOffset closedSince, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(team);
        TeamImprovement? latestClosed = null;
        // A project cannot have closed in the future: asked only for open ones (the router's closedSince of MaxValue), the
        // query leaves the team's completed projects out instead of reading each.
        var statuses = closedSince > DateTimeOffset.UtcNow ? OpenStatuses : Statuses;
        await foreach (var instance in client.GetAllInstancesAsync(InstanceIds.ByPrefix(InstanceIds.Lean(team, string.Empty), statuses)).WithCancellation(cancellationToken))
        {
            if (AgentState.Latest<LeanProject>(instance) is not { } project || !string.Equals(project.Team, team, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (instance.RuntimeStatus != OrchestrationRuntimeStatus.Completed && project.Phase != LeanPhase.Closed)
            {
                return new TeamImprovement(project.Id, Open: true, null, null);
            }

            var closedAt = project.ClosedAt ?? instance.LastUpdatedAt;
            if (closedAt >= closedSince && (latestClosed?.ClosedAt is not { } latest || closedAt > latest))
            {
                latestClosed = new TeamImprovement(project.Id, Open: false, closedAt, project.Outcome);
            }
        }

        return latestClosed;
    }
}
