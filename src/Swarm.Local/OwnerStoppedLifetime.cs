using Microsoft.Extensions.Hosting;

namespace Swarm.Local;

/// <summary>
/// A host lifetime that leaves signals alone: the host stops only when its owner calls <c>StopAsync</c>. The generic
/// host's default (<c>ConsoleLifetime</c>) handles SIGINT, SIGQUIT and SIGTERM itself and holds process exit until its
/// host is disposed, so a host embedded in another process's control flow — the Durable sidecar inside every host,
/// and the hosts of <c>swarm up</c> and <c>swarm demo</c> inside the CLI — would stop on its own at Ctrl+C, out of
/// order with the rest, and a second Ctrl+C could no longer end the process.
/// </summary>
public sealed class OwnerStoppedLifetime : IHostLifetime
{
    /// <inheritdoc/>
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
