using Swarm.Cli.Output;

namespace Swarm.Cli.Tests;

/// <summary>One <c>swarm up</c> child process shared by the tests of <see cref="UpTests"/>.</summary>
public sealed class UpFixture : IAsyncLifetime
{
    public UpStack Stack { get; private set; } = null!;

    // These tests post their alerts to the API themselves; the real Prometheus → Alertmanager loop (AlertLoopUpTests)
    // is left out, because on a busy machine its SlowTransitions rule fired during a run (agent commands' p95 over
    // 100 ms under --demo-timers) and its load shedding answered this stack's claims with 503.
    public async Task InitializeAsync() => Stack = await UpStack.StartAsync("--no-alerting");

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class UpCollection : ICollectionFixture<UpFixture>
{
    public const string Name = "swarm up";
}

/// <summary><c>swarm up</c> as a child process: the API, <c>/metrics</c> and the dashboard; the CLI's spans and the swarm's in one trace.</summary>
[Collection(UpCollection.Name)]
public sealed class UpTests(UpFixture fixture)
{
    private UpStack Stack => fixture.Stack;

    [Fact]
    public async Task Up_is_ready_in_seconds_and_serves_the_api_the_metrics_and_the_dashboard()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        var health = await http.GetStringAsync(new Uri($"{Stack.Api}/api/health"));
        using var metrics = await http.GetAsync(new Uri($"{Stack.Api}/metrics"));
        using var dashboard = await http.GetAsync(new Uri(new Uri(Stack.Dashboard), "/api/telemetry/traces"));

        Assert.Contains("healthy", health, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, dashboard.StatusCode);
        Assert.StartsWith("http://127.0.0.1:", Stack.Dashboard, StringComparison.Ordinal);
        Assert.StartsWith("http://127.0.0.1:", Stack.State.GetProperty("otlp").GetString(), StringComparison.Ordinal);
        Assert.Contains($"{Stack.Api}/api", Stack.Output, StringComparison.Ordinal);
        Assert.Contains($"{Stack.Api}/metrics", Stack.Output, StringComparison.Ordinal);
        Assert.Contains(Stack.Dashboard, Stack.Output, StringComparison.Ordinal);
        Assert.Contains("ready in", Stack.Output, StringComparison.Ordinal);
        // On a port other than the default, the hint says how to reach this API.
        Assert.Contains($"swarm demo --url {Stack.Api} (or export SWARM_URL={Stack.Api})", Stack.Output, StringComparison.Ordinal);
        Assert.True(Stack.ReadyAfter < TimeSpan.FromSeconds(20), $"ready after {Stack.ReadyAfter}");
    }

    [Fact]
    public async Task A_claim_from_the_cli_reaches_the_dashboard_as_one_trace_that_begins_in_the_cli_and_swarm_trace_draws_it()
    {
        var claim = await Cli.RunProcessAsync(["work", "claim", "feature", "Traced from the CLI", "high", "--team", "t-up", "--url", Stack.Api, "--json"], Stack.Environment);
        Assert.True(claim.ExitCode == 0, claim.ToString());
        var id = claim.Json().GetProperty("id").GetString()!;

        using var api = new HttpClient { BaseAddress = new Uri(Stack.Dashboard), Timeout = TimeSpan.FromSeconds(10) };
        var spans = await Cli.EventuallyAsync(
            async () => TraceTree.Parse(await api.GetStringAsync(new Uri("/api/telemetry/traces?limit=1000", UriKind.Relative))),
            all => all.Any(s => s["swarm.work.id"] == id && s.Name == "roberts.motion.open") && all.Any(s => s.Name == "swarm.cli.work.claim" && s["swarm.work.id"] == id),
            TimeSpan.FromSeconds(30));

        var root = Assert.Single(spans, s => s.Name == "swarm.cli.work.claim" && s["swarm.work.id"] == id);
        Assert.Equal("swarm-cli", root.Service);
        Assert.Null(root.ParentSpanId);
        Assert.Equal("high", root["swarm.work.priority"]);
        var trace = spans.Where(s => s.TraceId == root.TraceId).ToList();
        Assert.Contains(trace, s => s.Service == "swarm-local" && s.Name == "POST /api/work");
        Assert.Contains(trace, s => s.Service == "swarm-local" && s.Name == "scrum.work.claim" && s["swarm.work.id"] == id);
        Assert.Contains(trace, s => s.Name == "roberts.motion.open" && s["swarm.motion.id"] == $"approve-{id}");

        var drawn = await Cli.RunProcessAsync(["trace", id, "--url", Stack.Api], Stack.Environment);
        Assert.True(drawn.ExitCode == 0, drawn.ToString());
        Assert.Contains($"trace {root.TraceId}", drawn.Out, StringComparison.Ordinal);
        Assert.Contains("swarm.cli.work.claim", drawn.Out, StringComparison.Ordinal);
        Assert.Contains("scrum.work.claim", drawn.Out, StringComparison.Ordinal);
        Assert.Contains("none → claimed", drawn.Out, StringComparison.Ordinal);
        Assert.Contains("swarm-local", drawn.Out, StringComparison.Ordinal);
        Assert.Contains($"{Stack.Dashboard}/traces/detail/{root.TraceId}", drawn.Out, StringComparison.Ordinal);

        var json = await Cli.RunProcessAsync(["trace", id, "--url", Stack.Api, "--json"], Stack.Environment);
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal(id, json.Json().GetProperty("workId").GetString());
        Assert.Contains(root.TraceId, json.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trace_of_work_the_dashboard_never_saw_exits_1()
    {
        var result = await Cli.RunProcessAsync(["trace", "0000000000000000", "--url", Stack.Api, "--wait", "1"], Stack.Environment);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("no span of work item 0000000000000000", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_board_shows_the_seed_scenarios_objects_an_instances_history_and_an_incidents_steps_linked_to_their_trace()
    {
        var demo = await Cli.RunProcessAsync(["demo", "--url", Stack.Api, "--json", "--timeout", "90"], Stack.Environment, TimeSpan.FromSeconds(120));
        Assert.True(demo.ExitCode == 0, demo.ToString());
        var report = demo.Json();
        var motion = report.GetProperty("processChangeMotionId").GetString()!;
        var traceId = report.GetProperty("traceId").GetString()!;
        var workItem = report.GetProperty("work")[0].GetProperty("id").GetString()!;
        Assert.Contains($"{Stack.Api}/board", Stack.Output, StringComparison.Ordinal);

        // An Alertmanager notification opens an incident whose steps carry trace ids.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var alert = await http.PostAsync(
            new Uri($"{Stack.Api}/api/alerts"),
            new StringContent("""{"version":"4","status":"firing","receiver":"swarm","groupKey":"board","alerts":[{"status":"firing","labels":{"alertname":"BoardCheck","team":"alpha","severity":"info"},"annotations":{"summary":"board check"},"startsAt":"2026-11-30T00:00:00Z","fingerprint":"b0a4d"}]}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(alert.IsSuccessStatusCode, await alert.Content.ReadAsStringAsync());
        var incident = await Cli.EventuallyAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync(new Uri($"{Stack.Api}/api/remediations?policy=BoardCheck"))).RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).FirstOrDefault(),
            id => id is not null,
            TimeSpan.FromSeconds(30));

        // After the demo, the team agent waits on its next work (an external event) or on a timer, and switches between
        // them: the browser tries what some instance waits on now first, then the other.
        var onEvent = JsonDocument.Parse(await http.GetStringAsync(new Uri($"{Stack.Api}/api/instances?waitingOn=an%20external%20event"))).RootElement;
        var waitingOn = onEvent.GetProperty("count").GetInt32() > 0 ? "an external event|timer" : "timer|an external event";

        var folder = Path.Combine(Cli.RepositoryRoot, "artifacts", "screenshots");
        var board = await Browser.RunScriptAsync(
            "board.mjs",
            folder,
            new()
            {
                ["BOARD_INSTANCE"] = $"motion-{motion}",
                ["BOARD_EXPECT_GOVERNANCE"] = motion,
                ["BOARD_EXPECT_DELIVERY"] = "points closed",
                ["BOARD_EXPECT_IMPROVEMENT"] = "defect-sprint42",
                ["BOARD_EXPECT_WORK"] = "Fix login timeout",
                ["BOARD_INCIDENT"] = incident!,
                ["BOARD_WORK_ITEM"] = workItem,
                ["BOARD_WAITING_ON"] = waitingOn,
            },
            $"{Stack.Api}/",
            folder);

        string Text(string page) => board.GetProperty("pages").GetProperty(page).GetProperty("text").GetString()!;
        Assert.Contains("Roberts", Text("overview"), StringComparison.Ordinal);
        Assert.Contains(motion, Text("governance"), StringComparison.Ordinal);
        Assert.Contains("4–1", Text("governance"), StringComparison.Ordinal);
        Assert.Matches(@"42\s+closed\s+11\s+20 %", Text("delivery"));
        Assert.Contains("Sprint 42 burndown", Text("delivery"), StringComparison.Ordinal);
        Assert.Contains("Velocity and defect rate per sprint", Text("delivery"), StringComparison.Ordinal);
        Assert.Contains("13 of 13 points closed (completed or failed), 0 left", Text("delivery"), StringComparison.Ordinal);
        Assert.Contains("defect-sprint42", Text("improvement"), StringComparison.Ordinal);
        Assert.Contains("missing regression tests", Text("improvement"), StringComparison.Ordinal);
        Assert.Contains("Fix login timeout", Text("work"), StringComparison.Ordinal);
        Assert.Contains("failed", Text("work"), StringComparison.Ordinal);
        Assert.Contains("MotionOrchestrator", Text("instances"), StringComparison.Ordinal);
        Assert.Contains("task-scheduled", Text("instance"), StringComparison.Ordinal);
        Assert.Contains("ApplyMotionCommand", Text("instance"), StringComparison.Ordinal);
        Assert.StartsWith($"{Stack.Dashboard.TrimEnd('/')}/traces/detail/", board.GetProperty("traceLink").GetString(), StringComparison.Ordinal);
        Assert.Contains("Total spans", Text("trace"), StringComparison.Ordinal);

        // Links both ways: each history event and each transition of a work item leads to its trace (and span).
        var dashboardTraces = $"{Stack.Dashboard.TrimEnd('/')}/traces/detail/";
        Assert.StartsWith($"{dashboardTraces}{traceId}", board.GetProperty("eventTraceLink").GetString(), StringComparison.Ordinal);
        var transitionLinks = board.GetProperty("transitionTraceLinks").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Equal(5, transitionLinks.Count);
        Assert.All(transitionLinks, l => Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(dashboardTraces + traceId)}\\?spanId=[0-9a-f]{{16}}$", l));
        Assert.Matches(@"claim\s+none\s+claimed", Text("work-item"));
        Assert.Matches(@"complete\s+in-progress\s+completed", Text("work-item"));
        var shown = board.GetProperty("waitingOn").GetString()!;
        Assert.Contains(shown, waitingOn.Split('|'));
        Assert.Contains($"waiting on {shown}", Text("waiting"), StringComparison.Ordinal);
        Assert.DoesNotContain("completed", Text("waiting"), StringComparison.Ordinal);

        Assert.All(new[] { "overview", "governance", "delivery", "improvement", "work", "instances", "instance", "work-item", "waiting", "incidents" }, page => Assert.DoesNotContain("Unreachable", Text(page), StringComparison.Ordinal));
        foreach (var page in new[] { "overview", "governance", "delivery", "improvement", "work", "instances", "instance", "work-item", "waiting", "incidents", "trace" })
        {
            var bytes = await File.ReadAllBytesAsync(board.GetProperty("pages").GetProperty(page).GetProperty("file").GetString()!);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }

    [Fact]
    public async Task After_a_demo_run_a_real_browser_shows_the_swarms_trace_in_the_dashboard()
    {
        var demo = await Cli.RunProcessAsync(["demo", "--url", Stack.Api, "--json", "--timeout", "90"], Stack.Environment, TimeSpan.FromSeconds(120));
        Assert.True(demo.ExitCode == 0, demo.ToString());
        var traceId = demo.Json().GetProperty("traceId").GetString()!;
        using var api = new HttpClient { BaseAddress = new Uri(Stack.Dashboard), Timeout = TimeSpan.FromSeconds(10) };
        var trace = await Cli.EventuallyAsync(
            async () => TraceTree.Parse(await api.GetStringAsync(new Uri($"/api/telemetry/traces/{traceId}", UriKind.Relative))),
            spans => spans.Any(s => s.Name == "roberts.vote.process_change") && spans.Any(s => s.Name == "lean.project.close"),
            TimeSpan.FromSeconds(30));
        Assert.Contains(trace, s => s.Name == "swarm.cli.demo" && s.Service == "swarm-cli" && s.ParentSpanId is null);

        var folder = Path.Combine(Cli.RepositoryRoot, "artifacts", "screenshots");
        var pages = await Browser.ScreenshotAsync(Stack.Dashboard, traceId, "swarm.cli.demo", folder);

        foreach (var name in new[] { "traces", "detail" })
        {
            var file = pages.GetProperty(name).GetProperty("file").GetString()!;
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.Length > 20_000, $"{file} is {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }

        var list = pages.GetProperty("traces").GetProperty("text").GetString()!;
        var detail = pages.GetProperty("detail").GetProperty("text").GetString()!;
        Assert.Contains("swarm-cli: swarm.cli.demo", list, StringComparison.Ordinal);
        Assert.Contains("swarm-local", list, StringComparison.Ordinal);
        Assert.Contains("Total spans", detail, StringComparison.Ordinal);
        Assert.Contains("swarm.cli.demo", detail, StringComparison.Ordinal);
        Assert.Contains("POST /api/work", detail, StringComparison.Ordinal);
    }
}
