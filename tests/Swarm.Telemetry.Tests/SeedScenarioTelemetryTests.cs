using System.Text.RegularExpressions;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Swarm.Domain;
using Swarm.Domain.Telemetry;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;

namespace Swarm.Telemetry.Tests;

/// <summary>What a real OTLP receiver and the <c>/metrics</c> endpoint got from one run of the seed scenario.</summary>
public sealed class SeedScenarioTelemetryTests(SeedRun run) : IClassFixture<SeedRun>
{
    private static readonly string[] Chain =
    [
        "scrum.work.claim", "roberts.motion.open", "roberts.vote.approve", "scrum.sprint.plan", "scrum.sprint.start",
        "scrum.sprint.review", "lean.project.create", "lean.project.measure", "lean.project.analyze", "lean.project.improve",
        "lean.project.control", "roberts.vote.process_change", "lean.project.close",
    ];

    [Fact]
    public void The_receiver_holds_one_trace_from_the_claim_to_the_process_change_vote()
    {
        var trace = run.Trace;
        Assert.All(trace, s => Assert.Equal(run.Report.TraceId, s.TraceId));
        var names = trace.Select(s => s.Name).ToHashSet();
        Assert.All(Chain, name => Assert.Contains(name, names));
        Assert.Equal(5, trace.Count(s => s.Name == "scrum.work.claim"));

        // Every orchestration the chain started is in it too, as the Durable Task SDK reports it.
        foreach (var orchestrator in new[] { "WorkItemOrchestrator", "MotionOrchestrator", "SprintOrchestrator", "LeanProjectOrchestrator" })
        {
            Assert.Contains($"orchestration:{orchestrator}", names);
        }

        Assert.Equal("swarm-local", run.Resource["service.name"]);
        Assert.Equal("swarm", run.Resource["service.namespace"]);
        Assert.Equal(SwarmTelemetry.Version, run.Resource["service.version"]);
        Assert.Equal("testing", run.Resource["deployment.environment.name"]);
    }

    [Fact]
    public void Every_span_of_the_trace_hangs_from_the_one_root()
    {
        var trace = run.Trace;
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        var root = Assert.Single(trace, s => s.ParentSpanId is null);
        Assert.Equal("swarm.demo.seed_scenario", root.Name);
        Assert.Empty(trace.Where(s => s.ParentSpanId is not null && !ids.Contains(s.ParentSpanId)).Select(s => $"{s.Scope}/{s.Name} → {s.ParentSpanId}"));
        Assert.Equal(trace.Count, ids.Count);

        // The chain is causal: each agent's first span descends from the span that handed the work to it.
        Assert.True(Descends(trace, "roberts.motion.open", "scrum.work.claim"));
        Assert.True(Descends(trace, "scrum.sprint.start", "scrum.work.approve"));
        Assert.True(Descends(trace, "lean.project.create", "scrum.sprint.review"));
        Assert.True(Descends(trace, "roberts.vote.process_change", "lean.project.control"));
    }

    [Fact]
    public void The_Durable_Task_plumbing_spans_are_not_exported_and_each_activity_execution_hangs_from_its_orchestration()
    {
        var trace = run.Trace.ToDictionary(s => s.SpanId);
        Assert.DoesNotContain(run.AllSpans, s => SwarmSampler.IsDurableTaskPlumbing(s.Name, (ActivityKind)(s.Kind - 1)));
        var executions = run.Trace.Where(s => s.Scope == SwarmTelemetryHosting.DurableTaskSource && s.Name.StartsWith("activity:", StringComparison.Ordinal)).ToList();
        Assert.True(executions.Count >= 20, $"only {executions.Count} activity executions");
        Assert.All(executions, a =>
        {
            Assert.Equal(2, a.Kind); // OTLP SPAN_KIND_SERVER
            Assert.StartsWith("orchestration:", trace[a.ParentSpanId!].Name, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Commands_raised_into_waiting_orchestrations_link_to_the_span_that_sent_them()
    {
        var trace = run.Trace.ToDictionary(s => s.SpanId);
        var votes = run.Trace.Where(s => s.Name == "roberts.vote.cast").ToList();
        Assert.Equal(5, votes.Count);
        // The scenario casts each vote over HTTP: the command links to the API request that raised it.
        Assert.All(votes, v => Assert.Contains(v.Links, l =>
            trace.TryGetValue(l.SpanId, out var sender) && sender.Scope == "Microsoft.AspNetCore" && sender.Name.EndsWith("/votes", StringComparison.Ordinal)));
        Assert.All(run.Trace.Where(s => s.Name is "scrum.work.complete" or "scrum.work.progress"), s => Assert.NotEmpty(s.Links));

        // The motion's decision reaches the feature's waiting orchestration as a raised command: linked, not lost.
        var decision = Assert.Single(run.Trace, s => s.Name == "roberts.vote.approve");
        Assert.Single(run.Trace, s => s.Name == "scrum.work.approve" && s.Links.Contains((decision.TraceId, decision.SpanId)));
        Assert.All(run.Trace.SelectMany(s => s.Links), link => Assert.True(trace.ContainsKey(link.SpanId), $"link to {link.SpanId} leads nowhere"));
    }

    [Fact]
    public void Every_transition_span_carries_from_to_and_the_convention_attributes()
    {
        var transitions = run.Trace.Where(s => s.Scope == SwarmTelemetry.Name && s[SwarmAttributes.TransitionTo] is not null).ToList();
        Assert.True(transitions.Count >= 40, $"only {transitions.Count} transition spans");
        Assert.All(transitions, s =>
        {
            Assert.NotNull(s[SwarmAttributes.TransitionFrom]);
            Assert.Matches("^(roberts|scrum|lean|remediation)$", s[SwarmAttributes.Framework]);
            Assert.Equal($"{s[SwarmAttributes.Framework]}-agent", s[SwarmAttributes.AgentName]);
            Assert.StartsWith($"{s[SwarmAttributes.Framework]}.", s.Name, StringComparison.Ordinal);
            Assert.Matches(@"^[a-z]+\.[a-z_]+\.[a-z_]+$", s.Name);
            string[] subject = s.Name switch
            {
                _ when s.Name.StartsWith("roberts.", StringComparison.Ordinal) => [SwarmAttributes.MotionId, SwarmAttributes.MotionKind, SwarmAttributes.WorkTeam],
                _ when s.Name.StartsWith("scrum.work.", StringComparison.Ordinal) => [SwarmAttributes.WorkId, SwarmAttributes.WorkType, SwarmAttributes.WorkPriority, SwarmAttributes.WorkTeam],
                _ when s.Name.StartsWith("scrum.sprint.", StringComparison.Ordinal) => [SwarmAttributes.SprintNumber, SwarmAttributes.WorkTeam],
                _ => [SwarmAttributes.LeanProjectId, SwarmAttributes.WorkTeam],
            };
            Assert.All(subject, attribute => Assert.False(string.IsNullOrEmpty(s[attribute]), $"{s.Name} lacks {attribute}"));
        });
        var sprintStart = Assert.Single(transitions, s => s.Name == "scrum.sprint.start");
        Assert.Equal(("planning", "executing"), (sprintStart[SwarmAttributes.TransitionFrom], sprintStart[SwarmAttributes.TransitionTo]));
        Assert.Equal("42", sprintStart[SwarmAttributes.SprintNumber]);
    }

    [Fact]
    public void Spans_of_an_orchestration_and_its_agent_commands_lead_back_to_the_instance_on_the_board()
    {
        static string Page(string instanceId) => $"{SeedRun.Board}instances/{Uri.EscapeDataString(instanceId)}";

        var orchestrations = run.Trace.Where(s => s.Name.StartsWith("orchestration:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(orchestrations);
        Assert.All(orchestrations, s => Assert.Equal(Page(s[BoardLinkProcessor.InstanceIdAttribute]!), s[BoardLinkProcessor.Attribute]));

        var commands = run.Trace.Where(s => s.Scope == SwarmTelemetry.Name && s[SwarmAttributes.TransitionTo] is not null).ToList();
        var work = commands.Where(s => s.Name.StartsWith("scrum.work.", StringComparison.Ordinal)).ToList();
        var motions = commands.Where(s => s.Name.StartsWith("roberts.", StringComparison.Ordinal)).ToList();
        var projects = commands.Where(s => s.Name.StartsWith("lean.", StringComparison.Ordinal)).ToList();
        Assert.True(work.Count >= 15 && motions.Count >= 5 && projects.Count >= 5, $"{work.Count} work, {motions.Count} motion, {projects.Count} Lean spans");
        Assert.All(work, s => Assert.Equal(Page(InstanceIds.Work(s[SwarmAttributes.WorkId]!)), s[BoardLinkProcessor.Attribute]));
        Assert.All(motions, s => Assert.Equal(Page(InstanceIds.Motion(s[SwarmAttributes.MotionId]!)), s[BoardLinkProcessor.Attribute]));
        Assert.All(projects, s => Assert.Equal(Page(InstanceIds.Lean(s[SwarmAttributes.WorkTeam]!, s[SwarmAttributes.LeanProjectId]!)), s[BoardLinkProcessor.Attribute]));
    }

    [Fact]
    public void The_agents_logs_carry_the_trace_and_span_of_the_command_that_wrote_them()
    {
        var spans = run.Trace.ToDictionary(s => s.SpanId);
        var transitions = run.Logs.Where(l => l.EventName == "AgentTransitioned" && l.TraceId == run.Report.TraceId).ToList();
        Assert.Equal(run.Trace.Count(s => s[SwarmAttributes.TransitionTo] is not null), transitions.Count);
        Assert.All(transitions, log =>
        {
            Assert.True(spans.TryGetValue(log.SpanId!, out var span), $"log '{log.Body}' names span {log.SpanId}, which is not in the trace");
            Assert.Equal(span.Attributes[SwarmAttributes.TransitionTo], log.Attributes["To"]);
            Assert.Contains("→", log.Body);
        });
        Assert.All(run.Logs.Where(l => l.Scope.StartsWith("Swarm.Domain", StringComparison.Ordinal)), l => Assert.Equal(run.Report.TraceId, l.TraceId));
        Assert.Contains(run.Logs, l => l.EventName == "DefectRateExceeded" && l.TraceId == run.Report.TraceId);
    }

    [Fact]
    public void Nothing_of_the_embedded_backend_plumbing_reaches_the_receiver()
    {
        Assert.DoesNotContain(run.AllSpans, s => s.Scope is "Grpc.Net.Client" && s.TraceId == run.Report.TraceId);
        // The scenario's own requests to /api are in its trace; no request to the sidecar is, anywhere.
        Assert.All(
            run.AllSpans.Where(s => s.Scope is "Microsoft.AspNetCore" && s.TraceId == run.Report.TraceId),
            s => Assert.StartsWith("/api/", s["http.route"], StringComparison.Ordinal));
        Assert.DoesNotContain(run.AllSpans, s => s.Name.Contains("TaskHubSidecarService", StringComparison.Ordinal));
        Assert.DoesNotContain(run.AllSpans, s => s.Attributes.Values.Any(v => v.Contains($":{run.SidecarPort}", StringComparison.Ordinal)) || s["server.port"] == run.SidecarPort.ToString());
        // The only spans outside the scenario's trace are the test's own scrape of /metrics.
        Assert.All(run.AllSpans.Where(s => s.TraceId != run.Report.TraceId), s => Assert.Equal(run.HostPort.ToString(), s["server.port"]));
    }

    [Fact]
    public void Metrics_serves_every_convention_instrument_under_its_Prometheus_name_with_unit_and_labels()
    {
        var metrics = run.Metrics;
        Assert.Matches(Sample("swarm_agent_state_transitions_total", "swarm_agent_transition_from=\"idle\"", "swarm_agent_transition_to=\"motion-open\"", "swarm_agent_name=\"roberts-agent\""), metrics);
        Assert.Matches(Sample("swarm_agent_commands_executed_total", "success=\"true\"", "swarm_agent_command=\"roberts.vote.process_change\""), metrics);
        Assert.Matches(Sample("swarm_agent_span_processing_duration_seconds_bucket", "swarm_agent_command=\"scrum.sprint.review\"", "le=\"0.005\""), metrics);
        Assert.Matches(Sample("swarm_agent_span_processing_duration_seconds_count", "swarm_framework=\"lean\""), metrics);
        Assert.Matches(Sample("swarm_agent_last_transition_timestamp_seconds", "swarm_agent_name=\"scrum-agent\""), metrics);
        Assert.Matches(Sample("swarm_work_items_total", "completion_status=\"failed\"", "status=\"completed\"", "type=\"bug\"", "team=\"alpha\""), metrics);
        Assert.Matches(Sample("swarm_roberts_motions_total", "result=\"passed\"", "kind=\"process-change\""), metrics);
        Assert.Matches(Sample("swarm_scrum_velocity", "team=\"alpha\"") + " 11$", metrics);
        Assert.Matches(Sample("swarm_scrum_defect_rate", "team=\"alpha\"") + " 0.2$", metrics);
        Assert.Matches(Sample("swarm_lean_projects", "phase=\"define\"") + " 0$", metrics);

        var lastTransition = double.Parse(Regex.Match(metrics, Sample("swarm_agent_last_transition_timestamp_seconds", "swarm_agent_name=\"lean-agent\"") + " ([0-9.e+]+)$", RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - lastTransition, 0, 300);

        Assert.Contains("# UNIT swarm_agent_span_processing_duration_seconds seconds", run.OpenMetrics);
        Assert.Contains("# UNIT swarm_agent_last_transition_timestamp_seconds seconds", run.OpenMetrics);
        Assert.Contains("# TYPE swarm_agent_state_transitions counter", run.OpenMetrics);
    }

    [Fact]
    public void The_duration_histogram_carries_trace_exemplars_in_openmetrics_that_lead_to_exported_traces()
    {
        // OpenMetrics exemplar: `…_bucket{…} N # {trace_id="…",span_id="…"} value timestamp`.
        var exemplars = Regex.Matches(
                run.OpenMetrics,
                "^swarm_agent_span_processing_duration_seconds_bucket\\{[^}]*\\} [0-9]+ # \\{trace_id=\"([0-9a-f]{32})\",span_id=\"([0-9a-f]{16})\"\\}",
                RegexOptions.Multiline)
            .Select(m => (TraceId: m.Groups[1].Value, SpanId: m.Groups[2].Value))
            .ToList();
        var exported = run.AllSpans.Select(s => s.TraceId).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(exemplars);
        Assert.Contains(exemplars, e => exported.Contains(e.TraceId));
        Assert.Contains(exemplars, e => e.TraceId == run.Report.TraceId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Export_over_HTTP_protobuf_reaches_the_same_receiver(bool signalEndpoints)
    {
        var marker = Guid.NewGuid().ToString("N");
        var http = run.Dashboard.OtlpHttp.ToString().TrimEnd('/');
        var settings = signalEndpoints
            ? new Dictionary<string, string?>
            {
                // Each signal's own URL, used as given (the per-signal exporters do not read these themselves).
                ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = $"{http}/v1/traces",
                ["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"] = $"{http}/v1/logs",
            }
            : new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = http };
        settings["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        settings["OTEL_SERVICE_NAME"] = "swarm-http-protobuf";
        await using (var host = await TelemetryHost.StartAsync(settings))
        {
            using (var activity = SwarmTelemetry.Source.StartActivity("swarm.test.http_protobuf"))
            {
                activity?.SetTag("test.marker", marker);
                host.Services.GetRequiredService<ILogger<SeedScenarioTelemetryTests>>().LogWarning("marker {Marker}", marker);
            }

            host.Flush();
        }

        var (spans, resource) = await Otlp.EventuallyAsync(
            () => Otlp.TracesAsync(run.Dashboard.Api, "/api/telemetry/traces"),
            t => t.Spans.Any(s => s["test.marker"] == marker),
            TimeSpan.FromSeconds(20));
        var span = Assert.Single(spans, s => s["test.marker"] == marker);
        var logs = await Otlp.EventuallyAsync(() => Otlp.LogsAsync(run.Dashboard.Api), l => l.Any(x => x.Body.Contains(marker, StringComparison.Ordinal)), TimeSpan.FromSeconds(20));
        Assert.Equal(span.TraceId, Assert.Single(logs, l => l.Body.Contains(marker, StringComparison.Ordinal)).TraceId);
        Assert.Contains("swarm-http-protobuf", resource.Values);
    }

    private static string Sample(string name, params string[] labels) =>
        $"(?m)^{Regex.Escape(name)}\\{{" + string.Concat(labels.Select(l => $"(?=[^}}]*{Regex.Escape(l)})")) + "[^}]*\\}";

    private static bool Descends(IReadOnlyList<ReceivedSpan> trace, string descendant, string ancestor)
    {
        var byId = trace.ToDictionary(s => s.SpanId);
        var ancestors = trace.Where(s => s.Name == ancestor).Select(s => s.SpanId).ToHashSet();
        return trace.Where(s => s.Name == descendant).Any(s =>
        {
            for (var parent = s.ParentSpanId; parent is not null; parent = byId.TryGetValue(parent, out var p) ? p.ParentSpanId : null)
            {
                if (ancestors.Contains(parent))
                {
                    return true;
                }
            }

            return false;
        });
    }
}
