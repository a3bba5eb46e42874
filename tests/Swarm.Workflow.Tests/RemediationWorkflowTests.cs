using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Lean;
using Swarm.Domain.Remediation;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Microsoft.Extensions.DependencyInjection;

namespace Swarm.Workflow.Tests;

public class RemediationWorkflowTests : IAsyncLifetime
{
    private SwarmTestHost _swarm = null!;

    public async Task InitializeAsync() => _swarm = await StartHostAsync(o =>
        o.Remediation = new RemediationOptions { MaxDuration = TimeSpan.FromMinutes(5), RetryAfter = TimeSpan.FromSeconds(30) });

    public async Task DisposeAsync() => await _swarm.DisposeAsync();

    /// <summary>The host the tests run on: the in-memory backend here, the Azure Storage provider in a subclass.</summary>
    protected virtual Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions>? configure = null) => SwarmTestHost.StartAsync(configure);

    private AlertIntake Intake => _swarm.Services.GetRequiredService<AlertIntake>();

    [Fact]
    public async Task High_defect_rate_starts_a_lean_project_whose_proposal_goes_to_a_process_change_motion()
    {
        var alert = Alert("HighDefectRate", ("team", "theta"));

        var receipts = await Intake.ReceiveAsync([alert]);
        await Intake.ReceiveAsync([alert]);

        var remediationId = Assert.Single(receipts).RemediationId;
        var remediation = await StatusAsync<AlertRemediation>(remediationId, r => r.State == RemediationState.Monitoring);
        Assert.Equal(RemediationKind.LeanProject, remediation.Kind);
        var projectId = $"alert-{remediation.Id[..8]}";
        var motionId = InstanceIds.ProcessChangeMotionId("theta", projectId);
        var motion = (await _swarm.CompletedAsync(InstanceIds.Motion(motionId))).ReadOutputAs<Motion>()!;
        Assert.Equal(MotionKind.ProcessChange, motion.Kind);
        Assert.Equal(MotionResult.Passed, motion.Result);
        var lean = (await _swarm.CompletedAsync(InstanceIds.Lean("theta", projectId))).ReadOutputAs<LeanProject>()!;
        Assert.Equal(alert.Id, lean.AlertId);
        Assert.Equal(LeanPhase.Closed, lean.Phase);

        Assert.Equal(1, _swarm.Spans.Count(s => s.DisplayName == "remediation.start" && (string?)s.GetTagItem("swarm.alert.id") == alert.Id));

        await Intake.ReceiveAsync([alert with { Status = AlertStatus.Resolved, EndsAt = DateTimeOffset.UtcNow }]);
        var closed = (await _swarm.CompletedAsync(remediationId)).ReadOutputAs<AlertRemediation>()!;
        Assert.Equal(RemediationState.Resolved, closed.State);
        Assert.StartsWith("alert resolved", closed.Outcome);
        Assert.Contains(closed.Actions, a => a.StartsWith("notified: logged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_error_rate_alert_sheds_load_for_its_team_until_it_resolves()
    {
        var alert = Alert("AgentHighErrorRate", ("team", "iota"));
        var remediationId = Assert.Single(await Intake.ReceiveAsync([alert])).RemediationId;
        await StatusAsync<AlertRemediation>(remediationId, x => x.State == RemediationState.Monitoring);

        var refused = await Assert.ThrowsAsync<LoadSheddingException>(() =>
            _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, "Refused", WorkPriority.Low, "iota", 1), null));
        Assert.Equal(TimeSpan.FromSeconds(30), refused.RetryAfter);
        Assert.Equal("AgentHighErrorRate", refused.Alert);
        var (other, created) = await _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, "Other team", WorkPriority.Low, "kappa", 1), null);
        Assert.True(created);
        var circuits = await _swarm.Services.GetRequiredService<LoadShedding>().ActiveAsync();
        Assert.Contains(circuits, c => c.Team == "iota" && c.RemediationId == InstanceIds.RemediationKey(alert.Identity));
        var agents = await Swarm.Api.AgentStatesQuery.ReadAsync(
            _swarm.Client, _swarm.Services.GetRequiredService<IWorkHistory>(), _swarm.Services.GetRequiredService<LoadShedding>(), CancellationToken.None);
        Assert.Contains(agents.Remediation.Shedding, c => c.Team == "iota");
        Assert.Contains(agents.Remediation.Active, r => r.Alert == "AgentHighErrorRate" && r.Team == "iota" && r.State == RemediationState.Monitoring);

        await Intake.ReceiveAsync([alert with { Status = AlertStatus.Resolved }]);
        await _swarm.CompletedAsync(remediationId);
        var (accepted, createdAfter) = await _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, "Accepted again", WorkPriority.Low, "iota", 1), null);
        Assert.True(createdAfter);
        Assert.NotEqual(other.Id, accepted.Id);
    }

    [Fact]
    public async Task A_stuck_agent_is_nudged_past_its_deadline()
    {
        var motion = new Motion
        {
            Id = $"stuck-{Guid.NewGuid():N}"[..18],
            Kind = MotionKind.WorkApproval,
            Title = "Waits a long time",
            Team = "mu",
            Board = ["chair", "secretary", "treasurer"],
            Timings = new GovernanceTimings(TimeSpan.FromHours(1), TimeSpan.FromHours(1), TimeSpan.FromHours(1)),
            FromCommittee = true,
        };
        await _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.Motion, InstanceIds.Motion(motion.Id), motion);
        await SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetMotionAsync(motion.Id), m => m.State == MotionState.Seconded, what: "seconded");

        var receipts = await Intake.ReceiveAsync([Alert("AgentStateStuck", ("agent", "roberts-agent"), ("stuck_after_seconds", "0"))]);

        var decided = (await _swarm.CompletedAsync(InstanceIds.Motion(motion.Id))).ReadOutputAs<Motion>()!;
        Assert.Equal(MotionResult.Passed, decided.Result);
        Assert.Contains("general consent", decided.Reason);
        var remediation = await StatusAsync<AlertRemediation>(receipts[0].RemediationId, r => r.State == RemediationState.Monitoring);
        Assert.Contains(remediation.Actions, a => a.Contains($"nudged {InstanceIds.Motion(motion.Id)}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_resolution_that_overtakes_its_fired_notification_closes_the_episode_so_the_late_fired_one_starts_nothing()
    {
        var fired = Alert("HighDefectRate", ("team", "nu"));
        var resolved = fired with { Status = AlertStatus.Resolved, EndsAt = DateTimeOffset.UtcNow };

        var receipt = Assert.Single(await Intake.ReceiveAsync([resolved]));
        var closed = (await _swarm.CompletedAsync(receipt.RemediationId)).ReadOutputAs<AlertRemediation>()!;
        Assert.Equal(RemediationState.Resolved, closed.State);
        Assert.Equal(RemediationKind.LeanProject, closed.Kind);
        Assert.StartsWith("alert resolved before its fired notification arrived", closed.Outcome);
        Assert.Equal(["nothing done: the alert had already resolved"], closed.Actions);

        var late = Assert.Single(await Intake.ReceiveAsync([fired]));
        Assert.Equal(receipt.RemediationId, late.RemediationId);
        await SwarmTestHost.EventuallyAsync(
            () => Task.FromResult(_swarm.Delivered.FirstOrDefault(e => e.Id == late.EventId)), _ => true, what: "late fired delivered");

        var after = await _swarm.Client.GetInstanceAsync(receipt.RemediationId, getInputsAndOutputs: true);
        var unchanged = after!.ReadOutputAs<AlertRemediation>()!;
        Assert.Equal((closed.State, closed.Outcome, closed.ResolvedAt, closed.StartedAt), (unchanged.State, unchanged.Outcome, unchanged.ResolvedAt, unchanged.StartedAt));
        Assert.Equal(closed.Actions, unchanged.Actions);
        Assert.Null(await _swarm.Client.GetInstanceAsync(InstanceIds.Lean("nu", $"alert-{closed.Id[..8]}")));
        Assert.DoesNotContain(_swarm.Spans, s => s.DisplayName == "remediation.start" && (string?)s.GetTagItem("swarm.alert.id") == fired.Id);
        Assert.Single(_swarm.Spans, s => s.DisplayName == "remediation.resolve" && (string?)s.GetTagItem("swarm.alert.id") == fired.Id);

        // The same resolution delivered again finds the episode closed.
        var again = Assert.Single(await Intake.ReceiveAsync([resolved]));
        await SwarmTestHost.EventuallyAsync(
            () => Task.FromResult(_swarm.Delivered.FirstOrDefault(e => e.Id == again.EventId)), _ => true, what: "repeated resolution delivered");
        Assert.Single(_swarm.Spans, s => s.DisplayName == "remediation.resolve" && (string?)s.GetTagItem("swarm.alert.id") == fired.Id);
    }

    [Fact]
    public async Task A_resolution_while_the_remediation_is_still_pending_is_not_lost()
    {
        var fired = Alert("WorkItemsStuck", ("team", "xi"));
        await Intake.ReceiveAsync([fired]);
        await Intake.ReceiveAsync([fired with { Status = AlertStatus.Resolved, EndsAt = DateTimeOffset.UtcNow }]);

        var remediation = (await _swarm.CompletedAsync(InstanceIds.Remediation(InstanceIds.RemediationKey(fired.Identity)))).ReadOutputAs<AlertRemediation>()!;
        Assert.Equal(RemediationState.Resolved, remediation.State);
        Assert.NotNull(remediation.Outcome);
        Assert.DoesNotContain("without the alert resolving", remediation.Outcome, StringComparison.Ordinal);
    }

    private static AlertNotification Alert(string name, params (string Key, string Value)[] labels) => new()
    {
        Source = AlertPayloads.AlertmanagerSource,
        Id = Guid.NewGuid().ToString("N")[..16],
        Name = name,
        Status = AlertStatus.Firing,
        Severity = "warning",
        Labels = labels.ToDictionary(l => l.Key, l => l.Value),
        StartsAt = DateTimeOffset.UtcNow,
    };

    private Task<T> StatusAsync<T>(string instanceId, Func<T, bool> condition) where T : class =>
        SwarmTestHost.EventuallyAsync(
            async () => await _swarm.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true) is { SerializedCustomStatus: not null } i ? i.ReadCustomStatusAs<T>() : null,
            condition,
            what: instanceId);
}
