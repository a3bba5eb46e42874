using System.Text.Json;

namespace Swarm.Api;

/// <summary><c>POST /api/work</c>: what to claim. Enums travel as strings so an unknown value is reported by name.</summary>
public sealed record ClaimWorkRequest(string? Type, string? Title, string? Priority, string? Team, int? Points);

/// <summary><c>POST /api/work/{id}/progress</c>.</summary>
public sealed record ProgressRequest(int? Percent, string? Blocker);

/// <summary><c>POST /api/work/{id}/complete</c>.</summary>
public sealed record CompleteRequest(string? Status, string? Reason);

/// <summary><c>POST /api/motions/{id}/votes</c>.</summary>
public sealed record VoteRequest(string? Voter, string? Choice);

/// <summary><c>POST /api/agents/{agent}/events</c>: an agent event as another swarm host publishes it.</summary>
public sealed record AgentEventRequest(
    string? Id,
    string? Type,
    string? Source,
    string? WorkId,
    string? Team,
    JsonElement? Payload,
    DateTimeOffset? OccurredAt,
    string? TraceParent,
    string? TraceState);

/// <summary>The body of <c>POST /api/instances/{id}/terminate</c> (optional): why, recorded as the instance's output.</summary>
public sealed record TerminateRequest(string? Reason);

/// <summary>The body of <c>POST /api/instances/{id}/events/{name}</c> (optional): the event's data, any JSON.</summary>
public sealed record RaiseEventRequest(JsonElement? Data);
