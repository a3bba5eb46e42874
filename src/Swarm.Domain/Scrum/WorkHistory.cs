using Microsoft.DurableTask.Client;

namespace Swarm.Domain.Scrum;

/// <summary>The work items the swarm has seen, as their orchestrations last reported them.</summary>
public interface IWorkHistory
{
    Task<IReadOnlyList<WorkItem>> ForTeamAsync(string team, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<WorkItem>> AllAsync(CancellationToken cancellationToken = default);
}

/// <summary>Reads work history from the Durable backend itself: each work item's custom status is its current state.</summary>
public sealed class DurableWorkHistory(DurableTaskClient client) : IWorkHistory
{
    public async Task<IReadOnlyList<WorkItem>> ForTeamAsync(string team, CancellationToken cancellationToken = default) =>
        [.. (await AllAsync(cancellationToken)).Where(w => string.Equals(w.Team, team, StringComparison.OrdinalIgnoreCase))];

    public async Task<IReadOnlyList<WorkItem>> AllAsync(CancellationToken cancellationToken = default)
    {
        var items = new List<WorkItem>();
        var query = new OrchestrationQuery { InstanceIdPrefix = InstanceIds.Work(string.Empty), FetchInputsAndOutputs = true, PageSize = 500 };
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (WorkItemState.From(instance) is { } item)
            {
                items.Add(item);
            }
        }

        return items.OrderBy(w => w.ClaimedAt).ToList();
    }
}

/// <summary>Reads a work item's latest state from its orchestration.</summary>
public static class WorkItemState
{
    public static WorkItem? From(OrchestrationMetadata instance) => AgentState.Latest<WorkItem>(instance);
}
