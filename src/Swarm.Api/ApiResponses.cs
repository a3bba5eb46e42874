using Swarm.Domain.Scrum;

namespace Swarm.Api;

/// <summary>
/// The answer to a claim, in the shape of Durable Functions' check-status response: the work item as accepted and
/// where to follow it (<see cref="StatusQueryGetUri"/> is also the <c>Location</c> header) and drive it.
/// </summary>
public sealed record WorkAccepted(
    string Id,
    string InstanceId,
    WorkItem WorkItem,
    string StatusQueryGetUri,
    string ProgressPostUri,
    string CompletePostUri);

/// <summary>
/// <c>GET /api/work</c>: <paramref name="Count"/> items, oldest claim first, and the token of the next page
/// (<c>?continuationToken=</c>) while more may follow; null (omitted) once the list is complete.
/// </summary>
public sealed record WorkList(int Count, IReadOnlyList<WorkItem> Items, string? ContinuationToken = null)
{
    /// <summary>
    /// The whole list behind <c>GET /api/work?{query}</c> (<paramref name="query"/>: <c>team=…&amp;status=…</c> or empty):
    /// reads each page with <paramref name="read"/> (given the relative path, e.g. <c>work?team=a&amp;continuationToken=…</c>),
    /// following continuation tokens until none is left, and returns every item, oldest claim first, with no token.
    /// </summary>
    public static async Task<WorkList> AllAsync(string query, Func<string, Task<WorkList>> read)
    {
        var items = new List<WorkItem>();
        string? token = null;
        do
        {
            var parts = new List<string>();
            if (!string.IsNullOrEmpty(query))
            {
                parts.Add(query);
            }

            if (token is not null)
            {
                parts.Add($"continuationToken={Uri.EscapeDataString(token)}");
            }

            var page = await read(parts.Count == 0 ? "work" : $"work?{string.Join('&', parts)}");
            items.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);

        return new WorkList(items.Count, [.. items.OrderBy(w => w.ClaimedAt)]);
    }
}

/// <summary><c>POST /api/agents/{agent}/events</c>: the event was handed to its consumer.</summary>
public sealed record EventAccepted(string Id, string Type, string Agent);

/// <summary>
/// <c>GET /api/health</c>: <c>status</c> is <c>healthy</c>, <c>degraded</c> (the Durable backend answers but a
/// local server does not; <see cref="Servers"/> names it) or <c>unhealthy</c> (the backend does not answer: 503);
/// <c>backend</c> is <c>reachable</c> or <c>unreachable</c>; <see cref="Durable"/> says what the backend is.
/// </summary>
public sealed record HealthReport(string Status, string Backend, DurableBackendInfo? Durable = null, IReadOnlyList<ServerHealth>? Servers = null);

/// <summary>
/// What runs the orchestrations: <c>kind</c> <c>azure-storage</c> (the Durable Task Framework's Azure Storage provider,
/// what the Functions host uses; state survives restarts) or <c>in-memory</c> (state ends with the process), the task
/// hub, and where the storage is (an endpoint or account name; never a key). Hosts register one as a singleton.
/// </summary>
public sealed record DurableBackendInfo(string Kind, string TaskHub, string? Storage = null);

/// <summary>One local server of the host (Azurite, the dashboard, Prometheus, Alertmanager): <c>healthy</c>, <c>degraded</c> or <c>unhealthy</c>, and why.</summary>
public sealed record ServerHealth(string Name, string Status, string? Detail);

/// <summary>The answer to <c>POST /api/alerts</c>: one receipt per alert in the delivery.</summary>
/// <param name="Received">Alerts read from the delivery.</param>
/// <param name="Alerts">What became of each: its incident and event.</param>
/// <param name="Source">Who sent it: <c>azure-monitor</c>, <c>alertmanager</c> or <c>grafana</c>.</param>
/// <param name="TruncatedAlerts">Alerts the sender left out of the delivery (its <c>truncatedAlerts</c>); they were not received.</param>
public sealed record AlertsAccepted(int Received, IReadOnlyList<Swarm.Domain.Remediation.AlertReceipt> Alerts, string Source, int TruncatedAlerts);

/// <summary>The answer of <c>GET /api/bus/dead-letters</c>: how many are listed, oldest first.</summary>
public sealed record DeadLetterList(int Count, IReadOnlyList<Swarm.Domain.Events.DeadLetteredEvent> Items);
