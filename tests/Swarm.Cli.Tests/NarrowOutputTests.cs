using Swarm.Api;
using Swarm.Cli.Output;
using Swarm.Domain.Remediation;
using Swarm.Domain.Scrum;

namespace Swarm.Cli.Tests;

/// <summary>Output sent to a pipe is 80 columns unless COLUMNS says more: incidents and their timelines still never break an id.</summary>
public sealed class NarrowOutputTests
{
    private const string Trace = "ef4f8f56936454e1f3ecd1e50c45258e";

    /// <summary>An Azure Monitor alert id: a resource path longer than 80 columns, with no space to break at.</summary>
    private const string AzureMonitorSource =
        "azure-monitor:/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.AlertsManagement/alerts/3f8e1a27-5c94-4b0d-a6e3-9d2f7c1b8e05";

    private static readonly IncidentList Two = new(2,
    [
        new IncidentSummary(
            "821e1f17ac557e33-1", "recover-stuck-agent/agent=remediation-agent", RemediationKind.RecoverStuckAgent, "AgentStateStuck", null,
            "remediation-agent", RemediationState.Monitoring, ["alertmanager:bf0f0c2ac8664ad6", "azure-monitor:0d1e"], 1, 3, 2,
            DateTimeOffset.Parse("2026-11-30T15:57:27Z", System.Globalization.CultureInfo.InvariantCulture), null, null,
            "nudged 3 orchestrations past their deadline and is waiting for every source to resolve before it closes", null),
        new IncidentSummary(
            "5943e2a285420ce8-1", "lean-project/team=alpha", RemediationKind.LeanProject, "HighDefectRate", "alpha", null,
            RemediationState.Resolved, ["alertmanager:e90cabf7a6dfd213"], 0, 1, 0,
            DateTimeOffset.Parse("2026-11-30T15:50:51Z", System.Globalization.CultureInfo.InvariantCulture), null, null, null, "alert-10576b52"),
    ]);

    [Theory]
    [InlineData(80)]
    [InlineData(Render.IncidentTableWidth)]
    public void Incidents_keep_every_id_and_key_whole_and_within_the_width(int width)
    {
        var lines = Rendered(Render.Incidents(Two, width), width);

        foreach (var whole in new[] { "821e1f17ac557e33-1", "recover-stuck-agent/agent=remediation-agent", "5943e2a285420ce8-1", "lean-project/team=alpha", "HighDefectRate" })
        {
            Assert.Contains(lines, line => line.Contains(whole, StringComparison.Ordinal));
        }

        Assert.All(lines, line => Assert.True(line.TrimEnd().Length <= width, $"{line.TrimEnd().Length} columns: {line}"));
        Assert.Contains(lines, line => line.Contains("2 incidents", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Render.IncidentTableWidth, false)]
    [InlineData(240, true)]
    public void A_long_incident_key_keeps_the_list_in_lines_until_the_table_fits_it_whole(int width, bool table)
    {
        const string Key = "notify-only/Second webhook test/grafana:6f9cd313db421ef1";
        var list = new IncidentList(1,
        [
            new IncidentSummary(
                "b194ef02726b7138-1", Key, RemediationKind.NotifyOnly, "Second webhook test", null, null, RemediationState.Monitoring,
                ["grafana:6f9cd313db421ef1"], 1, 1, 0, DateTimeOffset.Parse("2026-11-30T21:20:31Z", System.Globalization.CultureInfo.InvariantCulture),
                null, null, null, null),
        ]);

        var lines = Rendered(Render.Incidents(list, width), width);

        Assert.True(Render.IncidentTableNeeds(list) is > Render.IncidentTableWidth and <= 240, $"{Render.IncidentTableNeeds(list)} columns");
        Assert.Equal(table, lines.Any(line => line.Contains('│', StringComparison.Ordinal)));
        Assert.Contains(lines, line => line.Contains(Key, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("2026-11-30 21:20:31Z", StringComparison.Ordinal));
        Assert.All(lines, line => Assert.True(line.TrimEnd().Length <= width, $"{line.TrimEnd().Length} columns: {line}"));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(Render.TimelineTableWidth)]
    public void An_incident_timeline_keeps_every_trace_id_whole_and_within_the_width(int width)
    {
        var incident = new AlertRemediation
        {
            Id = "821e1f17ac557e33-1",
            DeskKey = "821e1f17ac557e33",
            IncidentKey = "lean-project/team=gamma",
            Kind = RemediationKind.LeanProject,
            Alert = new AlertNotification { Source = "alertmanager", Id = "bf0f0c2ac8664ad6", Name = "HighDefectRate", Status = AlertStatus.Firing },
            Sources = [new IncidentSource(AzureMonitorSource, "HighDefectRate", true, 1, DateTimeOffset.UtcNow)],
            Steps =
            [
                new IncidentStep(DateTimeOffset.UtcNow, "opened", "HighDefectRate fired (alertmanager, severity warning) for lean-project/team=gamma", Trace),
                new IncidentStep(DateTimeOffset.UtcNow, "acted", "requested Lean project alert-56f1d54c for team gamma; its proposal goes to a process-change motion; notified: logged", "dc7a7eda69732240289830711eaa1079"),
            ],
        };

        var lines = Rendered(Render.Incident(incident, width), width);

        Assert.Contains(lines, line => line.Contains(Trace, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(AzureMonitorSource, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("(firing, 1 delivery)", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("dc7a7eda69732240289830711eaa1079", StringComparison.Ordinal));
        // Every line fits, but for the source's: an id is never broken, the terminal wraps it if it must.
        Assert.All(lines.Where(line => !line.Contains(AzureMonitorSource, StringComparison.Ordinal)), line => Assert.True(line.TrimEnd().Length <= width, $"{line.TrimEnd().Length} columns: {line}"));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(Render.AgentsMotionTableWidth)]
    public void Agents_keep_each_open_motions_id_and_state_whole_and_within_the_width(int width)
    {
        const string Motion = "approve-remediation-2d0625719565b29c-1";
        var states = new AgentStates(
            new RobertsState("roberts-agent",
            [
                new MotionSummary(Motion, Swarm.Domain.Roberts.MotionKind.WorkApproval, "Approve the remediation plan of incident 2d0625719565b29c-1: shed load for team alpha",
                    "alpha", Swarm.Domain.Roberts.MotionState.Seconded, null, null, 0, 1),
            ], 3, 1, 2),
            new ScrumState("scrum-agent", [], []),
            new LeanState("lean-agent", []),
            new RemediationAgentState("remediation-agent", [], []),
            new WorkCounts(0, new Dictionary<string, int>()));

        var lines = Rendered(Render.Agents(states, width), width);

        Assert.Contains(lines, line => line.Contains(Motion, StringComparison.Ordinal) && line.Contains("seconded", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("1 open, 3 passed, 1 failed, 2 withdrawn", StringComparison.Ordinal));
        Assert.All(lines, line => Assert.True(line.TrimEnd().Length <= width, $"{line.TrimEnd().Length} columns: {line}"));
    }

    /// <summary>
    /// A team's work: a table when every cell but the title fits whole, else two lines per item; either way no id,
    /// status or word of the title is broken, and every line fits the width.
    /// </summary>
    [Theory]
    [InlineData(80, false)]
    [InlineData(120, true)]
    public void Work_items_keep_ids_statuses_and_words_whole_and_within_the_width(int width, bool table)
    {
        const string Title = "A rather long feature title for the narrow output check";
        WorkItem[] items =
        [
            new() { Id = "d3f0374975ce7510", Type = WorkType.Feature, Title = Title, Priority = WorkPriority.High, Team = "alpha", Points = 5, Status = WorkStatus.Completed, Completion = CompletionStatus.Success, Progress = 100, Sprint = 42 },
            new() { Id = "a6b29abe35885680", Type = WorkType.Bug, Title = "Fix login timeout", Priority = WorkPriority.Medium, Team = "alpha", Points = 1, Status = WorkStatus.Completed, Completion = CompletionStatus.Failed, Progress = 50, Sprint = 42 },
        ];

        var lines = Rendered(Render.Work(items, width), width);

        Assert.Equal(table, lines.Any(line => line.Contains('│', StringComparison.Ordinal)));
        foreach (var whole in new[] { "d3f0374975ce7510", "a6b29abe35885680", "completed (success)", "completed (failed)", "feature", "medium" })
        {
            Assert.Contains(lines, line => line.Contains(whole, StringComparison.Ordinal));
        }

        var words = string.Join(' ', lines.Select(line => line.Trim('│', ' '))).Split([' ', '│'], StringSplitOptions.RemoveEmptyEntries);
        Assert.All(Title.Split(' '), word => Assert.Contains(word, words));
        Assert.All(lines, line => Assert.True(line.TrimEnd().Length <= width, $"{line.TrimEnd().Length} columns: {line}"));
        if (!table)
        {
            Assert.Contains(lines, line => line.Contains("1 point ·", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(80)]
    [InlineData(240)]
    public void An_escalated_incident_says_so_in_the_list_and_in_its_timeline(int width)
    {
        const string Motion = "escalate-remediation-5943e2a285420ce8-2";
        var list = new IncidentList(1,
        [
            new IncidentSummary(
                "5943e2a285420ce8-1", "lean-project/team=alpha", RemediationKind.LeanProject, "HighDefectRate", "alpha", null,
                RemediationState.Monitoring, ["alertmanager:e90cabf7a6dfd213"], 1, 2, 0,
                DateTimeOffset.Parse("2026-11-30T15:50:51Z", System.Globalization.CultureInfo.InvariantCulture), null, null, null, "alert-10576b52",
                Escalated: true, EscalationMotionId: Motion),
        ]);
        var incident = new AlertRemediation
        {
            Id = "5943e2a285420ce8-1",
            DeskKey = "5943e2a285420ce8",
            IncidentKey = "lean-project/team=alpha",
            Kind = RemediationKind.LeanProject,
            Alert = new AlertNotification { Source = "alertmanager", Id = "e90cabf7a6dfd213", Name = "HighDefectRate", Status = AlertStatus.Firing },
            Escalated = true,
            EscalationMotionId = Motion,
            EscalationDecision = "adopted by a vote of 3-0",
        };

        // Sentences may wrap at a space; ids never break.
        var listed = System.Text.RegularExpressions.Regex.Replace(string.Join('\n', Rendered(Render.Incidents(list, width), width)), @"[\s│]+", " ");
        var shown = System.Text.RegularExpressions.Regex.Replace(string.Join('\n', Rendered(Render.Incident(incident, width), width)), @"[\s│]+", " ");

        Assert.Contains(Motion, listed, StringComparison.Ordinal);
        Assert.Contains("awaiting its decision", listed, StringComparison.Ordinal);
        Assert.Contains(Motion, shown, StringComparison.Ordinal);
        Assert.Contains("decided: adopted by a vote of 3-0", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void Agents_with_no_open_motion_say_so_on_one_line_with_the_counts()
    {
        var states = new AgentStates(
            new RobertsState("roberts-agent", [], 2, 0, 1),
            new ScrumState("scrum-agent", [], []),
            new LeanState("lean-agent", []),
            new RemediationAgentState("remediation-agent", [], []),
            new WorkCounts(0, new Dictionary<string, int>()));

        var lines = Rendered(Render.Agents(states, 120), 120);

        Assert.Equal("roberts — no motion open (0 open, 2 passed, 0 failed, 1 withdrawn)", lines[0].TrimEnd());
    }

    [Fact]
    public void A_narrated_transition_is_one_unbroken_line_written_at_once()
    {
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == Swarm.Domain.Telemetry.SwarmTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var writes = new CountingWriter();
        var narrator = new TransitionNarrator(CliIo.Capture(writes, new StringWriter(), 40).Out, timestamps: true);
        using var span = Swarm.Domain.Telemetry.SwarmTelemetry.Source.StartActivity("remediation.start")!;
        span.SetTag(Swarm.Domain.Telemetry.SwarmAttributes.AgentName, "remediation-agent");
        span.SetTag(Swarm.Domain.Telemetry.SwarmAttributes.TransitionFrom, "triggered");
        span.SetTag(Swarm.Domain.Telemetry.SwarmAttributes.TransitionTo, "acting");
        span.SetTag(Swarm.Domain.Telemetry.SwarmAttributes.WorkId, "93b82c8452fb7100");
        span.Stop();

        narrator.OnEnd(span);

        // On a 40-column console the line is longer than the width, yet it is one line, handed over in one write.
        var text = writes.ToString();
        Assert.Equal(1, writes.Writes);
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        Assert.Contains("triggered → acting 93b82c8452fb7100", text, StringComparison.Ordinal);
    }

    private sealed class CountingWriter : StringWriter
    {
        public int Writes { get; private set; }

        public override void Write(string? value)
        {
            Writes++;
            base.Write(value);
        }

        public override void Write(char value)
        {
            Writes++;
            base.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Writes++;
            base.Write(buffer, index, count);
        }
    }

    private static string[] Rendered(Spectre.Console.Rendering.IRenderable renderable, int width)
    {
        var output = new StringWriter();
        CliIo.Capture(output, new StringWriter(), width).Out.Write(renderable);
        return output.ToString().Split('\n');
    }
}
