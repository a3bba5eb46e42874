using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Swarm.Domain.Events;
using Swarm.ServiceBus;

namespace Swarm.Functions;

/// <summary>
/// How the Functions app consumes Service Bus without a <c>[ServiceBusTrigger]</c> (its extension is not available to
/// this build; see README "The bus"): a timer function, <see cref="DrainFunction"/>, which the host runs as one
/// instance across the app every 10 s, binds the invocation's Durable client and drains the <c>swarm-agents</c>
/// subscription (<see cref="SubscriptionDrain"/>), routing each event through the router and settling it with the same
/// decision as every other consumer. Also the bus ledger's orchestration.
/// </summary>
public sealed partial class BusFunctions(IServiceProvider services, ILogger<BusFunctions> logger)
{
    /// <summary>The consumer's function name; the Bicep keeps one instance of it always ready (<c>function:DrainAgentEvents</c>).</summary>
    public const string DrainFunction = "DrainAgentEvents";

    [Function(SwarmTasks.Orchestrators.BusLedger)]
    public static Task<BusLedger> BusLedgerOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, BusLedger? ledger) =>
        BusLedgerWorkflow.RunAsync(context, ledger);

    /// <summary>
    /// One consumer run; returns what it did, or null when Service Bus is not configured (events are then routed inside
    /// the invocation that publishes them, and there is nothing to drain). The run is written to the bus ledger when it
    /// received something, else at most once per <see cref="ServiceBusBusOptions.LedgerHeartbeat"/>.
    /// </summary>
    [Function(DrainFunction)]
    public async Task<BusConsumerRun?> DrainAgentEvents(
        [TimerTrigger(ServiceBusBusOptions.DrainSchedule)] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        if (services.GetService<SubscriptionDrain>() is not { } drain)
        {
            NoBroker(logger);
            return null;
        }

        var settings = services.GetRequiredService<IOptions<ServiceBusBusOptions>>().Value;
        BusConsumerRun run;
        await using (var receiver = services.GetRequiredService<ServiceBusClient>().CreateReceiver(
            settings.Topic, settings.Subscription, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock, PrefetchCount = 0 }))
        {
            run = await drain.RunAsync(receiver, cancellationToken);
        }

        if (services.GetRequiredService<DrainHeartbeat>().ShouldRecord(run))
        {
            try
            {
                await services.GetRequiredService<BusLedgerStore>().RecordAsync(new BusLedgerEntry(Run: run), CancellationToken.None);
            }
            catch (Exception error)
            {
                // The run's messages are settled; only its figures are missing from GET /api/bus.
                LedgerWriteFailed(logger, error, run.Received);
            }
        }

        return run;
    }

    [LoggerMessage(1301, LogLevel.Debug, "No Service Bus connection is configured: agent events are routed in the publishing invocation; nothing to drain", EventName = "NoBrokerToDrain")]
    private static partial void NoBroker(ILogger logger);

    [LoggerMessage(1302, LogLevel.Warning, "Could not write a consumer run ({Received} received) to the bus ledger", EventName = "BusLedgerWriteFailed")]
    private static partial void LedgerWriteFailed(ILogger logger, Exception error, int received);
}

/// <summary>
/// The Functions app's bus without Service Bus: <see cref="DirectAgentEventBus"/> routes each event inside the publishing
/// invocation. No consumer runs and nothing is dead-lettered — a failed hand-off fails the publishing activity, whose
/// retry delivers again.
/// </summary>
public sealed class InvocationBusMonitor : IAgentEventBusMonitor
{
    public Task<BusReport> DescribeAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new BusReport(
            "in-invocation",
            "Agent events are routed inside the Functions invocation that publishes them; a failed hand-off fails the " +
            "publishing activity, which retries. Set ServiceBusConnection__fullyQualifiedNamespace to link the agents through Service Bus.",
            null,
            null,
            null,
            null,
            new BusLedger(),
            0));

    public Task<IReadOnlyList<DeadLetteredEvent>> DeadLettersAsync(int max, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DeadLetteredEvent>>([]);

    public Task<ResubmitOutcome> ResubmitAsync(string id, CancellationToken cancellationToken = default) =>
        throw new NotFoundException("dead letter", id);
}
