namespace Swarm.Local.Durable;

/// <summary>Where the embedded Durable Task backend listens and what it runs on; one per host.</summary>
public sealed class EmbeddedDurableBackend
{
    internal EmbeddedDurableBackend(int port, string taskHub, int maxConcurrentWorkItems, DurableStorageOptions? storage)
    {
        Port = port;
        Address = new Uri($"http://127.0.0.1:{port}");
        TaskHub = taskHub;
        MaxConcurrentWorkItems = maxConcurrentWorkItems;
        Storage = storage;
    }

    /// <summary>The sidecar's gRPC address (HTTP/2 without TLS on the loopback interface).</summary>
    public Uri Address { get; }

    /// <summary>The sidecar's TCP port.</summary>
    public int Port { get; }

    /// <summary>Name of the task hub this backend serves.</summary>
    public string TaskHub { get; }

    /// <summary>Upper bound of work items in flight per kind.</summary>
    public int MaxConcurrentWorkItems { get; }

    /// <summary>The Azure Storage provider's account and tuning; null for the in-memory service.</summary>
    public DurableStorageOptions? Storage { get; }

    /// <summary><c>azure-storage</c> (state survives the process) or <c>in-memory</c> (state ends with it).</summary>
    public string Kind => Storage is null ? "in-memory" : "azure-storage";

    /// <summary>Holds the dispatch of work items while the host starts (<c>swarm up</c> until Prometheus' first scrape); open unless held.</summary>
    public DispatchHold Dispatch { get; } = new();

    /// <summary>Whether orchestration state survives a restart of the process.</summary>
    public bool IsDurable => Storage is not null;
}
