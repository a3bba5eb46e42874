namespace Swarm.Local.Durable;

/// <summary>Settings of the embedded Durable Task backend: a loopback gRPC sidecar over an orchestration service.</summary>
public sealed class EmbeddedDurableOptions
{
    /// <summary>Loopback port of the gRPC sidecar; 0 picks a free port when the backend is registered.</summary>
    public int Port { get; set; }

    /// <summary>Upper bound of orchestration and activity work items in flight, applied to the backend and to the worker.</summary>
    public int MaxConcurrentWorkItems { get; set; } = 1000;

    /// <summary>
    /// Name of the task hub this backend serves: letters and digits, starting with a letter, 3–45 characters (the
    /// Azure Storage provider derives queue, table and container names from it; <c>SWARM_TASK_HUB</c> in host.json).
    /// </summary>
    public string TaskHub { get; set; } = "swarm";

    /// <summary>
    /// The Durable Task Framework's Azure Storage provider — what the Functions host runs on — against Azurite or a
    /// storage account; null keeps the in-memory service, whose state ends with the process.
    /// </summary>
    public DurableStorageOptions? AzureStorage { get; set; }
}

/// <summary>
/// Where and how the Azure Storage provider (<c>Microsoft.Azure.DurableTask.AzureStorage</c>) keeps the task hub.
/// Exactly one of <see cref="ConnectionString"/> and <see cref="AccountName"/> is set.
/// </summary>
public sealed class DurableStorageOptions
{
    /// <summary>A storage connection string (<c>AzureWebJobsStorage</c>; Azurite's carries its well-known development key).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// A storage account reached with <c>DefaultAzureCredential</c> (<c>AzureWebJobsStorage__accountName</c>), at
    /// <c>https://{name}.{blob|queue|table}.core.windows.net</c>; <see cref="ClientId"/> picks a user-assigned identity.
    /// </summary>
    public string? AccountName { get; set; }

    /// <summary>Client id of a user-assigned managed identity (<c>AzureWebJobsStorage__clientId</c>), with <see cref="AccountName"/>.</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// This host's name in the task hub's partition leases. It must be stable across restarts — a restarted host with
    /// the same id takes its leases back at once, another id waits out the 30 s lease — and differ between hosts that
    /// share a hub (<c>swarm up</c> uses <c>swarm-{machine}-{api port}</c>).
    /// </summary>
    public string WorkerId { get; set; } = Environment.MachineName;

    /// <summary>
    /// Control-queue partitions, 1–16, fixed when the hub is created (later values are ignored). 4, the provider's
    /// default: the measured throughput on two cores did not change with it (docs/durable-backend.md).
    /// </summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>
    /// The longest wait between polls of an idle queue. 1 s locally: the provider's 30 s default delays the first
    /// message after a quiet spell by up to 30 s, while 25 ms costs a third of a core when idle (measured).
    /// </summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a dequeued control-queue or work-item message stays invisible to other hosts: 30 s locally. A host
    /// that dies mid-episode leaves its messages invisible this long before the next host can process them; the
    /// provider's default of 5 min would stall a restarted <c>swarm up</c> for minutes. The agents' episodes and
    /// activities take well under a second, so 30 s never expires under a live host.
    /// </summary>
    public TimeSpan MessageVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an orchestration's session stays open after an episode that leaves it running, waiting for its next
    /// message with its history in memory (the provider's extended sessions, kept open by the proxy because the
    /// sidecar's dispatcher does not): 5 s locally; <see cref="TimeSpan.Zero"/> turns them off. The next message
    /// within it skips the read of the instance's history from the History table: on Azurite about 10 ms less per
    /// activity hop and a third less emulator CPU (docs/durable-backend.md). A session holds its partition: a host
    /// hands a partition lease to another only once its sessions there have ended, so this also bounds that delay.
    /// Durable Functions' default is 30 s.
    /// </summary>
    public TimeSpan ExtendedSessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether extended sessions are on: <see cref="ExtendedSessionIdleTimeout"/> above zero.</summary>
    internal bool ExtendedSessions => ExtendedSessionIdleTimeout > TimeSpan.Zero;

    /// <summary>
    /// The least severe record of the provider (log category <c>DurableTask.AzureStorage</c>) passed on to the host's
    /// logging: <see cref="Microsoft.Extensions.Logging.LogLevel.Warning"/> by default, because at
    /// <see cref="Microsoft.Extensions.Logging.LogLevel.Information"/> it logs every queue poll, message and lease
    /// renewal. Raise it to read a partition take-over (<c>Swarm:Durable:AzureStorage:LogLevel=Information</c>); the
    /// host's own filters (e.g. <c>Logging:Console:LogLevel</c>) still apply after it.
    /// </summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Warning;
}
