using System.Globalization;
using Microsoft.Extensions.Configuration;
using Swarm.Domain.Telemetry;

namespace Swarm.ServiceDefaults;

/// <summary>How a host's telemetry leaves the process: read from the standard <c>OTEL_*</c> and Application Insights settings and the <c>Swarm:Telemetry</c> section.</summary>
public sealed class SwarmTelemetryOptions
{
    public const string Section = "Swarm:Telemetry";

    /// <summary>The setting of <see cref="AzureMonitorSamplingRatio"/>.</summary>
    public const string AzureMonitorSamplingRatioKey = Section + ":AzureMonitor:SamplingRatio";

    /// <summary>The export queue of each signal holds at most this many items; beyond it new items are dropped, never waited for.</summary>
    public const int DefaultMaxExportQueueSize = 2048;

    /// <summary><c>service.name</c>: <c>OTEL_SERVICE_NAME</c>, else the host's own name (<c>swarm-functions</c>, <c>swarm-local</c>, <c>swarm-cli</c>).</summary>
    public string ServiceName { get; set; } = "swarm";

    public string ServiceVersion { get; set; } = SwarmTelemetry.Version;

    /// <summary><c>deployment.environment.name</c>; null takes the host environment's name.</summary>
    public string? Environment { get; set; }

    /// <summary>Fraction of root traces kept when their work is not high or critical (<c>OTEL_TRACES_SAMPLER_ARG</c>, default 1).</summary>
    public double SamplingRatio { get; set; } = 1.0;

    public bool OtlpTraces { get; set; }
    public bool OtlpMetrics { get; set; }
    public bool OtlpLogs { get; set; }

    /// <summary><c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>, the full URL traces go to (over HTTP, with its <c>/v1/traces</c> path).</summary>
    public string? OtlpTracesEndpoint { get; set; }

    /// <summary><c>OTEL_EXPORTER_OTLP_METRICS_ENDPOINT</c>.</summary>
    public string? OtlpMetricsEndpoint { get; set; }

    /// <summary><c>OTEL_EXPORTER_OTLP_LOGS_ENDPOINT</c>.</summary>
    public string? OtlpLogsEndpoint { get; set; }

    /// <summary><c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>: Azure Monitor export of all three signals when set.</summary>
    public string? AzureMonitorConnectionString { get; set; }

    /// <summary><c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>: <c>Authorization=AAD</c> (system-assigned identity) or <c>Authorization=AAD;ClientId=…</c>.</summary>
    public string? AzureMonitorAuthentication { get; set; }

    /// <summary>Where Azure Monitor keeps telemetry it could not send yet (<c>Swarm:Telemetry:AzureMonitorStorageDirectory</c>); null uses the exporter's temp folder.</summary>
    public string? AzureMonitorStorageDirectory { get; set; }

    /// <summary>
    /// Share of the sampled traces sent to Azure Monitor, 0–1 (<c>Swarm:Telemetry:AzureMonitor:SamplingRatio</c>, default 1):
    /// decided by trace id so a trace is sent whole or not at all, high and critical work always sent, OTLP unaffected.
    /// See <see cref="AzureMonitorSampling"/>.
    /// </summary>
    public double AzureMonitorSamplingRatio { get; set; } = 1.0;

    /// <summary>
    /// <c>Swarm:Telemetry:DurableTaskClientSpans</c>: keep the Durable Task SDK's client-side activity spans and
    /// raised-event spans. Default false on the local host, whose sidecar parents each activity execution on its
    /// orchestration's span (so dropping the client span orphans nothing); the Functions app keeps them unless told
    /// otherwise, because there the Durable extension in the Functions host assigns the parents.
    /// </summary>
    public bool DurableTaskClientSpans { get; set; }

    public int MaxExportQueueSize { get; set; } = DefaultMaxExportQueueSize;

    /// <summary>
    /// <c>Swarm:Telemetry:BoardUrl</c>: the swarm board's base URL (e.g. <c>http://127.0.0.1:7071/board/</c>, which
    /// <c>swarm up</c> sets). With it, spans of an orchestration carry <c>swarm.board.url</c>, the board page of their
    /// instance (<see cref="BoardLinkProcessor"/>); null adds nothing.
    /// </summary>
    public string? BoardUrl { get; set; }

    /// <summary>JSON lines on standard output carrying <c>trace_id</c>/<c>span_id</c>; off for hosts that own the console (the CLI).</summary>
    public bool JsonConsole { get; set; } = true;

    /// <summary>Keeps the Prometheus exporter's reader, which the local host's <c>/metrics</c> endpoint serves.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary><c>OTEL_SDK_DISABLED=true</c>: nothing is registered.</summary>
    public bool Disabled { get; set; }

    public bool AzureMonitor => !string.IsNullOrWhiteSpace(AzureMonitorConnectionString);

    /// <summary>Azure Monitor's share of all traces: the host's <see cref="SamplingRatio"/> × <see cref="AzureMonitorSamplingRatio"/>.</summary>
    public double AzureMonitorShareOfAll => SamplingRatio * AzureMonitorSamplingRatio;

    public static SwarmTelemetryOptions From(IConfiguration configuration, string defaultServiceName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultServiceName);

        var options = new SwarmTelemetryOptions();
        configuration.GetSection(Section).Bind(options);
        options.ServiceName = Setting(configuration, "OTEL_SERVICE_NAME") ?? defaultServiceName;
        options.Disabled |= string.Equals(Setting(configuration, "OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase);
        options.SamplingRatio = Ratio(Setting(configuration, "OTEL_TRACES_SAMPLER"), Setting(configuration, "OTEL_TRACES_SAMPLER_ARG"), options.SamplingRatio);

        var endpoint = Setting(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT") is not null;
        options.OtlpTracesEndpoint ??= Setting(configuration, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        options.OtlpMetricsEndpoint ??= Setting(configuration, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        options.OtlpLogsEndpoint ??= Setting(configuration, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT");
        options.OtlpTraces |= endpoint || options.OtlpTracesEndpoint is not null;
        options.OtlpMetrics |= endpoint || options.OtlpMetricsEndpoint is not null;
        options.OtlpLogs |= endpoint || options.OtlpLogsEndpoint is not null;

        options.AzureMonitorConnectionString ??= Setting(configuration, "APPLICATIONINSIGHTS_CONNECTION_STRING");
        options.AzureMonitorAuthentication ??= Setting(configuration, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING");
        if (Setting(configuration, AzureMonitorSamplingRatioKey) is { } share)
        {
            options.AzureMonitorSamplingRatio = double.TryParse(share, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
                ? value
                : throw new InvalidOperationException($"{AzureMonitorSamplingRatioKey} must be a number from 0 to 1; it is '{share}'.");
        }

        return options;
    }

    /// <summary>
    /// The ratio for roots of ordinary work. The standard sampler names map onto the one Swarm sampler, which is always
    /// parent-based and always keeps high and critical work: <c>always_on</c> → 1, <c>always_off</c> → 0, the ratio
    /// samplers → <c>OTEL_TRACES_SAMPLER_ARG</c>.
    /// </summary>
    internal static double Ratio(string? sampler, string? argument, double fallback)
    {
        switch (sampler?.Trim().ToLowerInvariant())
        {
            case "always_on" or "parentbased_always_on":
                return 1.0;
            case "always_off" or "parentbased_always_off":
                return 0.0;
        }

        if (argument is null)
        {
            return fallback;
        }

        if (!double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) || double.IsNaN(ratio) || ratio is < 0 or > 1)
        {
            throw new InvalidOperationException($"OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1; it is '{argument}'.");
        }

        return ratio;
    }

    private static string? Setting(IConfiguration configuration, string key) =>
        configuration[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
