using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Swarm.Domain;
using Swarm.Domain.Events;

namespace Swarm.ServiceBus;

/// <summary>
/// How an agent event travels as a Service Bus message, and back. The body is the event as JSON; the message id is the
/// event id (the topic's duplicate detection drops a re-sent event); the trace context of the publishing span travels
/// as the application properties <c>traceparent</c>/<c>tracestate</c> (W3C) and <c>Diagnostic-Id</c> (what the Azure
/// SDK and the Functions Service Bus trigger read).
/// </summary>
public static class AgentEventMessages
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>The Azure SDK's trace-context property; same value as <see cref="TraceParent"/>.</summary>
    public const string DiagnosticId = "Diagnostic-Id";

    public const string Team = "swarm.work.team";
    public const string WorkId = "swarm.work.id";
    public const string Source = "swarm.event.source";

    /// <summary>Set on a resubmitted dead letter: the id it was resubmitted by.</summary>
    public const string ResubmittedFrom = "swarm.bus.resubmitted_from";

    /// <summary>
    /// The message for <paramref name="agentEvent"/>. <paramref name="traceParent"/> (the publishing span's context,
    /// else the event's own) becomes <c>traceparent</c> and <c>Diagnostic-Id</c>, so the consumer's span is its child.
    /// </summary>
    public static ServiceBusMessage ToMessage(AgentEvent agentEvent, string? traceParent = null, string? traceState = null)
    {
        var message = new ServiceBusMessage(BinaryData.FromObjectAsJson(agentEvent, SwarmJson.Options))
        {
            MessageId = agentEvent.Id,
            Subject = agentEvent.Type,
            ContentType = "application/json",
            CorrelationId = agentEvent.WorkId ?? agentEvent.Team,
        };
        message.ApplicationProperties[Source] = agentEvent.Source;
        traceParent ??= agentEvent.TraceParent;
        traceState ??= agentEvent.TraceState;
        Put(message, TraceParent, traceParent);
        Put(message, DiagnosticId, traceParent);
        Put(message, TraceState, traceState);
        Put(message, Team, agentEvent.Team);
        Put(message, WorkId, agentEvent.WorkId);
        return message;
    }

    /// <summary>
    /// The trace context a consumer continues: the message's <c>traceparent</c>, else its <c>Diagnostic-Id</c>, else
    /// the one in the body; null when none is present.
    /// </summary>
    public static (string? TraceParent, string? TraceState) TraceContextOf(ServiceBusReceivedMessage message, AgentEvent? body = null)
    {
        var state = message.ApplicationProperties.GetValueOrDefault(TraceState) as string;
        if (message.ApplicationProperties.GetValueOrDefault(TraceParent) is string { Length: > 0 } traceParent)
        {
            return (traceParent, state);
        }

        if (message.ApplicationProperties.GetValueOrDefault(DiagnosticId) is string { Length: > 0 } diagnosticId)
        {
            return (diagnosticId, state);
        }

        return (body?.TraceParent, body?.TraceState);
    }

    /// <summary>
    /// Reads an event back, its trace context the message's (<see cref="TraceContextOf"/>). A body that is not an agent
    /// event is an <see cref="InvalidInputException"/> on field <c>body</c>.
    /// </summary>
    public static AgentEvent FromMessage(ServiceBusReceivedMessage message)
    {
        AgentEvent? agentEvent;
        try
        {
            agentEvent = message.Body.ToObjectFromJson<AgentEvent>(SwarmJson.Options);
        }
        catch (JsonException error)
        {
            throw new InvalidInputException("body", $"Message {message.MessageId} is not an agent event: {error.Message}");
        }

        if (agentEvent is null || string.IsNullOrWhiteSpace(agentEvent.Id) || string.IsNullOrWhiteSpace(agentEvent.Type))
        {
            throw new InvalidInputException("body", $"Message {message.MessageId} has no event id or type.");
        }

        var (traceParent, traceState) = TraceContextOf(message, agentEvent);
        return agentEvent with { TraceParent = traceParent, TraceState = traceState };
    }

    private static void Put(ServiceBusMessage message, string key, string? value)
    {
        if (value is not null)
        {
            message.ApplicationProperties[key] = value;
        }
    }
}
