using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;

namespace Swarm.Workflow.Tests;

public class IdempotencyTests : IAsyncLifetime
{
    private SwarmTestHost _swarm = null!;

    public async Task InitializeAsync() => _swarm = await StartHostAsync();

    public async Task DisposeAsync() => await _swarm.DisposeAsync();

    /// <summary>
    /// Whether the backend refuses concurrent starts of one instance id atomically. The Azure Storage provider checks
    /// and then enqueues, so racing starts may each be told they created the instance. There is still one instance:
    /// the provider discards the extra start messages. The in-memory service is atomic.
    /// </summary>
    protected virtual bool StartsAreAtomic => true;

    /// <summary>The host the tests run on: the in-memory backend here, the Azure Storage provider in a subclass.</summary>
    protected virtual Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions>? configure = null) => SwarmTestHost.StartAsync(configure);

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_work_item()
    {
        var claim = new ClaimWork(WorkType.Bug, "Retry storm", WorkPriority.High, "kappa", 2);

        var (first, created) = await _swarm.Commands.ClaimAsync(claim, "key-123");
        var (again, createdAgain) = await _swarm.Commands.ClaimAsync(claim, "key-123");

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(first.Id, again.Id);
        var instances = await CountAsync(InstanceIds.Work(first.Id));
        Assert.Equal(1, instances);
        await Assert.ThrowsAsync<ConflictException>(() => _swarm.Commands.ClaimAsync(claim with { Title = "Something else" }, "key-123"));
    }

    [Fact]
    public async Task Concurrent_claims_with_one_key_start_one_work_item()
    {
        var claim = new ClaimWork(WorkType.Task, "Concurrent", WorkPriority.Low, "kappa", 1);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _swarm.Commands.ClaimAsync(claim, "key-concurrent")));

        Assert.Single(results.Select(r => r.Item.Id).Distinct());
        Assert.Equal(1, await CountAsync(InstanceIds.Work(results[0].Item.Id)));
        if (StartsAreAtomic)
        {
            Assert.Equal(1, results.Count(r => r.Created));
        }
    }

    [Fact]
    public async Task Redelivered_events_start_nothing_twice_and_change_nothing()
    {
        var item = new WorkItem
        {
            Id = $"redeliver{Guid.NewGuid():N}"[..20],
            Type = WorkType.Feature,
            Title = "Redelivered",
            Priority = WorkPriority.Medium,
            Team = "lambda",
            ClaimedAt = DateTimeOffset.UtcNow,
        };
        await _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.WorkItem, InstanceIds.Work(item.Id), item);
        var claimed = await SwarmTestHost.EventuallyAsync(
            () => Task.FromResult(_swarm.Delivered.FirstOrDefault(e => e.Type == EventTypes.WorkClaimed && e.WorkId == item.Id)), _ => true, what: "work.claimed");

        await _swarm.Router.RouteAsync(claimed);
        await _swarm.Router.RouteAsync(claimed);

        var motionId = InstanceIds.ApprovalMotionId(item.Id);
        var motion = (await _swarm.CompletedAsync(InstanceIds.Motion(motionId))).ReadOutputAs<Motion>()!;
        Assert.Equal(MotionResult.Passed, motion.Result);
        Assert.Equal(1, await CountAsync(InstanceIds.Motion(motionId)));

        var passed = await SwarmTestHost.EventuallyAsync(
            () => Task.FromResult(_swarm.Delivered.FirstOrDefault(e => e.Type == EventTypes.MotionPassed && e.WorkId == item.Id)), _ => true, what: "motion passed");
        await _swarm.Router.RouteAsync(passed);
        await _swarm.Router.RouteAsync(passed);

        var planned = await SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetWorkAsync(item.Id), w => w.Status == WorkStatus.Planned, what: "planned");
        Assert.Equal(WorkStatus.Planned, planned.Status);
        var approvals = _swarm.Spans.Count(s => s.DisplayName == "scrum.work.approve" && (string?)s.GetTagItem("swarm.work.id") == item.Id);
        Assert.Equal(1, approvals);
        var backlogAdds = _swarm.Spans.Count(s => s.DisplayName == "scrum.work.plan" && (string?)s.GetTagItem("swarm.work.id") == item.Id);
        Assert.Equal(1, backlogAdds);
    }

    private async Task<int> CountAsync(string instanceId)
    {
        var count = 0;
        await foreach (var instance in _swarm.Client.GetAllInstancesAsync(new Microsoft.DurableTask.Client.OrchestrationQuery { InstanceIdPrefix = instanceId }))
        {
            if (instance.InstanceId == instanceId)
            {
                count++;
            }
        }

        return count;
    }
}
