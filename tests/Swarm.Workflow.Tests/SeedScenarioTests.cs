using System.Diagnostics;
using Swarm.Domain;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Telemetry;
using Swarm.Domain.Scrum;
using Swarm.Local;
using Swarm.Api.Client;
using Swarm.Domain.Events;

namespace Swarm.Workflow.Tests;

public class SeedScenarioTests
{
    /// <summary>The host the scenario runs on: the in-memory backend here, the Azure Storage provider in a subclass.</summary>
    protected virtual Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions> configure) => SwarmTestHost.StartAsync(configure);

    [Fact]
    public async Task Seed_scenario_runs_every_agent_to_its_final_state_in_one_trace()
    {
        await using var swarm = await StartHostAsync(o => SwarmOptions.Demo().CopyTo(o));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        // The one script of the seed scenario, over HTTP as any client drives it; this span is the run's root.
        DemoReport report;
        using (SwarmTelemetry.Source.StartActivity(
                   "swarm.demo.seed_scenario", ActivityKind.Client, parentContext: default, SeedScenario.RootTags(SeedScenario.Team)))
        {
            report = await new SeedScenario(swarm.Api, SeedScenario.Team).RunAsync(deadline.Token);
        }

        var project = (await swarm.CompletedAsync(InstanceIds.Lean(SeedScenario.Team, report.Project.Id))).ReadOutputAs<LeanProject>()!;
        var processChange = (await swarm.CompletedAsync(InstanceIds.Motion(report.ProcessChangeMotionId))).ReadOutputAs<Motion>()!;

        Assert.Equal(5, report.Work.Count);
        Assert.All(report.Work, w => Assert.Equal(WorkStatus.Completed, w.Status));
        Assert.Single(report.Work, w => w.Completion == CompletionStatus.Failed);
        Assert.Equal(WorkStatus.Approved, report.Feature.Status);
        Assert.Contains("general consent", report.Feature.Decision);

        Assert.Equal(SeedScenario.SprintNumber, report.Sprint.Number);
        Assert.Equal(11, report.Sprint.Velocity);
        Assert.Equal(0.2, report.Sprint.DefectRate, 6);
        Assert.True(report.Sprint.DefectRate > report.Sprint.Threshold);

        Assert.Equal("defect-sprint42", report.Project.Id);
        Assert.Equal(LeanPhase.Closed, report.Project.Phase);
        Assert.Equal("missing regression tests", project.RootCauses[0].Cause);
        Assert.StartsWith("process change passed", report.Project.Outcome);

        Assert.Equal(MotionKind.ProcessChange, processChange.Kind);
        Assert.Equal(MotionResult.Passed, processChange.Result);
        Assert.Equal((4, 1, 0), (processChange.Tally!.Yes, processChange.Tally.No, processChange.Tally.Abstain));

        Assert.NotNull(report.TraceId);
        var trace = swarm.Spans.Where(s => s.Source.Name == SwarmTelemetry.Name && s.TraceId.ToString() == report.TraceId).ToList();
        var names = trace.Select(s => s.DisplayName).ToHashSet();
        foreach (var expected in new[]
                 {
                     "scrum.work.claim", "roberts.motion.open", "roberts.vote.approve", "scrum.sprint.plan", "scrum.sprint.start",
                     "scrum.sprint.review", "lean.project.create", "lean.project.measure", "lean.project.analyze",
                     "lean.project.improve", "lean.project.control", "roberts.vote.process_change", "lean.project.close",
                 })
        {
            Assert.Contains(expected, names);
        }

        Assert.All(
            trace.Where(s => s.GetTagItem(SwarmAttributes.TransitionTo) is not null),
            s =>
            {
                Assert.NotNull(s.GetTagItem(SwarmAttributes.TransitionFrom));
                Assert.NotNull(s.GetTagItem(SwarmAttributes.Framework));
                Assert.NotNull(s.GetTagItem(SwarmAttributes.AgentName));
            });

        var handOffs = swarm.Delivered.Select(e => e.Type).ToHashSet();
        foreach (var type in new[] { EventTypes.WorkClaimed, EventTypes.MotionPassed, EventTypes.DefectRateExceeded, EventTypes.SprintCompleted, EventTypes.ProposalReady })
        {
            Assert.Contains(type, handOffs);
        }

        Assert.All(swarm.Delivered.Where(e => e.Team == SeedScenario.Team), e => Assert.StartsWith($"00-{report.TraceId}-", e.TraceParent));

        // The instances API shows what ran, from the backend's own history: each step of the process-change motion is an
        // activity call, scheduled and completed; the team's Lean project is listed among the completed orchestrations.
        var motion = (await swarm.Api.GetAsync($"instances/{InstanceIds.Motion(report.ProcessChangeMotionId)}", deadline.Token)).Read<Swarm.Api.InstanceDetail>();
        Assert.Equal("completed", motion.Instance.Status);
        Assert.Equal("MotionOrchestrator", motion.Instance.Name);
        Assert.Empty(motion.WaitingOn);
        var steps = motion.History.Where(h => h.Type == "task-scheduled" && h.Name == "ApplyMotionCommand").ToList();
        Assert.True(steps.Count >= 5, $"only {steps.Count} motion steps in the history");
        Assert.All(steps, s => Assert.Contains(motion.History, h => h.Type == "task-completed" && h.ScheduledId == s.EventId));
        Assert.Contains(motion.History, h => h.Type == "execution-completed");
        // Each history event leads to its trace: the start and every scheduled step carry the scenario's trace.
        Assert.Equal(report.TraceId, motion.TraceId);
        Assert.All(
            motion.History.Where(h => h.Type is "execution-started" or "task-scheduled"),
            h => Assert.True(h.TraceId == report.TraceId && h.SpanId is { Length: 16 }, $"{h.Type} {h.Name} is in trace {h.TraceId}, span {h.SpanId}"));

        // Each work item's life, one transition per command, each in the trace of the command that caused it.
        foreach (var item in report.Work)
        {
            var life = (await swarm.Api.GetAsync($"work/{item.Id}", deadline.Token)).Read<WorkItem>().Transitions;
            Assert.Equal(["claim", "approve", "plan", "progress", "complete"], life.Select(t => t.Command));
            Assert.Equal(
                ["none→claimed", "claimed→approved", "approved→planned", "planned→in-progress", "in-progress→completed"],
                life.Select(t => $"{t.From}→{t.To}"));
            Assert.All(life, t => Assert.True(t.TraceId == report.TraceId && t.SpanId is { Length: 16 }, $"{item.Id} {t.Command} in trace {t.TraceId}"));
            Assert.Equal(life.OrderBy(t => t.At).Select(t => t.Command), life.Select(t => t.Command));

            // The steps neither get nor return the item's list of transitions, only the one each records: the history,
            // which the worker receives whole at every episode, holds each transition once.
            var history = (await swarm.Api.GetAsync($"instances/{InstanceIds.Work(item.Id)}", deadline.Token)).Read<Swarm.Api.InstanceDetail>().History;
            var scheduled = history.Where(h => h.Type == "task-scheduled" && h.Name == "ApplyWorkCommand").ToList();
            Assert.Equal(4, scheduled.Count);
            Assert.All(scheduled, h => Assert.Equal(0, TransitionsIn(h.Data, "item")));
            Assert.All(
                history.Where(h => h.Type == "task-completed" && scheduled.Any(s => s.EventId == h.ScheduledId)),
                h => Assert.Equal(1, TransitionsIn(h.Data, null)));
        }
        var leans = (await swarm.Api.GetAsync($"instances?name=LeanProjectOrchestrator&status=completed&prefix=lean-{SeedScenario.Team}-", deadline.Token)).Read<Swarm.Api.InstanceList>();
        Assert.Contains(leans.Items, i => i.InstanceId == InstanceIds.Lean(SeedScenario.Team, report.Project.Id));

        // The agents' objects as a board reads them: the decided process change 4–1, the closed Lean project with its
        // root cause, sprint 42 with velocity 11 and defect rate 20 %.
        var decided = (await swarm.Api.GetAsync($"motions?state=decided&team={SeedScenario.Team}", deadline.Token)).Read<Swarm.Api.AgentObjectList<Motion>>();
        var change = Assert.Single(decided.Items, m => m.Id == report.ProcessChangeMotionId);
        Assert.Equal((4, 1), (change.Tally!.Yes, change.Tally.No));
        Assert.Empty((await swarm.Api.GetAsync($"motions?state=open&team={SeedScenario.Team}", deadline.Token)).Read<Swarm.Api.AgentObjectList<Motion>>().Items);
        Assert.Equal(MotionResult.Passed, (await swarm.Api.GetAsync($"motions/{report.ProcessChangeMotionId}", deadline.Token)).Read<Motion>().Result);
        var projects = (await swarm.Api.GetAsync($"lean/projects?team={SeedScenario.Team}", deadline.Token)).Read<Swarm.Api.AgentObjectList<LeanProject>>();
        var closed = Assert.Single(projects.Items, p => p.Id == "defect-sprint42");
        Assert.Equal(LeanPhase.Closed, closed.Phase);
        Assert.Equal("missing regression tests", closed.RootCauses[0].Cause);
        var sprints = (await swarm.Api.GetAsync($"teams/{SeedScenario.Team}/sprints", deadline.Token)).Read<Swarm.Api.AgentObjectList<Sprint>>();
        var reviewed = Assert.Single(sprints.Items, s => s.Number == SeedScenario.SprintNumber);
        Assert.Equal(11, reviewed.Review!.Velocity);
        Assert.Equal(0.2, reviewed.Review.DefectRate, 6);
        await Assert.ThrowsAsync<ServerProblemException>(() => swarm.Api.GetAsync("motions?state=tabled", deadline.Token));
    }

    /// <summary>The length of the <c>transitions</c> array of a stored work item (under <paramref name="property"/>, or the whole value).</summary>
    private static int TransitionsIn(string? data, string? property)
    {
        Assert.NotNull(data);
        Assert.DoesNotContain("…", data, StringComparison.Ordinal);
        using var json = System.Text.Json.JsonDocument.Parse(data);
        // An activity's input is stored as the array of its arguments.
        var value = json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array ? json.RootElement[0] : json.RootElement;
        var item = property is null ? value : Property(value, property);
        return Property(item, "transitions").GetArrayLength();

        static System.Text.Json.JsonElement Property(System.Text.Json.JsonElement element, string name) =>
            element.EnumerateObject().Single(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
    }
}
