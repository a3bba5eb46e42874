using Swarm.Api;
using Swarm.Domain.Composition;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Swarm.Domain;
using Swarm.Domain.Telemetry;
using Swarm.Domain.Scrum;

namespace Swarm.Telemetry.Tests;

/// <summary>W3C context from an HTTP request, through the orchestration it schedules, to the agents' spans.</summary>
public sealed class PropagationTests
{
    [Fact]
    public async Task A_claim_over_HTTP_continues_the_callers_trace_into_the_work_items_orchestration()
    {
        var spans = new ConcurrentQueue<Activity>();
        await using var host = await StartAsync(spans, ratio: "1");
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();

        var workId = await ClaimAsync(host, "low", $"00-{traceId}-{callerSpan}-01");

        var claimed = await SpanAsync(spans, s => s.OperationName == "scrum.work.claim" && (string?)s.GetTagItem(SwarmAttributes.WorkId) == workId);
        Assert.Equal(traceId, claimed.TraceId);
        // Spans arrive as they end, and the request span ends after the client already has its response: wait for each.
        var request = await SpanAsync(spans, s => s.Source.Name == "Microsoft.AspNetCore" && s.TraceId == traceId);
        Assert.Single(spans, s => s.Source.Name == "Microsoft.AspNetCore" && s.TraceId == traceId);
        Assert.Equal(callerSpan, request.ParentSpanId);
        var entry = await SpanAsync(spans, s => s.OperationName == ClaimTelemetry.SpanName && s.TraceId == traceId);
        Assert.Single(spans, s => s.OperationName == ClaimTelemetry.SpanName && s.TraceId == traceId);
        Assert.Equal(request.SpanId, entry.ParentSpanId);
        Assert.Equal("low", entry.GetTagItem(SwarmAttributes.WorkPriority));
        await SpanAsync(spans, s => s.OperationName == "create_orchestration:WorkItemOrchestrator" && s.ParentSpanId == entry.SpanId);
        await SpanAsync(spans, s => s.OperationName == "activity:ClaimWork" && s.Kind == ActivityKind.Server && s.TraceId == traceId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_Durable_Task_client_spans_are_dropped_by_default_and_kept_on_request_without_orphans(bool keep)
    {
        var spans = new ConcurrentQueue<Activity>();
        await using var host = await TelemetryHost.StartAsync(
            new() { ["Swarm:Telemetry:DurableTaskClientSpans"] = keep ? "true" : "false" },
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(new QueueCollection(spans))));

        var report = await host.RunSeedScenarioAsync(TimeSpan.FromSeconds(90));
        host.Flush();

        var traceId = ActivityTraceId.CreateFromString(report.TraceId!);
        var trace = spans.Where(s => s.TraceId == traceId).ToDictionary(s => s.SpanId);
        var clients = trace.Values.Count(s => s.Kind == ActivityKind.Client && s.OperationName.StartsWith("activity:", StringComparison.Ordinal));
        var raised = trace.Values.Count(s => s.OperationName.StartsWith("orchestration_event:", StringComparison.Ordinal));
        var executions = trace.Values.Where(s => s.Kind == ActivityKind.Server && s.OperationName.StartsWith("activity:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(executions);
        Assert.Empty(trace.Values.Where(s => s.ParentSpanId != default && !trace.ContainsKey(s.ParentSpanId)).Select(s => s.OperationName));
        if (keep)
        {
            Assert.Equal(executions.Count, clients);
            Assert.True(raised > 0);
            Assert.All(executions, a => Assert.Equal(ActivityKind.Client, trace[a.ParentSpanId].Kind));
        }
        else
        {
            Assert.Equal(0, clients);
            Assert.Equal(0, raised);
            Assert.All(executions, a => Assert.StartsWith("orchestration:", trace[a.ParentSpanId].OperationName, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_caller_that_dropped_its_trace_is_respected_even_for_critical_work()
    {
        var spans = new ConcurrentQueue<Activity>();
        await using var host = await StartAsync(spans, ratio: "1");
        var traceId = ActivityTraceId.CreateRandom();

        var workId = await ClaimAsync(host, "critical", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-00");
        await WorkRunsAsync(host, workId);
        host.Flush();

        Assert.DoesNotContain(spans, s => s.TraceId == traceId);
        Assert.DoesNotContain(spans, s => (string?)s.GetTagItem(SwarmAttributes.WorkId) == workId);
    }

    [Fact]
    public async Task Critical_work_claimed_over_HTTP_without_trace_context_is_traced_even_when_the_ratio_keeps_nothing()
    {
        var spans = new ConcurrentQueue<Activity>();
        await using var host = await StartAsync(spans, ratio: "0");

        var critical = await ClaimAsync(host, "critical", traceParent: null);
        var low = await ClaimAsync(host, "low", traceParent: null);

        var claimed = await SpanAsync(spans, s => s.OperationName == "scrum.work.claim" && (string?)s.GetTagItem(SwarmAttributes.WorkId) == critical);
        var entry = Assert.Single(spans, s => s.OperationName == ClaimTelemetry.SpanName && s.TraceId == claimed.TraceId);
        Assert.Equal(default, entry.ParentSpanId);
        Assert.Single(entry.Links);
        await WorkRunsAsync(host, low);
        host.Flush();
        Assert.DoesNotContain(spans, s => (string?)s.GetTagItem(SwarmAttributes.WorkId) == low);
        Assert.DoesNotContain(spans, s => s.Source.Name == "Microsoft.AspNetCore");
    }

    private static async Task<TelemetryHost> StartAsync(ConcurrentQueue<Activity> spans, string ratio) =>
        await TelemetryHost.StartAsync(
            new() { ["OTEL_TRACES_SAMPLER_ARG"] = ratio },
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(new QueueCollection(spans))),
            map: app => app.MapPost("/claims/{priority}", async (string priority, SwarmCommands commands, CancellationToken ct) =>
            {
                var claim = new ClaimWork(WorkType.Task, "propagation", Enum.Parse<WorkPriority>(priority, ignoreCase: true), "prop", 1);
                using var span = ClaimTelemetry.Start(claim);
                var (item, _) = await commands.ClaimAsync(claim, null, ct);
                return Results.Text(item.Id);
            }));

    private static async Task<string> ClaimAsync(TelemetryHost host, string priority, string? traceParent)
    {
        using var http = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/claims/{priority}");
        if (traceParent is not null)
        {
            request.Headers.Add("traceparent", traceParent);
        }

        // The test's own client span would otherwise be the request's parent; the header above stands for a remote caller.
        using var untraced = SuppressInstrumentationScope.Begin();
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadAsStringAsync();
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    private static async Task WorkRunsAsync(TelemetryHost host, string workId)
    {
        var commands = host.Services.GetRequiredService<SwarmCommands>();
        await Otlp.EventuallyAsync(
            async () => await commands.GetWorkAsync(workId),
            w => w.Status != WorkStatus.Claimed,
            TimeSpan.FromSeconds(30));
    }

    private static Task<Activity> SpanAsync(ConcurrentQueue<Activity> spans, Func<Activity, bool> match) =>
        Otlp.EventuallyAsync(() => Task.FromResult(spans.FirstOrDefault(match)), s => s is not null, TimeSpan.FromSeconds(30))
            .ContinueWith(t => t.Result ?? throw new TimeoutException("the span never ended"), TaskScheduler.Default);
}

/// <summary>The in-memory exporter's collection, safe for the exporter thread and the test reading at once.</summary>
internal sealed class QueueCollection(ConcurrentQueue<Activity> queue) : ICollection<Activity>
{
    public int Count => queue.Count;
    public bool IsReadOnly => false;
    public void Add(Activity item) => queue.Enqueue(item);
    public void Clear() => queue.Clear();
    public bool Contains(Activity item) => queue.Contains(item);
    public void CopyTo(Activity[] array, int arrayIndex) => queue.CopyTo(array, arrayIndex);
    public bool Remove(Activity item) => throw new NotSupportedException();
    public IEnumerator<Activity> GetEnumerator() => queue.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
