using Microsoft.DurableTask.Client;

namespace Swarm.Functions;

/// <summary>
/// The Durable client of the current Functions invocation. In the isolated worker a client exists only as a
/// <c>[DurableClient]</c> binding (the host sends its endpoint with each invocation); <see cref="DurableClientMiddleware"/>
/// binds it here before the function runs. It flows with the invocation's async context, so the one instance serves
/// process-wide services (<see cref="IDurableClientSource"/>) and per-invocation ones alike.
/// </summary>
public sealed class InvocationDurableClient : IDurableClientSource
{
    private readonly AsyncLocal<DurableTaskClient?> _client = new();

    /// <summary>True once the current invocation has its client.</summary>
    public bool IsBound => _client.Value is not null;

    /// <inheritdoc />
    public DurableTaskClient Current => _client.Value ?? throw new InvalidOperationException(
        "This function has no Durable client: declare a [DurableClient] DurableTaskClient parameter on it, " +
        "which is how the Functions host hands the worker a client for the invocation.");

    /// <summary>Makes <paramref name="client"/> the client of the current invocation.</summary>
    public void Bind(DurableTaskClient client) => _client.Value = client;
}
