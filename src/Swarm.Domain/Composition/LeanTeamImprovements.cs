using Microsoft.DurableTask.Client;
using Swarm.Domain.Lean;

namespace Swarm.Domain.Composition;

/// <summary>
/// <see cref="ITeamImprovements"/> from the task hub: the team's Lean project instances (<c>lean-{team}-</c>; Running,
/// Pending or Completed), each read for its team, phase and closing time — the prefix alone would also match a team
/// named <c>{team}-…</c>. Of several open projects the one whose instance was created first wins (ties: the smaller
/// instance id), so every caller names the same one; a project merged into another is no improvement of its own.
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
        (DateTimeOffset CreatedAt, string InstanceId, TeamImprovement Project)? firstOpen = null;
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
                if (firstOpen is not { } first || instance.CreatedAt < first.CreatedAt
                    || (instance.CreatedAt == first.CreatedAt && string.CompareOrdinal(instance.InstanceId, first.InstanceId) < 0))
                {
                    firstOpen = (instance.CreatedAt, instance.InstanceId, new TeamImprovement(project.Id, Open: true, null, null));
                }

                continue;
            }

            var closedAt = project.ClosedAt ?? instance.LastUpdatedAt;
            if (project.MergedInto is null && closedAt >= closedSince && (latestClosed?.ClosedAt is not { } latest || closedAt > latest))
            {
                latestClosed = new TeamImprovement(project.Id, Open: false, closedAt, project.Outcome);
            }
        }

        if (firstOpen is { } open)
        {
            return open.Project;
        }

        return latestClosed;
    }
}
