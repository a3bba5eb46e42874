using Swarm.Domain;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Domain.Composition;
using Swarm.Domain.Events;
using Swarm.Domain.Lean;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;

namespace Swarm.Workflow.Tests;

public class ScrumWorkflowTests : IAsyncLifetime
{
    private SwarmTestHost _swarm = null!;

    public async Task InitializeAsync() => _swarm = await StartHostAsync(o =>
    {
        o.Teams["delta"] = new TeamOptions { FirstSprint = 7 };
        o.Teams["omega"] = new TeamOptions { FirstSprint = 3 };
        o.Teams["sigma"] = new TeamOptions { FirstSprint = 11 };
    });

    public async Task DisposeAsync() => await _swarm.DisposeAsync();

    /// <summary>The host the tests run on: the in-memory backend here, the Azure Storage provider in a subclass.</summary>
    protected virtual Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions>? configure = null) => SwarmTestHost.StartAsync(configure);

    [Fact]
    public async Task A_sprint_above_the_defect_threshold_hands_its_failures_to_lean()
    {
        var sprint = await RunSprintAsync("delta", [CompletionStatus.Success, CompletionStatus.Success, CompletionStatus.Failed]);

        Assert.Equal(7, sprint.Number);
        Assert.Equal(SprintState.Closed, sprint.State);
        Assert.Equal(2, sprint.Review!.Velocity);
        Assert.Equal(1.0 / 3, sprint.Review.DefectRate, 6);
        await DeliveredAsync(EventTypes.DefectRateExceeded, "delta");
        var project = await SwarmTestHost.EventuallyAsync(
            () => _swarm.Client.GetInstanceAsync(InstanceIds.Lean("delta", "defect-sprint7")), _ => true, what: "lean project for delta");
        Assert.NotNull(project);
    }

    [Fact]
    public async Task A_sprint_above_the_threshold_of_a_team_with_an_open_lean_project_starts_no_second_project()
    {
        // An alert's project, open for as long as the test runs: in Control, waiting for a motion nobody opened.
        var open = new LeanProject
        {
            Id = InstanceIds.AlertProjectId(Guid.NewGuid().ToString("N")),
            Team = "sigma",
            Charter = new Charter("Alert HighDefectRate fired for team sigma", "Defect rate at most 3 %", "chair", "alert HighDefectRate (alertmanager)"),
            CreatedAt = DateTimeOffset.UtcNow,
            Phase = LeanPhase.Control,
            MotionId = "change-sigma-never-opened",
        };
        var openInstance = InstanceIds.Lean("sigma", open.Id);
        await _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, openInstance, open);
        await SwarmTestHost.EventuallyAsync(
            () => _swarm.Client.GetInstanceAsync(openInstance, getInputsAndOutputs: true),
            i => i.RuntimeStatus == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Running && i.SerializedCustomStatus is not null,
            what: "the open project");

        var sprint = await RunSprintAsync("sigma", [CompletionStatus.Success, CompletionStatus.Failed]);

        Assert.Equal(0.5, sprint.Review!.DefectRate);
        var exceeded = await DeliveredAsync(EventTypes.DefectRateExceeded, "sigma");
        // The review's hand-off went to the open project, and defect-sprint11 was never started.
        // Spans are listened to process-wide: the same test on the other backend, run alongside, routes an event of the
        // same id to its own open project. Only this test's two candidates count: its open project, or a new one.
        var candidates = new[] { openInstance, InstanceIds.Lean("sigma", InstanceIds.DefectProjectId(11)) };
        var route = Assert.Single(_swarm.Spans, s => s.OperationName == AgentEventRouter.RouteSpanName
            && (string?)s.GetTagItem(SwarmAttributes.EventId) == exceeded.Id
            && candidates.Contains((string?)s.GetTagItem(SwarmAttributes.InstanceId)));
        Assert.Equal(openInstance, route.GetTagItem(SwarmAttributes.InstanceId));
        Assert.Null(await _swarm.Client.GetInstanceAsync(InstanceIds.Lean("sigma", InstanceIds.DefectProjectId(11))));
        var current = await _swarm.Services.GetRequiredService<ITeamImprovements>().CurrentAsync("sigma", DateTimeOffset.MinValue);
        Assert.Equal(new TeamImprovement(open.Id, true, null, null), current);
    }

    [Fact]
    public async Task A_sprint_without_failures_does_not_publish_defect_rate_exceeded()
    {
        var sprint = await RunSprintAsync("omega", [CompletionStatus.Success, CompletionStatus.Success, CompletionStatus.Success]);

        Assert.Equal(0.0, sprint.Review!.DefectRate);
        Assert.Equal(3, sprint.Review.Velocity);
        await DeliveredAsync(EventTypes.SprintCompleted, "omega");
        Assert.DoesNotContain(_swarm.Delivered, e => e.Type == EventTypes.DefectRateExceeded && e.Team == "omega");
        Assert.Null(await _swarm.Client.GetInstanceAsync(InstanceIds.Lean("omega", "defect-sprint3")));
    }

    [Fact]
    public async Task Completing_work_that_is_not_in_progress_is_refused()
    {
        var (item, _) = await _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, "Too early", WorkPriority.Low, "epsilon", 1), null);

        var error = await Assert.ThrowsAsync<IllegalTransitionException>(() => _swarm.Commands.CompleteAsync(item.Id, CompletionStatus.Success, null));
        Assert.Equal("complete", error.Command);
        await Assert.ThrowsAsync<NotFoundException>(() => _swarm.Commands.CompleteAsync("missing", CompletionStatus.Success, null));
    }

    [Fact]
    public async Task The_work_list_pages_by_max_and_continuation_token_without_skipping_or_repeating_an_item()
    {
        var claimed = new List<string>();
        foreach (var n in Enumerable.Range(0, 5))
        {
            claimed.Add((await _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, $"Paged {n}", WorkPriority.Low, "paging", 1), null)).Item.Id);
            await _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, $"Other {n}", WorkPriority.Low, "paging-other", 1), null);
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var listed = new List<string>();
        string? token = null;
        var answers = 0;
        do
        {
            var path = token is null ? "work?team=paging&max=2" : $"work?team=paging&max=2&continuationToken={Uri.EscapeDataString(token)}";
            var page = (await _swarm.Api.GetAsync(path, deadline.Token)).Read<Swarm.Api.WorkList>();
            Assert.True(page.Items.Count <= 2, $"an answer of max=2 held {page.Items.Count} items");
            Assert.Equal(page.Items.Count, page.Count);
            Assert.All(page.Items, w => Assert.Equal("paging", w.Team));
            Assert.Equal(page.Items.OrderBy(w => w.ClaimedAt).Select(w => w.Id), page.Items.Select(w => w.Id));
            listed.AddRange(page.Items.Select(w => w.Id));
            token = page.ContinuationToken;
            Assert.True(++answers <= 20, "the list never ended");
        }
        while (token is not null);

        Assert.Equal(claimed.Order(), listed.Order());
        Assert.True(answers >= 3, $"5 items at max=2 came in {answers} answers");

        // The default answer holds everything of a small hub, with no token; a whole-list read agrees.
        var whole = (await _swarm.Api.GetAsync("work?team=paging", deadline.Token)).Read<Swarm.Api.WorkList>();
        Assert.Null(whole.ContinuationToken);
        Assert.Equal(claimed.Order(), whole.Items.Select(w => w.Id).Order());

        foreach (var max in new[] { "0", "1001", "two" })
        {
            var refused = await Assert.ThrowsAsync<Swarm.Api.Client.ServerProblemException>(() => _swarm.Api.GetAsync($"work?max={max}", deadline.Token));
            Assert.Equal(400, refused.Status);
            Assert.Equal("max", refused.Field);
        }

        var forged = await Assert.ThrowsAsync<Swarm.Api.Client.ServerProblemException>(() => _swarm.Api.GetAsync("work?continuationToken=not-a-token", deadline.Token));
        Assert.Equal(400, forged.Status);
        Assert.Equal("continuationToken", forged.Field);
    }

    private Task<AgentEvent> DeliveredAsync(string type, string team) =>
        _swarm.DeliveredAsync(e => e.Type == type && e.Team == team, $"{type} for {team}");

    private async Task<Sprint> RunSprintAsync(string team, CompletionStatus[] outcomes)
    {
        // Claimed together: every item must reach the team inside the planning window the first one opens (2 s), which
        // one claim after another on the Azure Storage backend of a loaded machine could miss.
        var claims = await Task.WhenAll(outcomes.Select((_, index) =>
            _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, $"Task {index}", WorkPriority.Medium, team, 1), null)));
        Assert.All(claims, c => Assert.True(c.Created));
        var ids = claims.Select(c => c.Item.Id).ToList();

        // While the sprint runs (its first item planned, none done), GET /api/agents shows the team executing it, and
        // as its next sprint the one after — not the one it runs.
        var planned = await SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetWorkAsync(ids[0]), w => w.Status == WorkStatus.Planned, what: $"work {ids[0]} planned");
        var executing = await SwarmTestHost.EventuallyAsync(
            () => _swarm.Client.GetInstanceAsync(InstanceIds.ScrumTeam(team), getInputsAndOutputs: true),
            i => i.SerializedCustomStatus is not null && i.ReadCustomStatusAs<ScrumTeamStatus>()!.State == "executing",
            what: $"team {team} executing");
        var teamStatus = executing!.ReadCustomStatusAs<ScrumTeamStatus>()!;
        Assert.Equal(planned.Sprint, teamStatus.CurrentSprint);
        Assert.Equal(planned.Sprint + 1, teamStatus.NextSprint);

        foreach (var (id, outcome) in ids.Zip(outcomes))
        {
            await SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetWorkAsync(id), w => w.Status == WorkStatus.Planned, what: $"work {id} planned");
            await _swarm.Commands.ReportProgressAsync(id, 40, null, null);
            await SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetWorkAsync(id), w => w.Status == WorkStatus.InProgress, what: $"work {id} in progress");
            await _swarm.Commands.CompleteAsync(id, outcome, outcome == CompletionStatus.Failed ? "flaky deploy" : null);
        }

        var number = (await _swarm.Commands.GetWorkAsync(ids[0])).Sprint!.Value;
        return (await _swarm.CompletedAsync(InstanceIds.Sprint(team, number))).ReadOutputAs<Sprint>()!;
    }
}
