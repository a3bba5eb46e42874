using System.Diagnostics.Metrics;

namespace Swarm.Local.Durable;

/// <summary>
/// Telemetry sources for the sidecar's own plumbing that no listener can ever enable: a disposed
/// <see cref="ActivitySource"/>, <see cref="DiagnosticListener"/> or <see cref="Meter"/> is detached from all
/// current and future listeners, so the sidecar's HTTP/2 traffic never shows up in the host's traces or metrics.
/// </summary>
internal static class SilentDiagnostics
{
    public static ActivitySource CreateActivitySource(string name)
    {
        var source = new ActivitySource(name);
        source.Dispose();
        return source;
    }

    public static DiagnosticListener CreateDiagnosticListener(string name)
    {
        var listener = new DiagnosticListener(name);
        listener.Dispose();
        return listener;
    }

    public static IMeterFactory MeterFactory { get; } = new SilentMeterFactory();

    private sealed class SilentMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            meter.Dispose();
            return meter;
        }

        public void Dispose()
        {
        }
    }
}
