using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Swarm.Domain;
using Swarm.Domain.Composition;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.ServiceBus;

/// <summary>How a consumer settles a message.</summary>
public enum SettlementAction
{
    /// <summary>Routed: remove it from the subscription.</summary>
    Complete,

    /// <summary>Retrying cannot help (not an agent event, or it breaks a business rule): move it to the dead-letter queue with the reason.</summary>
    DeadLetter,

    /// <summary>It may succeed later: release the lock so the broker redelivers it, and dead-letters it after the subscription's max delivery count.</summary>
    Abandon,
}

/// <summary>
/// The one settlement decision both consumers share — the embedded host's <see cref="ServiceBusProcessor"/> and the
/// Functions app's timer drain — and that a <c>[ServiceBusTrigger]</c> with <c>ServiceBusMessageActions</c> would share too.
/// </summary>
/// <param name="Action">What to do with the message.</param>
/// <param name="Reason">The dead-letter reason: <c>malformed-event</c> or the rule's code (<c>invalid-input</c>, <c>illegal-transition</c>, <c>conflict</c>).</param>
/// <param name="Description">The error's message, at most <see cref="MaxDescription"/> characters.</param>
public sealed record Settlement(SettlementAction Action, string? Reason = null, string? Description = null)
{
    /// <summary>The dead-letter description is cut to 1024 characters (it travels as a message header).</summary>
    public const int MaxDescription = 1024;

    /// <summary>The dead-letter reason of a body that is not an agent event.</summary>
    public const string MalformedEvent = "malformed-event";

    public static readonly Settlement Complete = new(SettlementAction.Complete);

    /// <summary>The message's body could not be read as an agent event: dead-letter.</summary>
    public static Settlement ForUnreadable(Exception error) => DeadLetter(MalformedEvent, error.Message);

    /// <summary>
    /// After routing: null → complete; a broken business rule (<see cref="SwarmDomainException"/> other than
    /// <see cref="NotFoundException"/>) → dead-letter with its code; anything else — including a target not found yet
    /// and a cancelled run — → abandon, so the broker redelivers.
    /// </summary>
    public static Settlement ForRouting(Exception? error) => error switch
    {
        null => Complete,
        NotFoundException => new(SettlementAction.Abandon, Description: Cut(error.Message)),
        SwarmDomainException rule => DeadLetter(rule.Code, rule.Message),
        _ => new(SettlementAction.Abandon, Description: Cut(error.Message)),
    };

    /// <summary>The <c>messaging.servicebus.disposition_status</c> value: <c>complete</c>, <c>dead_letter</c>, <c>abandon</c>.</summary>
    public string DispositionStatus => Action switch
    {
        SettlementAction.Complete => "complete",
        SettlementAction.DeadLetter => "dead_letter",
        _ => "abandon",
    };

    private static Settlement DeadLetter(string reason, string description) => new(SettlementAction.DeadLetter, reason, Cut(description));

    private static string Cut(string text) => text.Length <= MaxDescription ? text : text[..MaxDescription];
}

/// <summary>Settles a received message; one implementation per way of receiving.</summary>
public interface IMessageSettler
{
    Task CompleteAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken);

    Task DeadLetterAsync(ServiceBusReceivedMessage message, string reason, string? description, CancellationToken cancellationToken);

    Task AbandonAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken);
}

/// <summary>Settles through a peek-lock <see cref="ServiceBusReceiver"/> (the timer drain).</summary>
public sealed class ReceiverSettler(ServiceBusReceiver receiver) : IMessageSettler
{
    public Task CompleteAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken) =>
        receiver.CompleteMessageAsync(message, cancellationToken);

    public Task DeadLetterAsync(ServiceBusReceivedMessage message, string reason, string? description, CancellationToken cancellationToken) =>
        receiver.DeadLetterMessageAsync(message, reason, description, cancellationToken);

    public Task AbandonAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken) =>
        receiver.AbandonMessageAsync(message, cancellationToken: cancellationToken);
}

/// <summary>Settles through a <see cref="ProcessMessageEventArgs"/> (the embedded host's processor).</summary>
public sealed class ProcessorSettler(ProcessMessageEventArgs args) : IMessageSettler
{
    public Task CompleteAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken) =>
        args.CompleteMessageAsync(message, cancellationToken);

    public Task DeadLetterAsync(ServiceBusReceivedMessage message, string reason, string? description, CancellationToken cancellationToken) =>
        args.DeadLetterMessageAsync(message, reason, description, cancellationToken);

    public Task AbandonAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken) =>
        args.AbandonMessageAsync(message, cancellationToken: cancellationToken);
}

/// <summary>
/// Delivers one received message to the router and settles it (<see cref="Settlement"/>). The <c>swarm.event.route</c>
/// span is the child of the publishing span (the message's <c>traceparent</c>, else its <c>Diagnostic-Id</c>) and
/// carries the messaging attributes, the delivery count, the disposition and the dead-letter reason.
/// </summary>
public sealed partial class AgentEventDelivery(
    AgentEventRouter router,
    IOptions<ServiceBusBusOptions> options,
    ILogger<AgentEventDelivery> logger)
{
    /// <summary>How long a settlement may take once the run is cancelled: 10 s (settling is what makes a hand-off count).</summary>
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Routes and settles <paramref name="message"/>; returns the settlement applied. Never throws for a routing outcome.</summary>
    public async Task<Settlement> DeliverAsync(ServiceBusReceivedMessage message, IMessageSettler settler, CancellationToken cancellationToken)
    {
        var (traceParent, traceState) = AgentEventMessages.TraceContextOf(message);
        using var span = AgentEventRouter.StartRouteSpan(CommandTelemetry.ParseParent(traceParent, traceState));
        if (span is not null)
        {
            span.SetTag(MessagingAttributes.System, MessagingAttributes.ServiceBus);
            span.SetTag(MessagingAttributes.OperationType, "process");
            span.SetTag(MessagingAttributes.OperationName, "process");
            span.SetTag(MessagingAttributes.DestinationName, options.Value.Topic);
            span.SetTag(MessagingAttributes.SubscriptionName, options.Value.Subscription);
            span.SetTag(MessagingAttributes.MessageId, message.MessageId);
            span.SetTag(MessagingAttributes.DeliveryCount, message.DeliveryCount);
            span.SetTag(MessagingAttributes.EnqueuedTime, message.EnqueuedTime.ToUnixTimeSeconds());
        }

        Settlement settlement;
        AgentEvent? agentEvent = null;
        try
        {
            agentEvent = AgentEventMessages.FromMessage(message);
        }
        catch (InvalidInputException error)
        {
            span?.SetTag(SwarmAttributes.EventId, message.MessageId);
            span?.AddException(error);
            settlement = Settlement.ForUnreadable(error);
            return await SettleAsync(message, settler, settlement, span, cancellationToken);
        }

        try
        {
            await router.RouteAsync(agentEvent, span, cancellationToken);
            settlement = Settlement.Complete;
        }
        catch (Exception error)
        {
            settlement = Settlement.ForRouting(error);
            if (settlement.Action == SettlementAction.Abandon)
            {
                logger.EventDeliveryRetry(error, agentEvent.Type, agentEvent.Id, message.DeliveryCount);
                await BackOffAsync(message.DeliveryCount, cancellationToken);
            }
        }

        return await SettleAsync(message, settler, settlement, span, cancellationToken);
    }

    /// <summary>
    /// How long a message that failed transiently is held (its lock kept) before it is abandoned: 100 ms doubled per
    /// delivery, at most 5 s. The broker redelivers an abandoned message at once, so without this a run would spend the
    /// subscription's whole max delivery count (10 in the Bicep) within milliseconds; with it, about 21 s.
    /// </summary>
    public static TimeSpan Backoff(int deliveryCount) =>
        TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Clamp(deliveryCount - 1, 0, 16))));

    private static async Task BackOffAsync(int deliveryCount, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Backoff(deliveryCount), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled: abandon at once so another run can take it.
        }
    }

    private async Task<Settlement> SettleAsync(
        ServiceBusReceivedMessage message, IMessageSettler settler, Settlement settlement, Activity? span, CancellationToken cancellationToken)
    {
        span?.SetTag(MessagingAttributes.DispositionStatus, settlement.DispositionStatus);
        if (settlement.Action != SettlementAction.Complete)
        {
            span?.SetStatus(ActivityStatusCode.Error, settlement.Description);
        }

        if (settlement.Reason is not null)
        {
            span?.SetTag(MessagingAttributes.DeadLetterReason, settlement.Reason);
        }

        // A cancelled run still settles what it handled; a lock that expired meanwhile makes the broker redeliver, which the router absorbs.
        using var settleTimeout = cancellationToken.IsCancellationRequested ? new CancellationTokenSource(SettleTimeout) : null;
        var token = settleTimeout?.Token ?? cancellationToken;
        try
        {
            switch (settlement.Action)
            {
                case SettlementAction.Complete:
                    await settler.CompleteAsync(message, token);
                    break;
                case SettlementAction.DeadLetter:
                    DeadLettered(logger, message.MessageId, settlement.Reason!, settlement.Description);
                    await settler.DeadLetterAsync(message, settlement.Reason!, settlement.Description, token);
                    break;
                default:
                    await settler.AbandonAsync(message, token);
                    break;
            }
        }
        catch (ServiceBusException error) when (error.Reason is ServiceBusFailureReason.MessageLockLost)
        {
            SettlementLost(logger, error, message.MessageId, settlement.DispositionStatus);
        }

        return settlement;
    }

    [LoggerMessage(1202, LogLevel.Warning, "Dead-lettered message {MessageId}: {Reason} ({Description})", EventName = "EventDeadLettered")]
    private static partial void DeadLettered(ILogger logger, string messageId, string reason, string? description);

    [LoggerMessage(1203, LogLevel.Warning, "Could not {Disposition} message {MessageId}: its lock was lost; the broker redelivers it", EventName = "SettlementLost")]
    private static partial void SettlementLost(ILogger logger, Exception error, string messageId, string disposition);
}
