using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.ServiceBus;

/// <summary>
/// OpenTelemetry messaging semantic-convention attributes (semconv 1.27+, Azure Service Bus) that the publish and
/// consume spans carry.
/// </summary>
public static class MessagingAttributes
{
    public const string System = "messaging.system";
    public const string OperationType = "messaging.operation.type";
    public const string OperationName = "messaging.operation.name";
    public const string DestinationName = "messaging.destination.name";
    public const string SubscriptionName = "messaging.destination.subscription.name";
    public const string MessageId = "messaging.message.id";
    public const string BodySize = "messaging.message.body.size";
    public const string DeliveryCount = "messaging.servicebus.message.delivery_count";
    public const string EnqueuedTime = "messaging.servicebus.message.enqueued_time";
    public const string DispositionStatus = "messaging.servicebus.disposition_status";
    public const string ServerAddress = "server.address";

    /// <summary>Why the consumer dead-lettered the message (Swarm's; semconv has none).</summary>
    public const string DeadLetterReason = "swarm.bus.dead_letter.reason";

    /// <summary>The value of <see cref="System"/> for Azure Service Bus.</summary>
    public const string ServiceBus = "servicebus";
}

/// <summary>
/// Publishes every agent event to the topic (<c>swarm-events</c>) in a producer span <c>send swarm-events</c> with the
/// messaging attributes; the message carries that span's context, so the consumer's <c>swarm.event.route</c> span is its
/// child. A failed send throws to the publisher — the publishing activity — whose retry sends again (the message id is
/// the event id, so the topic's duplicate detection drops a copy that did arrive).
/// </summary>
public sealed class ServiceBusAgentEventPublisher(
    ServiceBusClient client,
    ServiceBusEndpoint endpoint,
    IOptions<ServiceBusBusOptions> options,
    ILogger<ServiceBusAgentEventPublisher> logger) : IAgentEventBus, IAsyncDisposable
{
    private readonly ServiceBusSender _sender = client.CreateSender(options.Value.Topic);

    public async ValueTask PublishAsync(AgentEvent agentEvent, CancellationToken cancellationToken = default)
    {
        var topic = options.Value.Topic;
        using var span = SwarmTelemetry.Source.StartActivity($"send {topic}", ActivityKind.Producer);
        var message = span is null
            ? AgentEventMessages.ToMessage(agentEvent)
            : AgentEventMessages.ToMessage(agentEvent, span.Id, span.TraceStateString);
        if (span is not null)
        {
            span.SetTag(MessagingAttributes.System, MessagingAttributes.ServiceBus);
            span.SetTag(MessagingAttributes.OperationType, "send");
            span.SetTag(MessagingAttributes.OperationName, "send");
            span.SetTag(MessagingAttributes.DestinationName, topic);
            span.SetTag(MessagingAttributes.MessageId, message.MessageId);
            span.SetTag(MessagingAttributes.BodySize, message.Body.ToMemory().Length);
            span.SetTag(MessagingAttributes.ServerAddress, endpoint.FullyQualifiedNamespace);
            span.SetTag(SwarmAttributes.EventType, agentEvent.Type);
            span.SetTag(SwarmAttributes.EventId, agentEvent.Id);
            span.SetTag(SwarmAttributes.WorkTeam, agentEvent.Team);
            span.SetTag(SwarmAttributes.WorkId, agentEvent.WorkId);
        }

        try
        {
            await _sender.SendMessageAsync(message, cancellationToken);
        }
        catch (Exception error)
        {
            span?.SetStatus(ActivityStatusCode.Error, error.Message);
            span?.AddException(error);
            throw;
        }

        logger.EventPublished(agentEvent.Type, agentEvent.Id);
    }

    public ValueTask DisposeAsync() => _sender.DisposeAsync();
}
