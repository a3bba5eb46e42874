using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
using Swarm.Domain.Telemetry;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;

namespace Swarm.Telemetry.Tests;

/// <summary>The standard OTEL_* settings, the resource they produce, and the JSON console.</summary>
public sealed class PipelineTests
{
    [Fact]
    public void Each_host_has_its_own_service_name_unless_OTEL_SERVICE_NAME_says_otherwise()
    {
        Assert.Equal("swarm-cli", Options([], "swarm-cli").ServiceName);
        Assert.Equal("swarm-functions", Options([], "swarm-functions").ServiceName);
        Assert.Equal("billing", Options(new() { ["OTEL_SERVICE_NAME"] = "billing" }, "swarm-local").ServiceName);
    }

    [Fact]
    public void Export_follows_the_standard_variables_signal_by_signal()
    {
        var none = Options([]);
        Assert.False(none.OtlpTraces || none.OtlpMetrics || none.OtlpLogs || none.AzureMonitor);

        var all = Options(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317", ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=x" });
        Assert.True(all.OtlpTraces && all.OtlpMetrics && all.OtlpLogs && all.AzureMonitor);

        var tracesOnly = Options(new() { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "http://127.0.0.1:4318/v1/traces" });
        Assert.True(tracesOnly.OtlpTraces);
        Assert.False(tracesOnly.OtlpMetrics || tracesOnly.OtlpLogs);

        Assert.True(Options(new() { ["OTEL_SDK_DISABLED"] = "true" }).Disabled);
        Assert.Equal(SwarmTelemetryOptions.DefaultMaxExportQueueSize, all.MaxExportQueueSize);
        Assert.Equal(512, Options(new() { ["Swarm:Telemetry:MaxExportQueueSize"] = "512" }).MaxExportQueueSize);
        Assert.Equal("/var/swarm/am", Options(new() { ["Swarm:Telemetry:AzureMonitorStorageDirectory"] = "/var/swarm/am" }).AzureMonitorStorageDirectory);
    }

    [Theory]
    [InlineData(null, null, 1.0)]
    [InlineData(null, "0.1", 0.1)]
    [InlineData("parentbased_traceidratio", "0.5", 0.5)]
    [InlineData("traceidratio", "0", 0.0)]
    [InlineData("always_off", null, 0.0)]
    [InlineData("parentbased_always_on", "0.2", 1.0)]
    public void The_ratio_comes_from_OTEL_TRACES_SAMPLER_and_its_argument(string? sampler, string? argument, double expected)
    {
        Assert.Equal(expected, Options(new() { ["OTEL_TRACES_SAMPLER"] = sampler, ["OTEL_TRACES_SAMPLER_ARG"] = argument }).SamplingRatio);
    }

    [Fact]
    public void A_sampler_argument_outside_zero_to_one_is_refused_at_startup()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Options(new() { ["OTEL_TRACES_SAMPLER_ARG"] = "1.5" }));
        Assert.Contains("OTEL_TRACES_SAMPLER_ARG", error.Message);
    }

    [Fact]
    public void The_resource_names_the_service_and_honours_OTEL_RESOURCE_ATTRIBUTES()
    {
        using var provider = Pipeline(new() { ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=staging,region=west" }, "swarm-cli");

        var resource = provider.GetRequiredService<TracerProvider>().GetResource().Attributes.ToDictionary(a => a.Key, a => a.Value);

        Assert.Equal("swarm-cli", resource["service.name"]);
        Assert.Equal("swarm", resource["service.namespace"]);
        Assert.Equal(SwarmTelemetry.Version, resource["service.version"]);
        Assert.Equal("staging", resource["deployment.environment.name"]);
        Assert.Equal("west", resource["region"]);
    }

    [Fact]
    public void The_JSON_console_writes_one_object_per_record_with_trace_and_span_ids()
    {
        using var provider = Pipeline([], "swarm-local", json: true);
        Assert.Equal(SwarmJsonConsoleFormatter.FormatterName, provider.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        using var source = new ActivitySource("Swarm.Telemetry.Tests.Console");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var span = source.StartActivity("console");
        var output = new StringWriter();
        var state = new List<KeyValuePair<string, object?>> { new("Agent", "roberts-agent"), new("Points", 3), new("{OriginalFormat}", "{Agent} {Points}") };

        new SwarmJsonConsoleFormatter().Write(
            new LogEntry<List<KeyValuePair<string, object?>>>(LogLevel.Information, "Swarm.Test", new EventId(1001, "AgentTransitioned"), state, null, (_, _) => "roberts-agent 3"),
            null,
            output);

        using var line = JsonDocument.Parse(output.ToString());
        var root = line.RootElement;
        Assert.Equal(span!.TraceId.ToHexString(), root.GetProperty("trace_id").GetString());
        Assert.Equal(span.SpanId.ToHexString(), root.GetProperty("span_id").GetString());
        Assert.Equal("roberts-agent 3", root.GetProperty("message").GetString());
        Assert.Equal("AgentTransitioned", root.GetProperty("event_name").GetString());
        Assert.Equal(3, root.GetProperty("attributes").GetProperty("Points").GetInt32());
        Assert.Equal("Information", root.GetProperty("level").GetString());
        Assert.Equal(1, output.ToString().Count(c => c == '\n'));
    }

    [Fact]
    public async Task Log_records_carry_the_span_in_their_own_fields_not_as_repeated_scope_attributes()
    {
        // The generic host turns on TraceId/SpanId/ParentId scopes by default; every exported record would repeat them.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Configuration = new ConfigurationManager() });
        builder.Logging.ClearProviders();
        var records = new List<(string? Category, ActivityTraceId TraceId, ActivitySpanId SpanId, List<string> ScopeKeys)>();
        builder.Services.AddSwarmTelemetry(builder.Configuration, "swarm-test", o =>
        {
            o.JsonConsole = false;
            o.Prometheus = false;
        });
        builder.Services.ConfigureOpenTelemetryLoggerProvider(logs => logs.AddProcessor(new Capture(records)));
        using var host = builder.Build();
        await host.StartAsync();

        using var source = new ActivitySource(SwarmTelemetry.Name);
        using (var span = source.StartActivity("roberts.motion.open"))
        {
            host.Services.GetRequiredService<ILogger<PipelineTests>>().LogInformation("motion {Motion} opened", "m-1");
            var record = Assert.Single(records, r => r.Category == typeof(PipelineTests).FullName);
            Assert.Equal((span!.TraceId, span.SpanId), (record.TraceId, record.SpanId));
            Assert.DoesNotContain(record.ScopeKeys, key => key is "TraceId" or "SpanId" or "ParentId");
        }

        await host.StopAsync();
    }

    private sealed class Capture(List<(string?, ActivityTraceId, ActivitySpanId, List<string>)> records) : BaseProcessor<LogRecord>
    {
        public override void OnEnd(LogRecord data)
        {
            var keys = new List<string>();
            data.ForEachScope<object?>((scope, _) =>
            {
                foreach (var item in scope)
                {
                    keys.Add(item.Key);
                }
            }, null);
            records.Add((data.CategoryName, data.TraceId, data.SpanId, keys));
        }
    }

    private static SwarmTelemetryOptions Options(Dictionary<string, string?> settings, string serviceName = "swarm-test") =>
        SwarmTelemetryOptions.From(new ConfigurationBuilder().AddInMemoryCollection(TelemetryHost.Isolated(settings)).Build(), serviceName);

    private static ServiceProvider Pipeline(Dictionary<string, string?> settings, string serviceName, bool json = false)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(TelemetryHost.Isolated(settings)).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSwarmTelemetry(configuration, serviceName, o =>
        {
            o.JsonConsole = json;
            o.Prometheus = false;
        });
        return services.BuildServiceProvider();
    }
}
