using Microsoft.Extensions.Logging;

namespace Swarm.Local.Durable;

/// <summary>Hands the sidecar's already-filtered log records to the host's logging pipeline.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
