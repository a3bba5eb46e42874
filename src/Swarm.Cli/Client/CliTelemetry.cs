using Microsoft.Extensions.Configuration;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Swarm.Cli.Local;
using Swarm.Domain.Telemetry;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;

namespace Swarm.Cli.Client;

/// <summary>
/// The telemetry of one client command: the Swarm pipeline as <c>swarm-cli</c> (no console logging, no scrape
/// endpoint), exporting where <c>OTEL_*</c> says — or, when nothing is set and a local <c>swarm up</c> serves the URL,
/// to that stack's dashboard, so the command's span lands next to the spans it caused. Disposing it flushes.
/// </summary>
public sealed class CliTelemetry : IDisposable
{
    public const string ServiceName = "swarm-cli";

    private readonly ServiceProvider? _services;

    private CliTelemetry(ServiceProvider? services, string? exportingTo)
    {
        _services = services;
        ExportingTo = exportingTo;
    }

    /// <summary>Where the spans go, for the narration; null when they are not exported.</summary>
    public string? ExportingTo { get; }

    public static CliTelemetry Start(CliEnvironment environment, LocalStack? stack)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in environment.Variables)
        {
            settings[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        if (!environment.HasOtlpEndpoint && stack?.Otlp is { } otlp)
        {
            settings[CliEnvironment.OtlpEndpointVariable] = otlp.ToString();
            settings["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
        }

        // Every command is a process of its own; one instance id per machine and user keeps them one resource in a
        // dashboard ("swarm-cli") instead of one per run. OTEL_RESOURCE_ATTRIBUTES can still say otherwise.
        var resource = environment["OTEL_RESOURCE_ATTRIBUTES"];
        if (resource is null || !resource.Contains("service.instance.id=", StringComparison.Ordinal))
        {
            var instance = $"service.instance.id={Environment.UserName}@{Environment.MachineName}";
            settings["OTEL_RESOURCE_ATTRIBUTES"] = resource is null ? instance : $"{resource},{instance}";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSwarmTelemetry(configuration, ServiceName, o =>
        {
            o.JsonConsole = false;
            o.Prometheus = false;
        });
        var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<SwarmTelemetryOptions>();
        if (options.Disabled)
        {
            provider.Dispose();
            return new CliTelemetry(null, null);
        }

        // Built now, so the command's spans are seen from the first one.
        provider.GetService<TracerProvider>();
        provider.GetService<MeterProvider>();
        var destination = options.OtlpTraces ? configuration[CliEnvironment.OtlpEndpointVariable] ?? "OTLP" : options.AzureMonitor ? "Azure Monitor" : null;
        return new CliTelemetry(provider, destination);
    }

    /// <summary>
    /// The command's root span (kind client): the trace begins in the CLI and every request carries its
    /// <c>traceparent</c>. Always a root, whatever span a caller in the same process has open.
    /// </summary>
    public static Activity? StartCommand(string name, IEnumerable<KeyValuePair<string, object?>>? tags = null)
    {
        Activity.Current = null;
        return SwarmTelemetry.Source.StartActivity(name, ActivityKind.Client, parentContext: default, tags);
    }

    public void Dispose()
    {
        if (_services is null)
        {
            return;
        }

        _services.GetService<TracerProvider>()?.ForceFlush(5_000);
        _services.Dispose();
    }
}
