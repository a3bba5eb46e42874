namespace Swarm.ServiceBus;

/// <summary>
/// Where the Service Bus adapter publishes and consumes (section <c>Swarm:ServiceBus</c>), and how a consumer run of
/// the Functions app's timer drains the subscription. Defaults suit the Bicep's subscription (lock duration 1 min,
/// max delivery count 10) and the timer's schedule (<see cref="DrainSchedule"/>, every 10 s).
/// </summary>
public sealed class ServiceBusBusOptions
{
    public const string Section = "Swarm:ServiceBus";

    /// <summary>
    /// The NCRONTAB schedule of the Functions app's consumer, <c>DrainAgentEvents</c>: every 10 seconds. The host runs
    /// a timer function as one instance across the app and starts the next run only after the current one ends.
    /// </summary>
    public const string DrainSchedule = "*/10 * * * * *";

    /// <summary>The topic every agent event is published to.</summary>
    public string Topic { get; set; } = "swarm-events";

    /// <summary>The subscription the swarm's consumer drains.</summary>
    public string Subscription { get; set; } = "swarm-agents";

    /// <summary>Messages handled at once by a consumer (the embedded host's processor, or one drain run): 8.</summary>
    public int MaxConcurrentCalls { get; set; } = 8;

    /// <summary>
    /// How long one drain run keeps receiving new messages: 8 s, most of the 10-s interval. Messages already received
    /// are finished (their locks renewed) after it.
    /// </summary>
    public TimeSpan DrainBudget { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>A drain run that receives nothing for this long ends: 2 s, so an idle subscription costs little.</summary>
    public TimeSpan DrainIdleWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A run with nothing received is still written to the bus ledger once per this period, as a heartbeat: 5 min.
    /// Runs that received something are always written.
    /// </summary>
    public TimeSpan LedgerHeartbeat { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when a value cannot work.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(Topic), nameof(Topic), "must name the topic");
        Require(!string.IsNullOrWhiteSpace(Subscription), nameof(Subscription), "must name the subscription");
        Require(MaxConcurrentCalls is >= 1 and <= 256, nameof(MaxConcurrentCalls), "must be 1-256");
        Require(DrainBudget > TimeSpan.Zero, nameof(DrainBudget), "must be positive");
        Require(DrainIdleWait > TimeSpan.Zero && DrainIdleWait <= DrainBudget, nameof(DrainIdleWait), "must be positive and at most DrainBudget");
        Require(LedgerHeartbeat > TimeSpan.Zero, nameof(LedgerHeartbeat), "must be positive");
    }

    private static void Require(bool condition, string setting, string what)
    {
        if (!condition)
        {
            throw new ArgumentException($"{Section}:{setting} {what}.", setting);
        }
    }
}

/// <summary>The namespace in effect (host name) and how the app authenticates to it.</summary>
/// <param name="FullyQualifiedNamespace">For example <c>swarm-sb.servicebus.windows.net</c>.</param>
/// <param name="Credential"><c>managed-identity</c> or <c>connection-string</c>.</param>
public sealed record ServiceBusEndpoint(string FullyQualifiedNamespace, string Credential);
