namespace Swarm.Domain.Events;

/// <summary>
/// One run of a bus consumer: a timer-triggered drain of the Service Bus subscription, or one reporting window of a
/// long-running processor. Counts are messages; times are UTC.
/// </summary>
/// <param name="Consumer">Which consumer ran: <c>timer:DrainAgentEvents</c> (Functions) or <c>processor</c> (embedded host).</param>
/// <param name="StartedAt">When the run began receiving.</param>
/// <param name="EndedAt">When the last message of the run was settled.</param>
/// <param name="Received">Messages received (peek-locked).</param>
/// <param name="Completed">Messages routed and completed.</param>
/// <param name="DeadLettered">Messages dead-lettered: not an agent event, or the event breaks a business rule.</param>
/// <param name="Abandoned">Messages abandoned for redelivery (a transient failure, or the run was cancelled).</param>
/// <param name="Ended">Why the run stopped: <c>idle</c> (nothing arrived within the idle wait), <c>budget</c> (its receiving time was used up), <c>cancelled</c> (the host stopped), <c>window</c> (a processor's reporting window).</param>
public sealed record BusConsumerRun(
    string Consumer,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    int Received,
    int Completed,
    int DeadLettered,
    int Abandoned,
    string Ended);

/// <summary>A dead letter that an operator resubmitted: the id they named and when.</summary>
/// <param name="Id">The dead letter's id as listed (the Service Bus sequence number, or the event id on the in-process bus).</param>
/// <param name="At">When it was resubmitted (UTC).</param>
/// <param name="MessageId">The message id of the resubmitted copy.</param>
public sealed record BusResubmission(string Id, DateTimeOffset At, string MessageId);

/// <summary>What is written to the ledger: a consumer run, or a resubmission (exactly one is set).</summary>
public sealed record BusLedgerEntry(BusConsumerRun? Run = null, BusResubmission? Resubmission = null);

/// <summary>
/// The bus consumer's record, kept by the <see cref="SwarmTasks.Orchestrators.BusLedger"/> orchestration (instance
/// <see cref="InstanceIds.BusLedger"/>) so every host instance — the Functions app's HTTP instances as well as the one
/// running the timer — reads the same figures. Totals count messages since the ledger began.
/// </summary>
public sealed record BusLedger
{
    /// <summary>Resubmissions remembered, newest first, so a repeated resubmit is recognised: 50 (about 5 KB of custom status).</summary>
    public const int MaxResubmissions = 50;

    /// <summary>The most recent run recorded (runs that found nothing are recorded at most every few minutes, as a heartbeat).</summary>
    public BusConsumerRun? LastRun { get; init; }

    /// <summary>The most recent run that received at least one message.</summary>
    public BusConsumerRun? LastActiveRun { get; init; }

    public long Runs { get; init; }
    public long Received { get; init; }
    public long Completed { get; init; }
    public long DeadLettered { get; init; }
    public long Abandoned { get; init; }

    /// <summary>The last <see cref="MaxResubmissions"/> resubmissions, newest first.</summary>
    public IReadOnlyList<BusResubmission> Resubmissions { get; init; } = [];

    /// <summary>The ledger after <paramref name="entry"/>.</summary>
    public BusLedger With(BusLedgerEntry entry)
    {
        var next = this;
        if (entry.Run is { } run)
        {
            next = next with
            {
                LastRun = run,
                LastActiveRun = run.Received > 0 ? run : LastActiveRun,
                Runs = Runs + 1,
                Received = Received + run.Received,
                Completed = Completed + run.Completed,
                DeadLettered = DeadLettered + run.DeadLettered,
                Abandoned = Abandoned + run.Abandoned,
            };
        }

        if (entry.Resubmission is { } resubmission && next.Resubmissions.All(r => r.Id != resubmission.Id))
        {
            next = next with { Resubmissions = [resubmission, .. next.Resubmissions.Take(MaxResubmissions - 1)] };
        }

        return next;
    }
}

/// <summary>
/// The ledger's orchestration: shows the ledger as its custom status, waits for one <see cref="BusLedgerEntry"/>,
/// then continues as new with the entry applied (so its history stays one event long; entries that arrive meanwhile
/// are carried over by continue-as-new).
/// </summary>
public static class BusLedgerWorkflow
{
    /// <summary>The external event that carries a <see cref="BusLedgerEntry"/>.</summary>
    public const string EntryEvent = "bus-entry";

    public static async Task<BusLedger> RunAsync(TaskOrchestrationContext context, BusLedger? ledger)
    {
        ledger ??= new BusLedger();
        context.SetCustomStatus(ledger);
        var entry = await context.WaitForExternalEvent<BusLedgerEntry>(EntryEvent);
        context.ContinueAsNew(ledger.With(entry));
        return ledger;
    }
}

/// <summary>Writes to and reads the bus ledger through the Durable client of the caller (any host, any instance).</summary>
public sealed class BusLedgerStore(AgentMailbox mailbox)
{
    /// <summary>Appends <paramref name="entry"/>, starting the ledger's orchestration the first time.</summary>
    public async Task RecordAsync(BusLedgerEntry entry, CancellationToken cancellationToken = default)
    {
        await mailbox.StartAsync(SwarmTasks.Orchestrators.BusLedger, InstanceIds.BusLedger, new BusLedger(), cancellationToken);
        await mailbox.Client.RaiseEventAsync(InstanceIds.BusLedger, BusLedgerWorkflow.EntryEvent, entry, cancellationToken);
    }

    /// <summary>The ledger as last shown; an empty one before anything was recorded.</summary>
    public async Task<BusLedger> ReadAsync(CancellationToken cancellationToken = default)
    {
        var instance = await mailbox.Client.GetInstanceAsync(InstanceIds.BusLedger, getInputsAndOutputs: true, cancellationToken);
        return instance?.ReadCustomStatusAs<BusLedger>() ?? instance?.ReadInputAs<BusLedger>() ?? new BusLedger();
    }
}

/// <summary>What the bus between the agents is and how it is doing: <c>GET /api/bus</c>.</summary>
/// <param name="Kind"><c>service-bus</c>, <c>in-process</c> (embedded host) or <c>in-invocation</c> (Functions app without Service Bus).</param>
/// <param name="Description">One sentence: how events travel and who consumes them.</param>
/// <param name="Namespace">The Service Bus namespace (host name), when Service Bus is in effect.</param>
/// <param name="Topic">The topic events are published to.</param>
/// <param name="Subscription">The subscription the swarm consumes.</param>
/// <param name="Consumer">The consumer: <c>timer:DrainAgentEvents</c>, <c>processor</c>, or null when events are routed by their publisher.</param>
/// <param name="Ledger">The consumer's runs and totals (Service Bus), or delivery totals (in-process).</param>
/// <param name="DeadLetters">Dead letters waiting, counted up to <see cref="IAgentEventBusMonitor.MaxListed"/>.</param>
public sealed record BusReport(
    string Kind,
    string Description,
    string? Namespace,
    string? Topic,
    string? Subscription,
    string? Consumer,
    BusLedger Ledger,
    int DeadLetters);

/// <summary>One dead-lettered agent event as an operator inspects it.</summary>
/// <param name="Id">The id to resubmit it by: the Service Bus sequence number, or the event id on the in-process bus.</param>
/// <param name="MessageId">The message id (the event id, unless it was resubmitted before).</param>
/// <param name="EventType">The agent event type, when the body is one.</param>
/// <param name="Reason">Why it was dead-lettered: <c>malformed-event</c>, a business-rule code such as <c>invalid-input</c>, <c>MaxDeliveryCountExceeded</c>, <c>delivery-failed</c>.</param>
/// <param name="Description">The error's message.</param>
/// <param name="DeliveryCount">Deliveries before it was dead-lettered.</param>
/// <param name="EnqueuedAt">When it was first published (UTC), when known.</param>
/// <param name="Team">The event's team, when known.</param>
/// <param name="WorkId">The event's work item, when known.</param>
/// <param name="Body">The message body as text (at most 4 KB).</param>
public sealed record DeadLetteredEvent(
    string Id,
    string? MessageId,
    string? EventType,
    string Reason,
    string? Description,
    int DeliveryCount,
    DateTimeOffset? EnqueuedAt,
    string? Team,
    string? WorkId,
    string Body);

/// <summary>The outcome of a resubmission: <c>resubmitted</c> now, or <c>already-resubmitted</c> earlier (nothing sent again).</summary>
public sealed record ResubmitOutcome(string Id, string Outcome, string MessageId, DateTimeOffset At);

/// <summary>Reports on the bus and manages its dead letters; each host registers the one for the bus in effect.</summary>
public interface IAgentEventBusMonitor
{
    /// <summary>How many dead letters are listed (and counted) at most: 100.</summary>
    const int MaxListed = 100;

    Task<BusReport> DescribeAsync(CancellationToken cancellationToken = default);

    /// <summary>The oldest <paramref name="max"/> dead letters (at most <see cref="MaxListed"/>).</summary>
    Task<IReadOnlyList<DeadLetteredEvent>> DeadLettersAsync(int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes dead letter <paramref name="id"/> again and removes it from the dead letters. Idempotent: a repeat
    /// answers <c>already-resubmitted</c> and sends nothing. Throws <see cref="NotFoundException"/> for an id that is
    /// neither waiting nor resubmitted, <see cref="InvalidInputException"/> for a malformed id.
    /// </summary>
    Task<ResubmitOutcome> ResubmitAsync(string id, CancellationToken cancellationToken = default);
}
