using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Swarm.Domain.Telemetry;

namespace Swarm.ServiceDefaults;

/// <summary>
/// The one OpenTelemetry pipeline every Swarm host uses: resource, tracing, metrics and logs; the Swarm sampler;
/// Azure Monitor and OTLP export side by side. The local host adds the Prometheus scrape endpoint.
/// </summary>
public static class SwarmTelemetryHosting
{
    /// <summary>Spans the Durable Task SDK makes for orchestrations, activities and timers in the embedded host.</summary>
    public const string DurableTaskSource = "Microsoft.DurableTask";

    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Adds the Swarm telemetry pipeline. <paramref name="defaultServiceName"/> is the host's <c>service.name</c>
    /// unless <c>OTEL_SERVICE_NAME</c> says otherwise; <paramref name="configure"/> adjusts the options read from
    /// <paramref name="configuration"/>; <paramref name="configureHost"/> lets a host add its own defaults (the Functions
    /// worker's <c>UseFunctionsWorkerDefaults()</c>) before Swarm's resource, sampler and exporters, which therefore win.
    /// </summary>
    public static IServiceCollection AddSwarmTelemetry(
        this IServiceCollection services,
        IConfiguration configuration,
        string defaultServiceName,
        Action<SwarmTelemetryOptions>? configure = null,
        Action<IOpenTelemetryBuilder>? configureHost = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = SwarmTelemetryOptions.From(configuration, defaultServiceName);
        configure?.Invoke(options);
        services.AddSingleton(options);
        if (options.Disabled)
        {
            return services;
        }

        // Azure SDK clients (Service Bus, Storage) publish their spans only behind this switch.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        var credential = AzureMonitorCredential.From(options.AzureMonitorAuthentication);
        // With a share below 1, Azure Monitor's exporters sit behind the share processors instead of the stock
        // registrations (which cannot be filtered per exporter); the share is over all traces, so the sample rate the
        // exported items carry is the host's ratio × the Azure Monitor ratio.
        var azureMonitorShare = options.AzureMonitor && options.AzureMonitorShareOfAll < 1;
        AzureMonitorExporterOptions AzureMonitorOptions(double sampleRatio = 1, string? storage = null)
        {
            var exporter = new AzureMonitorExporterOptions { SamplingRatio = (float)sampleRatio };
            AzureMonitor(exporter);
            if (storage is not null && exporter.StorageDirectory is { } directory)
            {
                exporter.StorageDirectory = Path.Combine(directory, storage);
            }

            return exporter;
        }

        BaseProcessor<Activity> AzureMonitorSpans(AzureMonitorExporterOptions exporter) =>
            new BatchActivityExportProcessor(new AzureMonitorTraceExporter(exporter), maxQueueSize: options.MaxExportQueueSize);

        void AzureMonitor(AzureMonitorExporterOptions exporter)
        {
            exporter.ConnectionString = options.AzureMonitorConnectionString;
            exporter.Credential = credential;
            if (!string.IsNullOrWhiteSpace(options.AzureMonitorStorageDirectory))
            {
                exporter.StorageDirectory = options.AzureMonitorStorageDirectory;
            }
        }

        var telemetry = services.AddOpenTelemetry();
        configureHost?.Invoke(telemetry);
        telemetry.ConfigureResource(resource => resource
            .AddService(options.ServiceName, serviceNamespace: "swarm", serviceVersion: options.ServiceVersion)
            .AddDetector(sp => new EnvironmentNameDetector(options.Environment ?? sp.GetService<IHostEnvironment>()?.EnvironmentName))
            // Last, so OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override the defaults above.
            .AddEnvironmentVariableDetector());

        telemetry.WithTracing(tracing =>
        {
            tracing
                .AddSource(SwarmTelemetry.Name, DurableTaskSource, "Azure.*")
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments(MetricsPath))
                .AddHttpClientInstrumentation();
            if (!string.IsNullOrWhiteSpace(options.BoardUrl))
            {
                // Ahead of every exporter, so the attribute is on the span before any exporter reads it.
                tracing.AddProcessor(new BoardLinkProcessor(options.BoardUrl));
            }

            if (azureMonitorShare)
            {
                tracing.AddProcessor(_ => AzureMonitorSampling.Wrap(new AzureMonitorSampling.TraceShare(
                    AzureMonitorSpans(AzureMonitorOptions()),
                    AzureMonitorSpans(AzureMonitorOptions(options.AzureMonitorShareOfAll, "sampled")),
                    options.AzureMonitorSamplingRatio)));
            }
            else if (options.AzureMonitor)
            {
                tracing.AddAzureMonitorTraceExporter(AzureMonitor);
            }

            if (options.OtlpTraces)
            {
                tracing.AddOtlpExporter(otlp =>
                {
                    otlp.BatchExportProcessorOptions.MaxQueueSize = options.MaxExportQueueSize;
                    SignalEndpoint(otlp, options.OtlpTracesEndpoint);
                });
            }

            // After the Azure Monitor exporter: building its registration sets the exporter's own sampler (5 traces/s by
            // default), and of two samplers set on one provider the one registered last is the one in effect.
            tracing.SetSampler(new SwarmSampler(options.SamplingRatio, options.DurableTaskClientSpans));
        });
        // Loud when a library replaced the sampler: an error at start and telemetry "degraded" in /api/health.
        services.AddSingleton<SamplerCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<SamplerCheck>());
        services.AddHealthChecks().AddCheck<SamplerCheck>(SamplerCheck.Name);

        telemetry.WithMetrics(metrics =>
        {
            // Exemplars: a measurement made inside a sampled span keeps that span's trace and span id, so a slow bucket
            // of swarm.agent.span_processing.duration leads to its trace (OpenMetrics on /metrics, OTLP).
            metrics.SetExemplarFilter(ExemplarFilterType.TraceBased);
            metrics
                .AddMeter(SwarmTelemetry.Name, "System.Runtime")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation();
            if (options.AzureMonitor)
            {
                metrics.AddAzureMonitorMetricExporter(AzureMonitor);
            }

            if (options.OtlpMetrics)
            {
                metrics.AddOtlpExporter(otlp => SignalEndpoint(otlp, options.OtlpMetricsEndpoint));
            }
        });

        telemetry.WithLogging(
            logging =>
            {
                if (azureMonitorShare)
                {
                    logging.AddProcessor(_ => AzureMonitorSampling.Wrap(new AzureMonitorSampling.LogShare(
                        new BatchLogRecordExportProcessor(new AzureMonitorLogExporter(AzureMonitorOptions()), maxQueueSize: options.MaxExportQueueSize),
                        options.AzureMonitorSamplingRatio)));
                }
                else if (options.AzureMonitor)
                {
                    logging.AddAzureMonitorLogExporter(AzureMonitor);
                }

                if (options.OtlpLogs)
                {
                    logging.AddOtlpExporter((otlp, processor) =>
                    {
                        processor.BatchExportProcessorOptions.MaxQueueSize = options.MaxExportQueueSize;
                        SignalEndpoint(otlp, options.OtlpLogsEndpoint);
                    });
                }
            },
            logs =>
            {
                logs.IncludeFormattedMessage = true;
                logs.IncludeScopes = true;
            });

        services.AddLogging(logging =>
        {
            // A record already carries the trace and span ids of the span it was written in (OTLP fields, Azure Monitor's
            // operation id); the hosts' default scope that repeats them as TraceId/SpanId/ParentId attributes only adds
            // three strings to every record each backend stores and bills.
            logging.Configure(factory => factory.ActivityTrackingOptions = ActivityTrackingOptions.None);

            // The Durable Task worker logs every dispatch at Information; its spans already tell that story.
            logging.AddFilter<OpenTelemetryLoggerProvider>(DurableTaskSource, LogLevel.Warning);
            logging.AddFilter<OpenTelemetryLoggerProvider>("Microsoft.AspNetCore", LogLevel.Warning);
            logging.AddFilter<OpenTelemetryLoggerProvider>("Grpc", LogLevel.Warning);
            if (options.JsonConsole)
            {
                logging.AddConsole(console => console.FormatterName = SwarmJsonConsoleFormatter.FormatterName)
                    .AddConsoleFormatter<SwarmJsonConsoleFormatter, ConsoleFormatterOptions>();
            }
        });

        return services;
    }

    /// <summary>
    /// A signal's own endpoint (<c>OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT</c>), used as given: the per-signal
    /// <c>AddOtlpExporter</c> registrations read only the shared <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> themselves.
    /// </summary>
    private static void SignalEndpoint(OpenTelemetry.Exporter.OtlpExporterOptions otlp, string? endpoint)
    {
        if (endpoint is not null)
        {
            otlp.Endpoint = new Uri(endpoint);
        }
    }

    private sealed class EnvironmentNameDetector(string? environment) : IResourceDetector
    {
        public Resource Detect() => string.IsNullOrWhiteSpace(environment)
            ? Resource.Empty
            : new Resource([new KeyValuePair<string, object>("deployment.environment.name", environment.ToLowerInvariant())]);
    }
}
