using System.Text.Json;
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

    /// <summary>
    /// How many work items the task hub holds in each status (statuses with none are left out). Reads only each
    /// item's status, from its row without input and output.
    /// </summary>
    Task<IReadOnlyDictionary<WorkStatus, int>> CountByStatusAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Reads work history from the Durable backend itself: each work item's custom status is its current state. Listings
/// fetch the task hub's rows without input and output (a third of a finished item's row, and nothing a listing needs)
/// and read the custom status as JSON whatever the data converter's property casing; an instance without a custom
/// status (not started yet, or a backend that leaves it out of such rows) is read whole, on its own.
/// </summary>
public sealed class DurableWorkHistory(DurableTaskClient client) : IWorkHistory
{
    private static readonly OrchestrationQuery Rows = InstanceIds.ByPrefix(InstanceIds.Work(string.Empty)) with { FetchInputsAndOutputs = false };

    public async Task<IReadOnlyList<WorkItem>> ForTeamAsync(string team, CancellationToken cancellationToken = default) =>
        [.. (await AllAsync(cancellationToken)).Where(w => string.Equals(w.Team, team, StringComparison.OrdinalIgnoreCase))];

    public async Task<IReadOnlyList<WorkItem>> AllAsync(CancellationToken cancellationToken = default)
    {
        var items = new List<WorkItem>();
        await foreach (var instance in client.GetAllInstancesAsync(Rows).WithCancellation(cancellationToken))
        {
            if (await ReadAsync(instance, cancellationToken) is { } item)
            {
                items.Add(item);
            }
        }

        return items.OrderBy(w => w.ClaimedAt).ToList();
    }

    public async Task<IReadOnlyDictionary<WorkStatus, int>> CountByStatusAsync(CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<WorkStatus, int>();
        await foreach (var instance in client.GetAllInstancesAsync(Rows).WithCancellation(cancellationToken))
        {
            var status = instance.SerializedCustomStatus is { } json
                ? JsonSerializer.Deserialize<StatusOnly>(json, WorkItemState.Options)?.Status
                : (await ReadAsync(instance, cancellationToken))?.Status;
            if (status is { } known)
            {
                counts[known] = counts.GetValueOrDefault(known) + 1;
            }
        }

        return counts;
    }

    public async Task<InstancePage<WorkItem>> PageAsync(
        string? team, WorkStatus? status, int max, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var page = await InstancePages.ReadAsync(
            client,
            Rows,
            async (instance, ct) =>
            {
                // With a filter, an item's team and status are read first and the rest only for a match.
                if ((team is not null || status is not null) && instance.SerializedCustomStatus is { } json
                    && JsonSerializer.Deserialize<StatusOnly>(json, WorkItemState.Options) is { } summary
                    && !Matches(summary.Team, summary.Status))
                {
                    return null;
                }

                return await ReadAsync(instance, ct) is { } item && Matches(item.Team, item.Status) ? item : null;
            },
            max,
            continuationToken,
            cancellationToken);
        return page with { Items = [.. page.Items.OrderBy(w => w.ClaimedAt)] };

        bool Matches(string? itemTeam, WorkStatus? itemStatus) =>
            (team is null || string.Equals(itemTeam, team, StringComparison.OrdinalIgnoreCase)) && (status is null || itemStatus == status);
    }

    private async ValueTask<WorkItem?> ReadAsync(OrchestrationMetadata instance, CancellationToken cancellationToken)
    {
        if (instance.SerializedCustomStatus is { } json)
        {
            return JsonSerializer.Deserialize<WorkItem>(json, WorkItemState.Options);
        }

        var whole = await client.GetInstanceAsync(instance.InstanceId, getInputsAndOutputs: true, cancellationToken);
        return whole is null ? null : WorkItemState.From(whole);
    }
}

/// <summary>
/// A work item's status and team alone, read from its custom status whatever the data converter's property casing (the
/// embedded host writes <c>Status</c>, the Functions worker's serializer may write <c>status</c>); skipping the rest
/// of the item (title, transitions) is what makes counting 5,000 of them cheap.
/// </summary>
internal sealed record StatusOnly(WorkStatus? Status, string? Team);

/// <summary>Reads a work item's latest state from its orchestration.</summary>
public static class WorkItemState
{
    /// <summary>
    /// Reads a work item's JSON as either host's data converter writes it: the embedded host's (<c>Status</c>, nulls
    /// written) or the Functions worker's serializer (<c>status</c>); the Swarm enums carry their own converters.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    public static WorkItem? From(OrchestrationMetadata instance) => AgentState.Latest<WorkItem>(instance);
}
