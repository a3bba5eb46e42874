using Microsoft.DurableTask.Client;
using Swarm.Domain.Lean;

namespace Swarm.Domain.Composition;

/// <summary>
/// <see cref="ITeamImprovements"/> from the task hub: the Lean project instances of the team (<c>lean-{team}-</c>, Running
/// or Pending), each read for its team and phase — the prefix alone would also match a team named <c>{team}-…</c>.
/// </summary>
public sealed class LeanTeamImprovements(DurableTaskClient client) : ITeamImprovements
{
    private static readonly OrchestrationRuntimeStatus[] Open = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending];

    public async Task<string?> OpenProjectAsync(string team, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(team);
        var query = InstanceIds.ByPrefix(InstanceIds.Lean(team, string.Empty), Open);
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (AgentState.Latest<LeanProject>(instance) is { } project
                && string.Equals(project.Team, team, StringComparison.OrdinalIgnoreCase)
                && project.Phase != LeanPhase.Closed)
            {
                return project.Id;
            }
        }

        return null;
    }
}
