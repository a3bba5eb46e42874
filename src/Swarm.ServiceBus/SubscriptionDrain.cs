using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Swarm.Domain.Events;

namespace Swarm.ServiceBus;

/// <summary>
/// One run of the Functions app's consumer: drains the subscription with a peek-lock receiver, handling at most
/// <see cref="ServiceBusBusOptions.MaxConcurrentCalls"/> messages at once, each through <see cref="AgentEventDelivery"/>.
/// It receives new messages for <see cref="ServiceBusBusOptions.DrainBudget"/> and ends early when nothing arrives for
/// <see cref="ServiceBusBusOptions.DrainIdleWait"/>; it only receives as many messages as it has free slots, so no
/// message waits locked while unhandled, and it renews the lock of a message whose handling outlasts half of its
/// remaining lock, so no lock is held past its lock duration.
/// </summary>
public sealed partial class SubscriptionDrain(
    AgentEventDelivery delivery,
    IOptions<ServiceBusBusOptions> options,
    TimeProvider time,
    ILogger<SubscriptionDrain> logger)
{
    /// <summary>The consumer's name in the bus ledger and <c>GET /api/bus</c>.</summary>
    public const string Consumer = "timer:DrainAgentEvents";

    /// <summary>How long a receive waits for more messages while others are still being handled: 200 ms.</summary>
    private static readonly TimeSpan BusyWait = TimeSpan.FromMilliseconds(200);

    /// <summary>Drains until idle, out of budget or cancelled; returns what the run did.</summary>
    public async Task<BusConsumerRun> RunAsync(ServiceBusReceiver receiver, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var settler = new ReceiverSettler(receiver);
        var started = time.GetUtcNow();
        var budget = time.GetTimestamp();
        var inFlight = new List<Task<Settlement>>();
        var settlements = new List<Settlement>();
        var received = 0;
        var ended = "budget";
        try
        {
            while (time.GetElapsedTime(budget) < settings.DrainBudget)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Collect(inFlight, settlements);
                var free = settings.MaxConcurrentCalls - inFlight.Count;
                if (free == 0)
                {
                    await Task.WhenAny(inFlight);
                    continue;
                }

                var left = settings.DrainBudget - time.GetElapsedTime(budget);
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                var wait = inFlight.Count == 0 ? settings.DrainIdleWait : BusyWait;
                var messages = await receiver.ReceiveMessagesAsync(free, Min(wait, left), cancellationToken);
                if (messages.Count == 0 && inFlight.Count == 0)
                {
                    ended = "idle";
                    break;
                }

                received += messages.Count;
                inFlight.AddRange(messages.Select(m => HandleAsync(receiver, settler, m, cancellationToken)));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ended = "cancelled";
        }

        // Finish what was received; each handler settles (abandoning when cancelled) and keeps its lock meanwhile.
        settlements.AddRange(await Task.WhenAll(inFlight));
        var run = new BusConsumerRun(
            Consumer,
            started,
            time.GetUtcNow(),
            received,
            settlements.Count(s => s.Action == SettlementAction.Complete),
            settlements.Count(s => s.Action == SettlementAction.DeadLetter),
            settlements.Count(s => s.Action == SettlementAction.Abandon),
            ended);
        RunEnded(logger, run.Received, run.Completed, run.DeadLettered, run.Abandoned, run.Ended);
        return run;
    }

    /// <summary>Delivers one message while a renewal loop keeps its lock until it is settled.</summary>
    private async Task<Settlement> HandleAsync(ServiceBusReceiver receiver, IMessageSettler settler, ServiceBusReceivedMessage message, CancellationToken cancellationToken)
    {
        using var handled = new CancellationTokenSource();
        var renewal = RenewLockAsync(receiver, message, handled.Token);
        try
        {
            return await delivery.DeliverAsync(message, settler, cancellationToken);
        }
        finally
        {
            await handled.CancelAsync();
            await renewal;
        }
    }

    /// <summary>
    /// Renews the message's lock each time half of what is left of it has passed. The lock duration is read from the
    /// message (locked-until minus now at reception), so it follows the subscription's setting (1 min in the Bicep).
    /// </summary>
    private async Task RenewLockAsync(ServiceBusReceiver receiver, ServiceBusReceivedMessage message, CancellationToken handled)
    {
        var duration = message.LockedUntil - time.GetUtcNow();
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        var lockedUntil = message.LockedUntil;
        try
        {
            while (true)
            {
                var left = lockedUntil - time.GetUtcNow();
                await Task.Delay(left > TimeSpan.Zero ? left / 2 : TimeSpan.Zero, time, handled);
                await receiver.RenewMessageLockAsync(message, handled);
                // The SDK moves message.LockedUntil; a receiver that does not (a test double) still gets a lock duration more.
                lockedUntil = message.LockedUntil > lockedUntil ? message.LockedUntil : time.GetUtcNow() + duration;
                LockRenewed(logger, message.MessageId, lockedUntil);
            }
        }
        catch (OperationCanceledException) when (handled.IsCancellationRequested)
        {
        }
        catch (ServiceBusException error)
        {
            // The lock is gone (or the link): settling will fail and the broker redelivers; the router makes that harmless.
            LockRenewalFailed(logger, error, message.MessageId);
        }
    }

    private static void Collect(List<Task<Settlement>> inFlight, List<Settlement> settlements)
    {
        for (var i = inFlight.Count - 1; i >= 0; i--)
        {
            if (inFlight[i].IsCompleted)
            {
                settlements.Add(inFlight[i].Result);
                inFlight.RemoveAt(i);
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(1204, LogLevel.Information, "Drained the subscription: {Received} received, {Completed} completed, {DeadLettered} dead-lettered, {Abandoned} abandoned; ended: {Ended}", EventName = "DrainEnded")]
    private static partial void RunEnded(ILogger logger, int received, int completed, int deadLettered, int abandoned, string ended);

    [LoggerMessage(1205, LogLevel.Debug, "Renewed the lock of message {MessageId} until {LockedUntil}", EventName = "LockRenewed")]
    private static partial void LockRenewed(ILogger logger, string messageId, DateTimeOffset lockedUntil);

    [LoggerMessage(1206, LogLevel.Warning, "Could not renew the lock of message {MessageId}", EventName = "LockRenewalFailed")]
    private static partial void LockRenewalFailed(ILogger logger, Exception error, string messageId);
}

/// <summary>
/// Decides which drain runs are written to the bus ledger: every run that received something, and otherwise one per
/// <see cref="ServiceBusBusOptions.LedgerHeartbeat"/> (5 min), so an idle consumer shows it is alive without an
/// orchestration event every 10 s. One per process.
/// </summary>
public sealed class DrainHeartbeat(IOptions<ServiceBusBusOptions> options)
{
    private long _lastRecordedTicks;

    /// <summary>True when <paramref name="run"/> should be recorded; records that it was.</summary>
    public bool ShouldRecord(BusConsumerRun run)
    {
        var last = Interlocked.Read(ref _lastRecordedTicks);
        if (run.Received == 0 && last != 0 && run.EndedAt.UtcTicks - last < options.Value.LedgerHeartbeat.Ticks)
        {
            return false;
        }

        Interlocked.Exchange(ref _lastRecordedTicks, run.EndedAt.UtcTicks);
        return true;
    }
}
