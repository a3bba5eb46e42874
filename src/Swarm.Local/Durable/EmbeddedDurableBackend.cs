namespace Swarm.Local.Durable;

/// <summary>Where the embedded Durable Task backend listens; one per host.</summary>
public sealed class EmbeddedDurableBackend
{
    internal EmbeddedDurableBackend(int port, string taskHub, int maxConcurrentWorkItems)
    {
        Port = port;
        Address = new Uri($"http://127.0.0.1:{port}");
        TaskHub = taskHub;
        MaxConcurrentWorkItems = maxConcurrentWorkItems;
    }

    /// <summary>The sidecar's gRPC address (HTTP/2 without TLS on the loopback interface).</summary>
    public Uri Address { get; }

    /// <summary>The sidecar's TCP port.</summary>
    public int Port { get; }

    /// <summary>Name of the task hub this backend serves.</summary>
    public string TaskHub { get; }

    /// <summary>Upper bound of work items in flight per kind.</summary>
    public int MaxConcurrentWorkItems { get; }
}
