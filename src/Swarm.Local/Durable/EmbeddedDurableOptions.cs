namespace Swarm.Local.Durable;

/// <summary>Settings of the embedded Durable Task backend (in-memory store behind a loopback gRPC sidecar).</summary>
public sealed class EmbeddedDurableOptions
{
    /// <summary>Loopback port of the gRPC sidecar; 0 picks a free port when the backend is registered.</summary>
    public int Port { get; set; }

    /// <summary>Upper bound of orchestration and activity work items in flight, applied to the backend and to the worker.</summary>
    public int MaxConcurrentWorkItems { get; set; } = 1000;

    /// <summary>Name of the task hub this backend serves.</summary>
    public string TaskHub { get; set; } = "swarm";
}
