using Microsoft.DurableTask.Client;

namespace Swarm.Hosting.Functions;

/// <summary>
/// The Durable client of the current Functions invocation. In the isolated worker a client exists only as a
/// <c>[DurableClient]</c> binding (the host sends the endpoint with each invocation); the worker middleware puts
/// it here before the function runs, and the agents' services resolve <see cref="DurableTaskClient"/> from it.
/// </summary>
public sealed class InvocationDurableClient
{
    private DurableTaskClient? _client;

    public bool IsBound => _client is not null;

    public DurableTaskClient Client => _client ?? throw new InvalidOperationException(
        "This function has no Durable client: declare a [DurableClient] DurableTaskClient parameter on it, " +
        "which is how the Functions host hands the worker a client for the invocation.");

    public void Bind(DurableTaskClient client) => _client = client;
}
