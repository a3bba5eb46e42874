namespace Swarm.Domain.Events;

/// <summary>
/// A hand-off between agents on the bus. <see cref="Id"/> is derived from what produced the event, so a
/// retried producer publishes the same id and consumers can ignore the redelivery.
/// </summary>
public sealed record AgentEvent
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string Source { get; init; }
    public string? WorkId { get; init; }
    public string? Team { get; init; }
    public required JsonElement Payload { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public string? TraceParent { get; init; }
    public string? TraceState { get; init; }

    /// <summary>Builds an event whose trace context is the current span's, so the consumer continues the trace.</summary>
    public static AgentEvent Create<T>(string type, string source, string idSuffix, T payload, string? workId = null, string? team = null)
    {
        var current = Activity.Current;
        return new AgentEvent
        {
            Id = $"{type}:{idSuffix}",
            Type = type,
            Source = source,
            WorkId = workId,
            Team = team,
            Payload = JsonSerializer.SerializeToElement(payload, SwarmJson.Options),
            OccurredAt = DateTimeOffset.UtcNow,
            TraceParent = current?.Id,
            TraceState = current?.TraceStateString,
        };
    }

    /// <summary>The payload as <typeparamref name="T"/>; a payload of the wrong shape is invalid input, never retried.</summary>
    public T Read<T>()
    {
        try
        {
            return Payload.Deserialize<T>(SwarmJson.Options)
                ?? throw new InvalidInputException("payload", $"Event {Id} of type {Type} has an empty payload.");
        }
        catch (JsonException error)
        {
            throw new InvalidInputException("payload", $"Event {Id} of type {Type} does not carry a {typeof(T).Name}: {error.Message}");
        }
    }
}

/// <summary>Every agent event type; who publishes and who consumes each is the hand-off table in <c>docs/handoffs.md</c>.</summary>
public static class EventTypes
{
    public const string WorkClaimed = "work.claimed";
    public const string MotionPassed = "roberts.motion.passed";
    public const string MotionFailed = "roberts.motion.failed";
    public const string SprintCompleted = "scrum.sprint.completed";
    public const string DefectRateExceeded = "scrum.defect_rate.exceeded";
    public const string ProposalReady = "lean.proposal.ready";
    public const string AlertFired = "alert.fired";
    public const string AlertResolved = "alert.resolved";

    /// <summary>The remediation agent asks the Lean agent for a DMAIC project on a team (payload: the remediation).</summary>
    public const string LeanProjectRequested = "remediation.lean_project.requested";

    /// <summary>The remediation agent asks Roberts to put a plan to the board (payload: the approval request).</summary>
    public const string RemediationApprovalRequested = "remediation.approval.requested";

    /// <summary>
    /// The remediation agent withdraws a motion of its incident that the board has not decided, because the incident
    /// closed first (payload: the withdrawal); Roberts closes it as withdrawn.
    /// </summary>
    public const string RemediationApprovalWithdrawn = "remediation.approval.withdrawn";

    public static readonly IReadOnlyList<string> All =
        [WorkClaimed, MotionPassed, MotionFailed, SprintCompleted, DefectRateExceeded, ProposalReady, AlertFired, AlertResolved, LeanProjectRequested, RemediationApprovalRequested, RemediationApprovalWithdrawn];
}

/// <summary>The port every bus adapter implements: in-process, Service Bus, or HTTP.</summary>
public interface IAgentEventBus
{
    ValueTask PublishAsync(AgentEvent agentEvent, CancellationToken cancellationToken = default);
}

/// <summary>JSON settings shared by events, HTTP bodies and the CLI.</summary>
public static class SwarmJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
