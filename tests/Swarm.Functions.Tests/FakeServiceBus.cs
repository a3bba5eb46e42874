using System.Diagnostics;
using Azure.Messaging.ServiceBus;

namespace Swarm.Functions.Tests;

/// <summary>
/// A Service Bus topic with one subscription, in memory, behind the SDK's own types (<see cref="ServiceBusClient"/>,
/// <see cref="ServiceBusSender"/>, <see cref="ServiceBusReceiver"/> are built for test doubles): duplicate detection
/// by message id, peek-lock with a lock duration, delivery counts, dead-lettering after the max delivery count, a
/// dead-letter sub-queue, and a count of settlements attempted after a lock had expired. No broker can run here.
/// </summary>
public sealed class FakeServiceBus
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _active = [];
    private readonly List<Entry> _deadLetters = [];
    private readonly HashSet<string> _seenIds = new(StringComparer.Ordinal);
    private readonly List<ServiceBusMessage> _sent = [];
    private readonly List<string> _settlements = [];
    private long _sequence;

    public const string Namespace = "swarm-test.servicebus.windows.net";

    /// <summary>A connection string naming <see cref="Namespace"/>; the adapter reads the namespace from it.</summary>
    public const string ConnectionString = $"Endpoint=sb://{Namespace}/;SharedAccessKeyName=test;SharedAccessKey=dGVzdA==";

    public TimeSpan LockDuration { get; set; } = TimeSpan.FromSeconds(60);
    public int MaxDeliveryCount { get; set; } = 10;

    /// <summary>Settlements tried on a message whose lock had expired (the broker refuses them).</summary>
    public int LockViolations { get; private set; }

    public int Renewals { get; private set; }
    public int DuplicatesDropped { get; private set; }

    public ServiceBusClient Client => new FakeClient(this);

    /// <summary>Every message the topic accepted, in order.</summary>
    public IReadOnlyList<ServiceBusMessage> Sent
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>Each settlement as <c>complete:{message id}</c>, <c>abandon:…</c>, <c>dead-letter:{reason}:{message id}</c>.</summary>
    public IReadOnlyList<string> Settlements
    {
        get
        {
            lock (_gate)
            {
                return [.. _settlements];
            }
        }
    }

    public int ActiveCount
    {
        get
        {
            lock (_gate)
            {
                return _active.Count;
            }
        }
    }

    /// <summary>Dead letters as (message id, reason).</summary>
    public IReadOnlyList<(string MessageId, string Reason)> DeadLetters
    {
        get
        {
            lock (_gate)
            {
                return [.. _deadLetters.Select(e => (e.Message.MessageId, e.DeadLetterReason ?? string.Empty))];
            }
        }
    }

    /// <summary>Sends as the topic would: a message id seen before is dropped (duplicate detection).</summary>
    public void Send(ServiceBusMessage message)
    {
        lock (_gate)
        {
            if (!_seenIds.Add(message.MessageId))
            {
                DuplicatesDropped++;
                return;
            }

            _sent.Add(message);
            _active.Add(new Entry(message, ++_sequence, DateTimeOffset.UtcNow));
        }
    }

    /// <summary>Puts a copy of an already-sent message back, as the broker redelivers one (bypasses duplicate detection).</summary>
    public void Redeliver(ServiceBusMessage message)
    {
        lock (_gate)
        {
            _active.Add(new Entry(message, ++_sequence, DateTimeOffset.UtcNow));
        }
    }

    private List<Entry> Queue(SubQueue subQueue) => subQueue == SubQueue.DeadLetter ? _deadLetters : _active;

    private IReadOnlyList<ServiceBusReceivedMessage> TryReceive(SubQueue subQueue, int max)
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            var taken = Queue(subQueue).Where(e => e.LockToken is null || e.LockedUntil < now).Take(max).ToList();
            foreach (var entry in taken)
            {
                entry.LockToken = Guid.NewGuid();
                entry.LockedUntil = now + LockDuration;
                entry.Deliveries++;
            }

            return [.. taken.Select(e => e.ToReceived())];
        }
    }

    private IReadOnlyList<ServiceBusReceivedMessage> Peek(SubQueue subQueue, int max)
    {
        lock (_gate)
        {
            return [.. Queue(subQueue).Take(max).Select(e => e.ToReceived())];
        }
    }

    /// <summary>Finds the locked entry a settlement names; a lost lock throws as the broker does.</summary>
    private Entry Locked(SubQueue subQueue, ServiceBusReceivedMessage message)
    {
        var entry = Queue(subQueue).FirstOrDefault(e => e.LockToken?.ToString() == message.LockToken);
        if (entry is null || entry.LockedUntil < DateTimeOffset.UtcNow)
        {
            LockViolations++;
            throw new ServiceBusException("The lock supplied is invalid.", ServiceBusFailureReason.MessageLockLost);
        }

        return entry;
    }

    private void Settle(SubQueue subQueue, ServiceBusReceivedMessage message, string action, string? reason = null, string? description = null)
    {
        lock (_gate)
        {
            var entry = Locked(subQueue, message);
            entry.LockToken = null;
            var queue = Queue(subQueue);
            switch (action)
            {
                case "complete":
                    queue.Remove(entry);
                    _settlements.Add($"complete:{entry.Message.MessageId}");
                    break;
                case "dead-letter":
                    queue.Remove(entry);
                    (entry.DeadLetterReason, entry.DeadLetterDescription) = (reason, description);
                    _deadLetters.Add(entry);
                    _settlements.Add($"dead-letter:{reason}:{entry.Message.MessageId}");
                    break;
                default:
                    _settlements.Add($"abandon:{entry.Message.MessageId}");
                    if (subQueue == SubQueue.None && entry.Deliveries >= MaxDeliveryCount)
                    {
                        queue.Remove(entry);
                        (entry.DeadLetterReason, entry.DeadLetterDescription) = ("MaxDeliveryCountExceeded", $"Message could not be consumed after {MaxDeliveryCount} delivery attempts.");
                        _deadLetters.Add(entry);
                    }

                    break;
            }
        }
    }

    private void Renew(SubQueue subQueue, ServiceBusReceivedMessage message)
    {
        lock (_gate)
        {
            Locked(subQueue, message).LockedUntil = DateTimeOffset.UtcNow + LockDuration;
            Renewals++;
        }
    }

    private sealed class Entry(ServiceBusMessage message, long sequenceNumber, DateTimeOffset enqueuedAt)
    {
        public ServiceBusMessage Message { get; } = message;
        public Guid? LockToken { get; set; }
        public DateTimeOffset LockedUntil { get; set; }
        public int Deliveries { get; set; }
        public string? DeadLetterReason { get; set; }
        public string? DeadLetterDescription { get; set; }

        public ServiceBusReceivedMessage ToReceived()
        {
            var properties = new Dictionary<string, object>(Message.ApplicationProperties);
            if (DeadLetterReason is not null)
            {
                properties["DeadLetterReason"] = DeadLetterReason;
                properties["DeadLetterErrorDescription"] = DeadLetterDescription ?? string.Empty;
            }

            return ServiceBusModelFactory.ServiceBusReceivedMessage(
                body: Message.Body,
                messageId: Message.MessageId,
                correlationId: Message.CorrelationId,
                subject: Message.Subject,
                contentType: Message.ContentType,
                properties: properties,
                lockTokenGuid: LockToken ?? default,
                deliveryCount: Deliveries,
                lockedUntil: LockedUntil,
                sequenceNumber: sequenceNumber,
                enqueuedTime: enqueuedAt);
        }
    }

    private sealed class FakeClient(FakeServiceBus bus) : ServiceBusClient
    {
        public override ServiceBusSender CreateSender(string queueOrTopicName) => new FakeSender(bus);

        public override ServiceBusReceiver CreateReceiver(string topicName, string subscriptionName, ServiceBusReceiverOptions options) =>
            new FakeReceiver(bus, options.SubQueue);

        public override ServiceBusReceiver CreateReceiver(string topicName, string subscriptionName) => new FakeReceiver(bus, SubQueue.None);

#pragma warning disable CA2215 // A test double has no connection for the base class to close.
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
#pragma warning restore CA2215
    }

    private sealed class FakeSender(FakeServiceBus bus) : ServiceBusSender
    {
        public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bus.Send(message);
            return Task.CompletedTask;
        }

#pragma warning disable CA2215 // A test double has no connection for the base class to close.
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
#pragma warning restore CA2215
    }

    private sealed class FakeReceiver(FakeServiceBus bus, SubQueue subQueue) : ServiceBusReceiver
    {
        public override async Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(
            int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default)
        {
            var waited = Stopwatch.StartNew();
            var wait = maxWaitTime ?? TimeSpan.FromSeconds(60);
            while (true)
            {
                var messages = bus.TryReceive(subQueue, maxMessages);
                if (messages.Count > 0 || waited.Elapsed >= wait)
                {
                    return messages;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            }
        }

        public override Task<IReadOnlyList<ServiceBusReceivedMessage>> PeekMessagesAsync(
            int maxMessages, long? fromSequenceNumber = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(bus.Peek(subQueue, maxMessages));

        public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
        {
            bus.Settle(subQueue, message, "complete");
            return Task.CompletedTask;
        }

        public override Task AbandonMessageAsync(
            ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
        {
            bus.Settle(subQueue, message, "abandon");
            return Task.CompletedTask;
        }

        public override Task DeadLetterMessageAsync(
            ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
        {
            bus.Settle(subQueue, message, "dead-letter", deadLetterReason, deadLetterErrorDescription);
            return Task.CompletedTask;
        }

        public override Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
        {
            bus.Renew(subQueue, message);
            return Task.CompletedTask;
        }

#pragma warning disable CA2215 // A test double has no connection for the base class to close.
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
#pragma warning restore CA2215
    }
}
