using Swarm.Api;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Swarm.Domain.Telemetry;
using Swarm.Domain.Scrum;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;

namespace Swarm.Telemetry.Tests;

public sealed class SamplerTests
{
    public SamplerTests() => AzureMonitorLocal.Ensure();

    [Theory]
    [InlineData("high")]
    [InlineData("critical")]
    [InlineData("CRITICAL")]
    public void A_root_of_high_or_critical_work_is_kept_whatever_the_ratio(string priority)
    {
        var sampler = new SwarmSampler(0);

        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Root(ActivityTraceId.CreateRandom(), (SwarmAttributes.WorkPriority, priority))).Decision);
    }

    [Theory]
    [InlineData("low")]
    [InlineData("medium")]
    [InlineData(null)]
    public void A_root_of_other_work_is_dropped_at_ratio_zero(string? priority)
    {
        var sampler = new SwarmSampler(0);
        var tags = priority is null ? [] : new[] { (SwarmAttributes.WorkPriority, (object)priority) };

        // Recorded-only: created so its context flows on (sampled flag off), never exported.
        Assert.Equal(SamplingDecision.RecordOnly, sampler.ShouldSample(Root(ActivityTraceId.CreateRandom(), tags)).Decision);
    }

    [Fact]
    public void Roots_of_ordinary_work_are_kept_at_the_ratio_the_same_way_for_the_same_trace_id()
    {
        var sampler = new SwarmSampler(0.25);
        var traceIds = Enumerable.Range(0, 20_000).Select(_ => ActivityTraceId.CreateRandom()).ToList();

        var kept = traceIds.Count(id => sampler.ShouldSample(Root(id)).Decision == SamplingDecision.RecordAndSample);

        Assert.InRange(kept / 20_000.0, 0.23, 0.27);
        Assert.All(traceIds.Take(500), id => Assert.Equal(sampler.ShouldSample(Root(id)).Decision, new SwarmSampler(0.25).ShouldSample(Root(id)).Decision));
        Assert.All(traceIds.Take(500), id => Assert.Equal(SamplingDecision.RecordAndSample, new SwarmSampler(1).ShouldSample(Root(id)).Decision));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void A_child_follows_its_parent_remote_or_local_whatever_its_priority(bool parentSampled, bool remote)
    {
        var parent = new ActivityContext(
            ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), parentSampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: remote);
        var tags = new[] { new KeyValuePair<string, object?>(SwarmAttributes.WorkPriority, "critical") };

        var atRatioOne = new SwarmSampler(1).ShouldSample(new SamplingParameters(parent, parent.TraceId, "child", ActivityKind.Internal, tags));
        var atRatioZero = new SwarmSampler(0).ShouldSample(new SamplingParameters(parent, parent.TraceId, "child", ActivityKind.Internal, tags));

        var expected = parentSampled ? SamplingDecision.RecordAndSample : SamplingDecision.RecordOnly;
        Assert.Equal(expected, atRatioOne.Decision);
        Assert.Equal(expected, atRatioZero.Decision);
    }

    [Fact]
    public void The_pipeline_reads_its_ratio_from_OTEL_TRACES_SAMPLER_ARG_and_keeps_urgent_claims()
    {
        using var pipeline = Pipeline(new() { ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio", ["OTEL_TRACES_SAMPLER_ARG"] = "0" });

        AssertUrgentKeptOrdinaryDropped(pipeline);
    }

    [Fact]
    public void The_Swarm_sampler_stays_in_effect_when_Azure_Monitor_export_is_on()
    {
        using var storage = new TemporaryDirectory();
        using var pipeline = Pipeline(new()
        {
            ["OTEL_TRACES_SAMPLER_ARG"] = "0",
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = $"InstrumentationKey={FakeIngestion.InstrumentationKey};IngestionEndpoint=http://127.0.0.1:9/",
            ["Swarm:Telemetry:AzureMonitorStorageDirectory"] = storage.Path,
        });
        Assert.True(pipeline.GetRequiredService<SwarmTelemetryOptions>().AzureMonitor);

        AssertUrgentKeptOrdinaryDropped(pipeline);
        // Spread over two seconds, as the next test shows Azure Monitor's rate-limited sampler would keep some of them.
        Assert.Equal(0, RecordedOrdinaryRoots());
    }

    [Fact]
    public void Azure_Monitor_registration_replaces_any_sampler_set_before_it_which_is_why_Swarm_sets_its_own_last()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddOpenTelemetry().WithTracing(tracing => tracing
            .AddSource(SwarmTelemetry.Name)
            .SetSampler(new SwarmSampler(0))
            .AddAzureMonitorTraceExporter(o =>
            {
                o.ConnectionString = $"InstrumentationKey={FakeIngestion.InstrumentationKey};IngestionEndpoint=http://127.0.0.1:9/";
                o.DisableOfflineStorage = true;
            }));
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<TracerProvider>();

        Assert.True(RecordedOrdinaryRoots() > 0, "the exporter's rate-limited sampler kept ordinary roots: the ratio-0 sampler set before it is gone");
    }

    private static void AssertUrgentKeptOrdinaryDropped(ServiceProvider pipeline)
    {
        _ = pipeline.GetRequiredService<TracerProvider>();
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            using (var urgent = ClaimTelemetry.Start(new ClaimWork(WorkType.Feature, "urgent", WorkPriority.Critical, "alpha", 3)))
            {
                Assert.NotNull(urgent);
                Assert.True(urgent.Recorded);
                using var child = SwarmTelemetry.Source.StartActivity("scrum.work.claim");
                Assert.True(child?.Recorded);
            }

            for (var i = 0; i < 20; i++)
            {
                using var ordinary = ClaimTelemetry.Start(new ClaimWork(WorkType.Task, "ordinary", WorkPriority.Low, "alpha", 1));
                // Dropped roots still carry context (sampled flag off), so the orchestrations they start drop their spans too.
                Assert.NotNull(ordinary);
                Assert.False(ordinary.Recorded);
                using var child = SwarmTelemetry.Source.StartActivity("scrum.work.claim");
                Assert.False(child?.Recorded ?? false);
            }
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    /// <summary>Ordinary roots started over two seconds, the time a rate-limited sampler needs to let some through.</summary>
    private static int RecordedOrdinaryRoots()
    {
        var recorded = 0;
        for (var i = 0; i < 40; i++)
        {
            using var ordinary = SwarmTelemetry.Source.StartActivity("ordinary", ActivityKind.Internal, parentContext: default);
            recorded += ordinary?.Recorded == true ? 1 : 0;
            Thread.Sleep(50);
        }

        return recorded;
    }

    private static ServiceProvider Pipeline(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(TelemetryHost.Isolated(settings)).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSwarmTelemetry(configuration, "swarm-test", o =>
        {
            o.JsonConsole = false;
            o.Prometheus = false;
        });
        return services.BuildServiceProvider();
    }

    private static SamplingParameters Root(ActivityTraceId traceId, params (string Key, object Value)[] tags) =>
        new(default, traceId, "root", ActivityKind.Internal, tags.Select(t => new KeyValuePair<string, object?>(t.Key, t.Value)));
}

/// <summary>The start-up check that Swarm's sampler is the one in effect (azure-sdk-for-net issue 61703).</summary>
public sealed class SamplerCheckTests
{
    public SamplerCheckTests() => AzureMonitorLocal.Ensure();

    [Fact]
    public async Task A_library_that_replaces_the_sampler_is_reported_as_an_error_and_as_degraded_health()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = await TelemetryHost.StartAsync(services: s =>
        {
            // What a library does when it registers after Swarm: its own sampler, set last, wins.
            s.ConfigureOpenTelemetryTracerProvider(tracing => tracing.SetSampler(new AlwaysOnSampler()));
            s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs);
        });
        using var http = new HttpClient { BaseAddress = host.Address };

        var health = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/health", UriKind.Relative))).RootElement;

        Assert.Equal("degraded", health.GetProperty("status").GetString());
        var telemetry = health.GetProperty("servers").EnumerateArray().Single(s => s.GetProperty("name").GetString() == SamplerCheck.Name);
        Assert.Equal("degraded", telemetry.GetProperty("status").GetString());
        Assert.Contains("AlwaysOnSampler", telemetry.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(logs.Errors, e => e.Contains("Telemetry sampler replaced", StringComparison.Ordinal) && e.Contains("AlwaysOnSampler", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_swarms_sampler_in_effect_the_check_stays_quiet()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = await TelemetryHost.StartAsync(services: s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        using var http = new HttpClient { BaseAddress = host.Address };

        var health = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/health", UriKind.Relative))).RootElement;

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        var telemetry = health.GetProperty("servers").EnumerateArray().Single(s => s.GetProperty("name").GetString() == SamplerCheck.Name);
        Assert.Equal(("healthy", "SwarmSampler in effect"), (telemetry.GetProperty("status").GetString(), telemetry.GetProperty("detail").GetString()));
        Assert.DoesNotContain(logs.Errors, e => e.Contains("Telemetry sampler replaced", StringComparison.Ordinal));
    }

    private sealed class CapturingLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();

        public IReadOnlyList<string> Errors => [.. _errors];

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Capturing(_errors);

        public void Dispose()
        {
        }

        private sealed class Capturing(System.Collections.Concurrent.ConcurrentQueue<string> errors) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Error;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= Microsoft.Extensions.Logging.LogLevel.Error)
                {
                    errors.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
