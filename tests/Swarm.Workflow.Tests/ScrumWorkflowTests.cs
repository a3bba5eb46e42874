using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Scrum;

namespace Swarm.Workflow.Tests;

public class ScrumWorkflowTests : IAsyncLifetime
{
    private SwarmTestHost _swarm = null!;

    public async Task InitializeAsync() => _swarm = await StartHostAsync(o =>
    {
        o.Teams["delta"] = new TeamOptions { FirstSprint = 7 };
        o.Teams["omega"] = new TeamOptions { FirstSprint = 3 };
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

    private Task<AgentEvent> DeliveredAsync(string type, string team) =>
        _swarm.DeliveredAsync(e => e.Type == type && e.Team == team, $"{type} for {team}");

    private async Task<Sprint> RunSprintAsync(string team, CompletionStatus[] outcomes)
    {
        var ids = new List<string>();
        foreach (var (outcome, index) in outcomes.Select((o, i) => (o, i)))
        {
            var (item, created) = await _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, $"Task {index}", WorkPriority.Medium, team, 1), null);
            Assert.True(created);
            ids.Add(item.Id);
        }

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
