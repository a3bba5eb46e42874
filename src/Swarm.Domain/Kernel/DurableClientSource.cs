using Microsoft.DurableTask.Client;

namespace Swarm.Domain;

/// <summary>
/// Where a process-wide service (one instance for the whole host, such as <see cref="Remediation.LoadShedding"/>'s
/// cache) finds the Durable client for the call at hand: the host's one client in the embedded host, the current
/// invocation's client in Azure Functions, where a client exists only per invocation.
/// </summary>
public interface IDurableClientSource
{
    /// <summary>The client to use now. Throws <see cref="InvalidOperationException"/> when the host has none bound.</summary>
    DurableTaskClient Current { get; }
}

/// <summary>The embedded host's source: one client for the life of the host.</summary>
public sealed class HostDurableClientSource(DurableTaskClient client) : IDurableClientSource
{
    /// <inheritdoc />
    public DurableTaskClient Current => client;
}
