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

/// <summary><c>GET /api/work</c>.</summary>
public sealed record WorkList(int Count, IReadOnlyList<WorkItem> Items);

/// <summary><c>POST /api/agents/{agent}/events</c>: the event was handed to its consumer.</summary>
public sealed record EventAccepted(string Id, string Type, string Agent);

/// <summary><c>GET /api/health</c>.</summary>
public sealed record HealthReport(string Status, string Backend);

/// <summary>The answer to <c>POST /api/alerts</c>: one receipt per alert in the delivery.</summary>
public sealed record AlertsAccepted(int Received, IReadOnlyList<Swarm.Domain.Remediation.AlertReceipt> Alerts);
