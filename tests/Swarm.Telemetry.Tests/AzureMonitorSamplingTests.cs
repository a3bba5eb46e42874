using Microsoft.Extensions.Configuration;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
using Swarm.Api;
using Swarm.Domain;
using Swarm.Domain.Composition;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;
using Swarm.Local.Dashboard;
using Swarm.ServiceDefaults;

namespace Swarm.Telemetry.Tests;

/// <summary>
/// Azure Monitor's share of traces with full OTLP: 2,000 chains, each a claim that hands its work across a process
/// boundary (W3C traceparent and tracestate, as HTTP, the Durable Task SDK and Service Bus carry them), exported over
/// OTLP to the Aspire dashboard and to a local stand-in for Azure Monitor's ingestion with a share of 0.25.
/// </summary>
public sealed class AzureMonitorSamplingTests
{
    private const int Chains = 2_000;
    private const int SpansPerChain = 4;
    private const int LogsPerChain = 2;

    public AzureMonitorSamplingTests() => AzureMonitorLocal.Ensure();

    [Fact]
    public async Task A_quarter_of_the_traces_reach_Azure_Monitor_whole_high_priority_work_always_and_OTLP_gets_every_trace()
    {
        await using var dashboard = await AspireDashboard.StartAsync(startTimeout: TimeSpan.FromSeconds(60));
        await using var ingestion = await FakeIngestion.StartAsync();
        using var storage = new TemporaryDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(TelemetryHost.Isolated(new()
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ingestion.ConnectionString,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = dashboard.OtlpGrpc.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["Swarm:Telemetry:AzureMonitorStorageDirectory"] = storage.Path,
            [SwarmTelemetryOptions.AzureMonitorSamplingRatioKey] = "0.25",
        })).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Information));
        services.AddSwarmTelemetry(configuration, "swarm-functions", o =>
        {
            o.JsonConsole = false;
            o.Prometheus = false;
            o.MaxExportQueueSize = 65_536;
        });

        var chains = new List<(string TraceId, bool Urgent)>();
        await using (var provider = services.BuildServiceProvider())
        {
            var tracer = provider.GetRequiredService<TracerProvider>();
            var logger = provider.GetRequiredService<ILogger<AzureMonitorSamplingTests>>();
            for (var i = 0; i < Chains; i++)
            {
                var priority = (i % 10) switch { 0 => WorkPriority.High, 5 => WorkPriority.Critical, 1 or 2 or 3 => WorkPriority.Low, _ => WorkPriority.Medium };
                chains.Add((Chain(logger, i, priority), priority is WorkPriority.High or WorkPriority.Critical));
            }

            Assert.True(tracer.ForceFlush(30_000));
            Assert.True(provider.GetRequiredService<LoggerProvider>().ForceFlush(30_000));
        }

        // OTLP: every trace whole (read one trace at a time: the receiver's list answers with its most recent traces only).
        var otlp = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var deadline = Stopwatch.StartNew();
        await Parallel.ForEachAsync(chains, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chain, _) =>
        {
            var trace = await Otlp.EventuallyAsync(
                () => SpansOfAsync(dashboard.Api, chain.TraceId),
                s => s.Count >= SpansPerChain,
                TimeSpan.FromSeconds(Math.Max(0, 90 - deadline.Elapsed.TotalSeconds)));
            otlp[chain.TraceId] = trace.Count;
        });
        Assert.All(chains, c => Assert.Equal(SpansPerChain, otlp.GetValueOrDefault(c.TraceId)));

        // Azure Monitor: whole traces only, a quarter of ordinary work, all high and critical work.
        await SettledAsync(ingestion);
        var spans = ingestion.Envelopes.Where(e => e.GetProperty("name").GetString() is "Request" or "RemoteDependency").ToList();
        // Only the chains' traces: the stand-in ingestion's own request spans are traced (and sampled) too.
        var chainIds = chains.Select(c => c.TraceId).ToHashSet();
        var byTrace = spans.Where(e => chainIds.Contains(OperationId(e))).GroupBy(OperationId).ToDictionary(g => g.Key, g => g.ToList());
        Assert.All(byTrace, t => Assert.Equal(SpansPerChain, t.Value.Count));
        Assert.All(chains.Where(c => c.Urgent), c => Assert.True(byTrace.ContainsKey(c.TraceId), $"high-priority trace {c.TraceId} missing"));
        var ordinary = chains.Where(c => !c.Urgent).ToList();
        var share = ordinary.Count(c => byTrace.ContainsKey(c.TraceId)) / (double)ordinary.Count;
        Assert.InRange(share, 0.20, 0.30);

        // Each kept trace is the one the score picks, and ordinary kept items carry the rate Application Insights extrapolates by.
        Assert.All(ordinary, c => Assert.Equal(AzureMonitorSampling.Score(ActivityTraceId.CreateFromString(c.TraceId)) < 0.25, byTrace.ContainsKey(c.TraceId)));
        Assert.All(ordinary.Where(c => byTrace.ContainsKey(c.TraceId)).SelectMany(c => byTrace[c.TraceId]), e => Assert.Equal(25, e.GetProperty("sampleRate").GetDouble()));
        Assert.All(chains.Where(c => c.Urgent).SelectMany(c => byTrace[c.TraceId]), e => Assert.False(e.TryGetProperty("sampleRate", out _)));

        // Logs follow their trace: both records of each kept trace, none of a dropped one.
        var messages = ingestion.Envelopes.Where(e => e.GetProperty("name").GetString() == "Message").GroupBy(OperationId).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(byTrace.Keys, id => Assert.Equal(LogsPerChain, messages.GetValueOrDefault(id)));
        Assert.DoesNotContain(messages.Keys, id => chainIds.Contains(id) && !byTrace.ContainsKey(id));
    }

    [Fact]
    public void The_share_setting_is_validated()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SwarmTelemetryOptions.AzureMonitorSamplingRatioKey] = "1.5",
        }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => SwarmTelemetryOptions.From(configuration, "swarm-local"));
        Assert.Contains("Swarm:Telemetry:AzureMonitor:SamplingRatio", error.Message);
        Assert.Equal(0.1, SwarmTelemetryOptions.From(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [SwarmTelemetryOptions.AzureMonitorSamplingRatioKey] = "0.1" }).Build(),
            "swarm-local").AzureMonitorSamplingRatio);
    }

    [Fact]
    public void The_score_is_Application_Insights_DJB2_over_the_upper_case_trace_id()
    {
        // Computed by hand from the published algorithm: h = 5381; h = h * 33 + c over "0AF7651916CD43DD8448EB211C80319C", |h| / int.MaxValue.
        var id = ActivityTraceId.CreateFromString("0af7651916cd43dd8448eb211c80319c");
        var hash = 5381;
        foreach (var c in "0AF7651916CD43DD8448EB211C80319C")
        {
            hash = unchecked((hash * 33) + c);
        }

        Assert.Equal(Math.Abs(hash) / (double)int.MaxValue, AzureMonitorSampling.Score(id), 12);
        Assert.True(AzureMonitorSampling.MarkedKeep("congo=t61rcWkgMzE, swarm=keep"));
        Assert.False(AzureMonitorSampling.MarkedKeep("swarm=keeper"));
        Assert.True(AzureMonitorSampling.Keeps(id, "swarm=keep", share: 0));
        Assert.False(AzureMonitorSampling.Keeps(id, null, share: 0));
        Assert.True(AzureMonitorSampling.Keeps(id, null, share: 1));
    }

    /// <summary>
    /// One chain: the claim (the trace's root, with the work's priority at start), its command and a log record; then,
    /// as a consumer in another process would, the route span under the propagated W3C context, its command and a log.
    /// </summary>
    private static string Chain(ILogger logger, int i, WorkPriority priority)
    {
        var carrier = new Dictionary<string, string>();
        string traceId;
        using (var claim = ClaimTelemetry.Start(new ClaimWork(WorkType.Feature, $"chain {i}", priority, "alpha", 3)))
        {
            traceId = claim!.TraceId.ToHexString();
            using (var command = CommandTelemetry.Start(logger, "scrum.work.claim", Framework.Scrum, $"work item chain-{i}"))
            {
                command.Transitioned(new Transition("none", "claimed"));
            }

            Propagators.DefaultTextMapPropagator.Inject(new PropagationContext(claim.Context, default), carrier, (c, k, v) => c[k] = v);
        }

        Activity.Current = null;
        var context = Propagators.DefaultTextMapPropagator.Extract(default, carrier, (c, k) => c.TryGetValue(k, out var v) ? [v] : []);
        using (AgentEventRouter.StartRouteSpan(context.ActivityContext))
        {
            using var command = CommandTelemetry.Start(logger, "roberts.motion.open", Framework.Roberts, $"motion chain-{i}");
            command.Transitioned(new Transition("none", "open"));
        }

        return traceId;
    }

    /// <summary>The spans the receiver holds for one trace; none while it answers 404 (not received yet).</summary>
    private static async Task<IReadOnlyList<ReceivedSpan>> SpansOfAsync(HttpClient api, string traceId)
    {
        try
        {
            return (await Otlp.TracesAsync(api, $"/api/telemetry/traces/{traceId}")).Spans;
        }
        catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }
    }

    private static string OperationId(JsonElement envelope) => envelope.GetProperty("tags").GetProperty("ai.operation.id").GetString()!;

    /// <summary>Waits (at most 60 s) until the ingestion has received something and then nothing more for 2 s.</summary>
    private static async Task SettledAsync(FakeIngestion ingestion)
    {
        var limit = Stopwatch.StartNew();
        var last = -1;
        while (limit.Elapsed < TimeSpan.FromSeconds(60))
        {
            var count = ingestion.Envelopes.Count;
            if (count > 0 && count == last)
            {
                return;
            }

            last = count;
            await Task.Delay(2_000);
        }
    }
}

/// <summary>
/// The real hops: the seed scenario (high priority at its root) and one ordinary claim on the embedded host, with Azure
/// Monitor's share at 0. Every span the seed trace has — across the API, the Durable Task sidecar's orchestrations and
/// activities, and the bus — reaches Azure Monitor, because the trace's <c>swarm=keep</c> mark travels with its context;
/// no span of the ordinary claim's trace does.
/// </summary>
public sealed class AzureMonitorSeedScenarioTests
{
    public AzureMonitorSeedScenarioTests() => AzureMonitorLocal.Ensure();

    [Fact]
    public async Task A_high_priority_trace_reaches_Azure_Monitor_whole_through_every_hop_and_an_ordinary_one_not_at_all()
    {
        await using var ingestion = await FakeIngestion.StartAsync();
        using var storage = new TemporaryDirectory();
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        string seedTrace;
        string ordinaryTrace;
        await using (var host = await TelemetryHost.StartAsync(
                         new()
                         {
                             ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ingestion.ConnectionString,
                             ["Swarm:Telemetry:AzureMonitorStorageDirectory"] = storage.Path,
                             [SwarmTelemetryOptions.AzureMonitorSamplingRatioKey] = "0",
                         },
                         services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(new QueueCollection(spans)))))
        {
            var report = await host.RunSeedScenarioAsync(TimeSpan.FromSeconds(90));
            seedTrace = report.TraceId!;

            Activity.Current = null;
            using var api = new Swarm.Api.Client.SwarmApiClient(host.Address, null);
            var answer = await api.PostAsync("work", new ClaimWorkRequest("task", "ordinary", "medium", "ordinary", 1), null, CancellationToken.None);
            var item = answer.Read<WorkAccepted>().WorkItem;
            var claimed = await Otlp.EventuallyAsync(
                () => Task.FromResult(spans.FirstOrDefault(s => s.OperationName == "scrum.work.claim" && (string?)s.GetTagItem(SwarmAttributes.WorkId) == item.Id)),
                s => s is not null,
                TimeSpan.FromSeconds(30));
            ordinaryTrace = claimed!.TraceId.ToHexString();
            host.Flush();
        }

        var exported = spans.Where(s => s.TraceId.ToHexString() == seedTrace).Select(s => s.SpanId.ToHexString()).ToHashSet();
        Assert.True(exported.Count > 50, $"the seed trace has only {exported.Count} spans");
        // The ordinary claim's trace crossed the sidecar too: its claim command ran in an activity.
        Assert.Contains(spans, s => s.TraceId.ToHexString() == ordinaryTrace && s.OperationName.StartsWith("activity:", StringComparison.Ordinal));

        var envelopes = await Otlp.EventuallyAsync(
            () => Task.FromResult(ingestion.Envelopes.Where(e => e.GetProperty("name").GetString() is "Request" or "RemoteDependency").ToList()),
            e => e.Count(x => Operation(x) == seedTrace) >= exported.Count,
            TimeSpan.FromSeconds(30));
        var received = envelopes.Where(e => Operation(e) == seedTrace).Select(e => e.GetProperty("data").GetProperty("baseData").GetProperty("id").GetString()).ToHashSet();
        Assert.Equal(exported.Order(), received.Order());
        Assert.DoesNotContain(envelopes, e => Operation(e) == ordinaryTrace);
        Assert.DoesNotContain(ingestion.Envelopes, e => e.GetProperty("name").GetString() == "Message" && Operation(e) == ordinaryTrace);
        Assert.Contains(ingestion.Envelopes, e => e.GetProperty("name").GetString() == "Message" && Operation(e) == seedTrace);
    }

    private static string? Operation(JsonElement envelope) =>
        envelope.GetProperty("tags").TryGetProperty("ai.operation.id", out var id) ? id.GetString() : null;
}
