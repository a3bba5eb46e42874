using System.Globalization;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Swarm.Domain;
using Swarm.Domain.Events;

namespace Swarm.ServiceBus;

/// <summary>
/// <c>GET /api/bus</c> and the dead letters when Service Bus is in effect: the consumer's figures come from the bus
/// ledger (so every app instance reports the same), the dead letters from the subscription's dead-letter queue (peeked,
/// never locked, when listing). Needs only the Data Receiver and Data Sender roles on the topic.
/// </summary>
public sealed partial class ServiceBusMonitor(
    ServiceBusClient client,
    ServiceBusEndpoint endpoint,
    BusLedgerStore ledger,
    IOptions<ServiceBusBusOptions> options,
    TimeProvider time,
    ILogger<ServiceBusMonitor> logger,
    string consumer) : IAgentEventBusMonitor
{
    /// <summary>Dead letters scanned at most to find the one being resubmitted: 1000.</summary>
    public const int MaxScanned = 1000;

    /// <summary>A listed body is cut to 4096 characters.</summary>
    public const int MaxBody = 4096;

    public async Task<BusReport> DescribeAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var deadLetters = await DeadLettersAsync(IAgentEventBusMonitor.MaxListed, cancellationToken);
        return new BusReport(
            "service-bus",
            $"Agent events are published to topic '{settings.Topic}' on {endpoint.FullyQualifiedNamespace} ({endpoint.Credential}) and consumed from subscription '{settings.Subscription}' by {consumer}.",
            endpoint.FullyQualifiedNamespace,
            settings.Topic,
            settings.Subscription,
            consumer,
            await ledger.ReadAsync(cancellationToken),
            deadLetters.Count);
    }

    public async Task<IReadOnlyList<DeadLetteredEvent>> DeadLettersAsync(int max, CancellationToken cancellationToken = default)
    {
        await using var receiver = DeadLetterReceiver();
        var messages = await receiver.PeekMessagesAsync(Math.Clamp(max, 1, IAgentEventBusMonitor.MaxListed), cancellationToken: cancellationToken);
        return [.. messages.Select(Describe)];
    }

    public async Task<ResubmitOutcome> ResubmitAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var sequenceNumber))
        {
            throw new InvalidInputException("id", $"Dead letter id '{id}' is not a sequence number; GET /api/bus/dead-letters lists them.");
        }

        if (await PreviousAsync(id, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        await using var receiver = DeadLetterReceiver();
        var held = new List<ServiceBusReceivedMessage>();
        try
        {
            while (held.Count < MaxScanned)
            {
                var batch = await receiver.ReceiveMessagesAsync(100, TimeSpan.FromSeconds(2), cancellationToken);
                if (batch.Count == 0)
                {
                    break;
                }

                held.AddRange(batch);
                if (batch.FirstOrDefault(m => m.SequenceNumber == sequenceNumber) is { } found)
                {
                    held.Remove(found);
                    return await SendAgainAsync(receiver, found, id, cancellationToken);
                }
            }
        }
        finally
        {
            // Every other dead letter scanned is released at once, unchanged.
            await Task.WhenAll(held.Select(m => receiver.AbandonMessageAsync(m, cancellationToken: CancellationToken.None)));
        }

        // A resubmission that just happened may not be in the ledger yet.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            if (await PreviousAsync(id, cancellationToken) is { } recorded)
            {
                return recorded;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
        }

        throw new NotFoundException("dead letter", id);
    }

    /// <summary>
    /// Sends a copy to the topic under the message id <c>{message id}~resubmit-{sequence number}</c> — so a repeat after a
    /// crash is dropped by the topic's duplicate detection — then completes the dead letter and records the resubmission.
    /// The copy keeps the body and the trace context: the consumer continues the original trace.
    /// </summary>
    private async Task<ResubmitOutcome> SendAgainAsync(ServiceBusReceiver receiver, ServiceBusReceivedMessage found, string id, CancellationToken cancellationToken)
    {
        var copy = new ServiceBusMessage(found) { MessageId = ResubmittedMessageId(found.MessageId, id) };
        copy.ApplicationProperties.Remove("DeadLetterReason");
        copy.ApplicationProperties.Remove("DeadLetterErrorDescription");
        copy.ApplicationProperties[AgentEventMessages.ResubmittedFrom] = id;
        await using (var sender = client.CreateSender(options.Value.Topic))
        {
            await sender.SendMessageAsync(copy, cancellationToken);
        }

        await receiver.CompleteMessageAsync(found, cancellationToken);
        var resubmission = new BusResubmission(id, time.GetUtcNow(), copy.MessageId);
        await ledger.RecordAsync(new BusLedgerEntry(Resubmission: resubmission), cancellationToken);
        Resubmitted(logger, id, found.MessageId, copy.MessageId);
        return new ResubmitOutcome(id, "resubmitted", copy.MessageId, resubmission.At);
    }

    /// <summary>The message id of a resubmitted copy, at most 128 characters (Service Bus's limit).</summary>
    public static string ResubmittedMessageId(string messageId, string id)
    {
        var suffix = $"~resubmit-{id}";
        return messageId.Length + suffix.Length <= 128 ? messageId + suffix : messageId[..(128 - suffix.Length)] + suffix;
    }

    private async Task<ResubmitOutcome?> PreviousAsync(string id, CancellationToken cancellationToken) =>
        (await ledger.ReadAsync(cancellationToken)).Resubmissions.FirstOrDefault(r => r.Id == id) is { } earlier
            ? new ResubmitOutcome(id, "already-resubmitted", earlier.MessageId, earlier.At)
            : null;

    private ServiceBusReceiver DeadLetterReceiver() =>
        client.CreateReceiver(options.Value.Topic, options.Value.Subscription, new ServiceBusReceiverOptions
        {
            SubQueue = SubQueue.DeadLetter,
            ReceiveMode = ServiceBusReceiveMode.PeekLock,
        });

    private static DeadLetteredEvent Describe(ServiceBusReceivedMessage message)
    {
        var body = message.Body.ToString();
        return new DeadLetteredEvent(
            message.SequenceNumber.ToString(CultureInfo.InvariantCulture),
            message.MessageId,
            message.Subject,
            message.DeadLetterReason ?? "(none)",
            message.DeadLetterErrorDescription,
            message.DeliveryCount,
            message.EnqueuedTime == default ? null : message.EnqueuedTime,
            message.ApplicationProperties.GetValueOrDefault(AgentEventMessages.Team) as string,
            message.ApplicationProperties.GetValueOrDefault(AgentEventMessages.WorkId) as string,
            body.Length <= MaxBody ? body : body[..MaxBody]);
    }

    [LoggerMessage(1208, LogLevel.Information, "Resubmitted dead letter {Id} (message {MessageId}) as {CopyId}", EventName = "DeadLetterResubmitted")]
    private static partial void Resubmitted(ILogger logger, string id, string messageId, string copyId);
}
