using Microsoft.DurableTask.Client;

namespace Swarm.Domain.Scrum;

/// <summary>The work items the swarm has seen, as their orchestrations last reported them.</summary>
public interface IWorkHistory
{
    /// <summary>Items listed per answer of <see cref="PageAsync"/> by default and at most: 1,000, one Azure Table page (<see cref="InstanceIds.ListPageSize"/>).</summary>
    const int MaxPage = InstanceIds.ListPageSize;

    /// <summary>Every work item of <paramref name="team"/>, oldest claim first (reads every work item of the task hub).</summary>
    Task<IReadOnlyList<WorkItem>> ForTeamAsync(string team, CancellationToken cancellationToken = default);

    /// <summary>Every work item, oldest claim first (reads every work item of the task hub).</summary>
    Task<IReadOnlyList<WorkItem>> AllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// One answer of the paged list (<c>GET /api/work</c>): at most <paramref name="max"/> (1–<see cref="MaxPage"/>)
    /// items of <paramref name="team"/> and <paramref name="status"/> (null: any), oldest claim first within the answer,
    /// from <paramref name="continuationToken"/> on; pages follow the task hub's instance order, and the token is null
    /// once the list is complete. Reads at most <paramref name="max"/> instances per backend page, never all of them.
    /// </summary>
    Task<InstancePage<WorkItem>> PageAsync(string? team, WorkStatus? status, int max, string? continuationToken, CancellationToken cancellationToken = default);
}

/// <summary>Reads work history from the Durable backend itself: each work item's custom status is its current state.</summary>
public sealed class DurableWorkHistory(DurableTaskClient client) : IWorkHistory
{
    public async Task<IReadOnlyList<WorkItem>> ForTeamAsync(string team, CancellationToken cancellationToken = default) =>
        [.. (await AllAsync(cancellationToken)).Where(w => string.Equals(w.Team, team, StringComparison.OrdinalIgnoreCase))];

    public async Task<IReadOnlyList<WorkItem>> AllAsync(CancellationToken cancellationToken = default)
    {
        var items = new List<WorkItem>();
        var query = InstanceIds.ByPrefix(InstanceIds.Work(string.Empty));
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (WorkItemState.From(instance) is { } item)
            {
                items.Add(item);
            }
        }

        return items.OrderBy(w => w.ClaimedAt).ToList();
    }

    public async Task<InstancePage<WorkItem>> PageAsync(
        string? team, WorkStatus? status, int max, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var page = await InstancePages.ReadAsync(
            client,
            InstanceIds.ByPrefix(InstanceIds.Work(string.Empty)),
            instance => WorkItemState.From(instance) is { } item
                && (team is null || string.Equals(item.Team, team, StringComparison.OrdinalIgnoreCase))
                && (status is null || item.Status == status) ? item : null,
            max,
            continuationToken,
            cancellationToken);
        return page with { Items = [.. page.Items.OrderBy(w => w.ClaimedAt)] };
    }
}

/// <summary>Reads a work item's latest state from its orchestration.</summary>
public static class WorkItemState
{
    public static WorkItem? From(OrchestrationMetadata instance) => AgentState.Latest<WorkItem>(instance);
}
