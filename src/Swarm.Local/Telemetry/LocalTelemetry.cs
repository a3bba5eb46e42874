using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Instrumentation.Http;
using OpenTelemetry.Metrics;
using Swarm.Local.Durable;
using Swarm.ServiceDefaults;

namespace Swarm.Local.Telemetry;

/// <summary>
/// The local host's telemetry: Swarm's pipeline from the service defaults, plus what only a local host has — the
/// Prometheus scrape endpoint that a local Prometheus alerts on, and the embedded sidecar's traffic kept out of spans.
/// The Functions app has neither: Azure Monitor alerts on the exported metrics there.
/// </summary>
public static class LocalTelemetry
{
    /// <summary>
    /// <see cref="SwarmTelemetryHosting.AddSwarmTelemetry"/>, and the Prometheus exporter's reader unless telemetry is off
    /// or <c>Swarm:Telemetry:Prometheus</c> is false.
    /// </summary>
    public static IServiceCollection AddLocalSwarmTelemetry(
        this IServiceCollection services,
        IConfiguration configuration,
        string defaultServiceName,
        Action<SwarmTelemetryOptions>? configure = null)
    {
        services.AddSwarmTelemetry(configuration, defaultServiceName, configure);
        var options = SwarmTelemetryOptions.From(configuration, defaultServiceName);
        configure?.Invoke(options);
        if (options.Disabled)
        {
            return services;
        }

        if (options.Prometheus)
        {
            services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddPrometheusExporter());
        }

        services.AddOptions<HttpClientTraceInstrumentationOptions>().Configure<IServiceProvider>((http, sp) =>
        {
            // The embedded backend's gRPC channel makes no HTTP spans today; should it ever, they are plumbing, not work.
            var sidecarPort = sp.GetService<EmbeddedDurableBackend>()?.Port;
            http.FilterHttpRequestMessage = request => sidecarPort is null || request.RequestUri?.Port != sidecarPort;
        });
        return services;
    }

    /// <summary>Serves the Prometheus exposition of every instrument at <c>/metrics</c>, for a local Prometheus to scrape and alert on.</summary>
    public static IEndpointRouteBuilder MapSwarmMetrics(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.ServiceProvider.GetService<SwarmTelemetryOptions>();
        if (options is { Disabled: true } or { Prometheus: false })
        {
            // Telemetry is off (OTEL_SDK_DISABLED) or the scrape endpoint is: say so instead of failing at start.
            app.MapGet(SwarmTelemetryHosting.MetricsPath, () => Results.Problem(
                "Metrics are not exported by this host (OTEL_SDK_DISABLED or Swarm:Telemetry:Prometheus=false).",
                statusCode: StatusCodes.Status404NotFound,
                title: "Metrics disabled"));
            return app;
        }

        app.MapPrometheusScrapingEndpoint(SwarmTelemetryHosting.MetricsPath);
        return app;
    }
}
