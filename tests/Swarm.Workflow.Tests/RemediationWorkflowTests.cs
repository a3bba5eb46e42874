using System.Diagnostics;
using System.Text.Json;
using Swarm.Api;
using Swarm.Api.Client;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Lean;
using Swarm.Domain.Remediation;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Swarm.Workflow.Tests;

/// <summary>
/// Incidents: one per policy × target while open, whatever the episodes, sources and retries; closed when every source
/// has resolved; a cooldown after; the storm limit; the audit trail over HTTP.
/// </summary>
public class RemediationWorkflowTests : IAsyncLifetime
{
    private SwarmTestHost _swarm = null!;

    public async Task InitializeAsync() => _swarm = await StartHostAsync(o =>
        o.Remediation = new RemediationOptions
        {
            MaxDuration = TimeSpan.FromMinutes(5),
            RetryAfter = TimeSpan.FromSeconds(30),
            NotifyCooldown = TimeSpan.FromMinutes(10),
            ApprovalWindow = TimeSpan.FromSeconds(1),
        });

    public async Task DisposeAsync() => await _swarm.DisposeAsync();

    /// <summary>The host the tests run on: the in-memory backend here, the Azure Storage provider in a subclass.</summary>
    protected virtual Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions>? configure = null) => SwarmTestHost.StartAsync(configure);

    private AlertIntake Intake => _swarm.Services.GetRequiredService<AlertIntake>();

    [Fact]
    public async Task High_defect_rate_opens_one_incident_whose_lean_project_goes_to_a_process_change_motion_and_a_repeat_joins_it()
    {
        var alert = Alert("HighDefectRate", ("team", "theta"));

        var receipts = await Intake.ReceiveAsync([alert]);
        await Intake.ReceiveAsync([alert]);

        var remediationId = Assert.Single(receipts).RemediationId;
        Assert.Equal("lean-project/team=theta", receipts[0].IncidentKey);
        var remediation = await StatusAsync(remediationId, r => r is { State: RemediationState.Monitoring, Joined: 1 });
        Assert.Equal(RemediationKind.LeanProject, remediation.Kind);
        var projectId = remediation.LeanProjectId!;
        Assert.Equal(InstanceIds.AlertProjectId(remediation.Id), projectId);
        var motionId = InstanceIds.ProcessChangeMotionId("theta", projectId);
        var motion = await ClosedMotionAsync(_swarm, motionId);
        Assert.Equal(MotionKind.ProcessChange, motion.Kind);
        Assert.Equal(MotionResult.Passed, motion.Result);
        var lean = (await _swarm.CompletedAsync(InstanceIds.Lean("theta", projectId))).ReadOutputAs<LeanProject>()!;
        Assert.Equal(alert.Id, lean.AlertId);
        Assert.Equal(LeanPhase.Closed, lean.Phase);
        Assert.Equal(1, _swarm.Spans.Count(s => s.DisplayName == "remediation.start" && (string?)s.GetTagItem("swarm.alert.id") == alert.Id));

        await Intake.ReceiveAsync([alert with { Status = AlertStatus.Resolved, EndsAt = DateTimeOffset.UtcNow }]);
        var closed = await StatusAsync(remediationId, r => r.State == RemediationState.Resolved);
        Assert.StartsWith("every source resolved", closed.Outcome);
        Assert.Contains(closed.Actions, a => a.StartsWith("notified: logged", StringComparison.Ordinal));
        Assert.Equal(["opened", "acted", "joined", "source-resolved", "resolved"], closed.Steps.Select(s => s.Step));
        Assert.NotNull(closed.CooldownUntil);
        Assert.All(closed.Steps.Where(s => s.Step is "acted" or "resolved"), s => Assert.Matches("^[0-9a-f]{32}$", s.TraceId!));
    }

    [Fact]
    public async Task An_error_rate_alert_sheds_load_for_its_team_until_it_resolves()
    {
        var alert = Alert("AgentHighErrorRate", ("team", "iota"));
        var remediationId = Assert.Single(await Intake.ReceiveAsync([alert])).RemediationId;
        var open = await StatusAsync(remediationId, x => x.State == RemediationState.Monitoring);

        var refused = await Assert.ThrowsAsync<LoadSheddingException>(() =>
            _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, "Refused", WorkPriority.Low, "iota", 1), null));
        Assert.Equal(TimeSpan.FromSeconds(30), refused.RetryAfter);
        Assert.Equal("AgentHighErrorRate", refused.Alert);
        var (other, created) = await _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, "Other team", WorkPriority.Low, "kappa", 1), null);
        Assert.True(created);
        var circuits = await _swarm.Services.GetRequiredService<LoadShedding>().ActiveAsync();
        Assert.Contains(circuits, c => c.Team == "iota" && c.RemediationId == open.Id);
        var agents = await AgentStatesQuery.ReadAsync(
            _swarm.Client, _swarm.Services.GetRequiredService<IWorkHistory>(), _swarm.Services.GetRequiredService<LoadShedding>(), CancellationToken.None);
        Assert.Contains(agents.Remediation.Shedding, c => c.Team == "iota");
        Assert.Contains(agents.Remediation.Active, r => r.Alert == "AgentHighErrorRate" && r.Team == "iota" && r.State == RemediationState.Monitoring);

        await Intake.ReceiveAsync([alert with { Status = AlertStatus.Resolved }]);
        await StatusAsync(remediationId, x => x.State == RemediationState.Resolved);
        // The resolving activity releases the circuit in this process; another instance would see it within a refresh.
        WorkItem? accepted = null;
        var createdAfter = false;
        for (var attempt = 0; attempt < 100 && accepted is null; attempt++)
        {
            try
            {
                (accepted, createdAfter) = await _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, "Accepted again", WorkPriority.Low, "iota", 1), null);
            }
            catch (LoadSheddingException)
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(accepted);
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
        await MotionInAsync(_swarm, motion.Id, MotionState.Seconded, "seconded");

        var receipts = await Intake.ReceiveAsync([Alert("AgentStateStuck", ("agent", "roberts-agent"), ("stuck_after_seconds", "0"))]);

        var decided = await ClosedMotionAsync(_swarm, motion.Id);
        Assert.Equal(MotionResult.Passed, decided.Result);
        Assert.Contains("general consent", decided.Reason);
        var remediation = await StatusAsync(receipts[0].RemediationId, r => r.State == RemediationState.Monitoring);
        Assert.Contains(remediation.Actions, a => a.Contains($"nudged {InstanceIds.Motion(motion.Id)}", StringComparison.Ordinal));

        // Recovery needs the board's consent: its motion announced the plan and was adopted with no objection.
        Assert.Equal(ApprovalMode.Consent, remediation.Approval);
        var approval = await ClosedMotionAsync(_swarm, remediation.ApprovalMotionId!);
        Assert.Equal((MotionKind.RemediationApproval, MotionResult.Passed, remediation.Id), (approval.Kind, approval.Result, approval.RemediationId));
        Assert.Contains("recover roberts-agent", approval.Proposal, StringComparison.Ordinal);
        Assert.Contains("because AgentStateStuck fired", approval.Proposal, StringComparison.Ordinal);
        Assert.Equal(["opened", "approval-requested", "approved", "acted"], remediation.Steps.Select(s => s.Step));
    }

    [Fact]
    public async Task An_objection_puts_the_plan_to_a_vote_and_a_rejected_plan_applies_nothing()
    {
        await using var board = await StartHostAsync(o => o.Remediation = new RemediationOptions { ApprovalWindow = TimeSpan.FromSeconds(30) });
        var intake = board.Services.GetRequiredService<AlertIntake>();
        var receipt = (await intake.ReceiveAsync([Alert("SlowTransitions")])).Single();
        var waiting = await IncidentAsync(board, receipt.RemediationId, r => r.State == RemediationState.AwaitingApproval, what: "awaiting approval");
        await MotionInAsync(board, waiting.ApprovalMotionId!, MotionState.Seconded, "approval motion open");

        await board.Commands.VoteAsync(waiting.ApprovalMotionId!, "treasurer", VoteChoice.Object, "obj-1");
        await MotionInAsync(board, waiting.ApprovalMotionId!, MotionState.Voting, "put to a vote");
        foreach (var member in new[] { "chair", "secretary", "treasurer", "member-a", "member-b" })
        {
            await board.Commands.VoteAsync(waiting.ApprovalMotionId!, member, VoteChoice.No, $"no-{member}");
        }

        var closed = await IncidentAsync(board, receipt.RemediationId, r => r.State == RemediationState.Resolved, what: "rejected");
        Assert.Equal("shed-load/team=*", closed.IncidentKey);
        Assert.StartsWith("not applied: the board did not approve", closed.Outcome);
        Assert.Null(closed.StartedAt);
        Assert.Null(closed.CooldownUntil);
        Assert.Equal(["opened", "approval-requested", "rejected", "resolved"], closed.Steps.Select(s => s.Step));
        Assert.Empty(await board.Services.GetRequiredService<LoadShedding>().ActiveAsync());
        var audited = (await board.Api.GetAsync($"remediations/{closed.Id}", CancellationToken.None)).Read<AlertRemediation>();
        Assert.Equal(closed.Steps.Select(s => (s.Step, s.Detail)), audited.Steps.Select(s => (s.Step, s.Detail)));
        Assert.StartsWith("rejected:", audited.ApprovalDecision, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plan_whose_alert_resolves_before_the_board_decides_applies_nothing_and_its_motion_is_withdrawn()
    {
        await using var board = await StartHostAsync(o => o.Remediation = new RemediationOptions { ApprovalWindow = TimeSpan.FromMinutes(10) });
        var intake = board.Services.GetRequiredService<AlertIntake>();
        var alert = Alert("SlowTransitions");
        var receipt = (await intake.ReceiveAsync([alert])).Single();
        var waiting = await IncidentAsync(board, receipt.RemediationId, r => r.State == RemediationState.AwaitingApproval, what: "awaiting approval");
        var motionId = waiting.ApprovalMotionId!;
        await MotionInAsync(board, motionId, MotionState.Seconded, "approval motion open");

        await intake.ReceiveAsync([alert with { Status = AlertStatus.Resolved, EndsAt = DateTimeOffset.UtcNow }]);

        var closed = await IncidentAsync(board, receipt.RemediationId, r => r.State == RemediationState.Resolved, what: "closed before approval");
        Assert.Equal("not applied: every source resolved before the board decided", closed.Outcome);
        Assert.Equal(["opened", "approval-requested", "source-resolved", "resolved"], closed.Steps.Select(s => s.Step));
        Assert.Contains($"asked leave to withdraw motion {motionId}: the board had not decided", closed.Actions);
        Assert.StartsWith($"not applied: every source resolved before the board decided; asked leave to withdraw motion {motionId}", closed.Steps[^1].Detail, StringComparison.Ordinal);
        Assert.Null(closed.CooldownUntil);
        Assert.Empty(await board.Services.GetRequiredService<LoadShedding>().ActiveAsync());

        // Roberts closes the motion as withdrawn by its maker, well before its ten-minute window.
        var motion = await ClosedMotionAsync(board, motionId);
        Assert.Equal((MotionState.Closed, MotionResult.Withdrawn), (motion.State, motion.Result));
        Assert.StartsWith(
            $"withdrawn by {AgentNames.Remediation} with the assembly's leave (general consent): incident {closed.Id} closed before the board decided",
            motion.Reason,
            StringComparison.Ordinal);
        Assert.Single(board.Spans, s => s.DisplayName == "roberts.motion.withdraw" && (string?)s.GetTagItem("swarm.motion.id") == motionId);
        // Nothing is handed off for a withdrawn motion: the incident it was for recorded no late decision.
        Assert.DoesNotContain(board.Spans, s => s.DisplayName == "roberts.vote.approve" && (string?)s.GetTagItem("swarm.motion.id") == motionId);

        // The board can no longer act on it, and GET /api/agents counts it apart from the failed ones.
        await Assert.ThrowsAsync<IllegalTransitionException>(() => board.Commands.VoteAsync(motionId, "treasurer", VoteChoice.Object, "late-objection"));
        var roberts = (await board.Api.GetAsync("agents", CancellationToken.None)).Read<AgentStates>().Roberts;
        Assert.Equal((0, 0, 1), (roberts.Passed, roberts.Failed, roberts.Withdrawn));
        Assert.DoesNotContain(roberts.OpenMotions, m => m.Id == motionId);
    }

    [Fact]
    public async Task A_plan_already_put_to_the_vote_is_not_withdrawn_and_its_late_approval_applies_nothing()
    {
        await using var board = await StartHostAsync(o => o.Remediation = new RemediationOptions { ShedLoadApproval = ApprovalMode.Vote });
        var intake = board.Services.GetRequiredService<AlertIntake>();
        var alert = Alert("AgentHighErrorRate", ("team", "vote-moot"));
        var receipt = (await intake.ReceiveAsync([alert])).Single();
        var waiting = await IncidentAsync(board, receipt.RemediationId, r => r.State == RemediationState.AwaitingApproval, what: "awaiting the vote");
        var motionId = waiting.ApprovalMotionId!;
        await MotionInAsync(board, motionId, MotionState.Voting, "put to the vote");
        await board.Commands.VoteAsync(motionId, "chair", VoteChoice.Yes, "vote-chair");

        await intake.ReceiveAsync([alert with { Status = AlertStatus.Resolved, EndsAt = DateTimeOffset.UtcNow }]);
        var closed = await IncidentAsync(board, receipt.RemediationId, r => r.State == RemediationState.Resolved, what: "closed mid-vote");

        // Too late under RONR once voting has begun: the vote runs to its close, and its approval reaches a closed incident.
        Assert.Contains($"asked leave to withdraw motion {motionId}: the board had not decided", closed.Actions);
        foreach (var member in new[] { "secretary", "treasurer", "member-a", "member-b" })
        {
            await board.Commands.VoteAsync(motionId, member, VoteChoice.Yes, $"vote-{member}");
        }

        var motion = await ClosedMotionAsync(board, motionId);
        Assert.Equal((MotionResult.Passed, 5), (motion.Result, motion.Tally!.Yes));
        await SwarmTestHost.EventuallyAsync(
            () => Task.FromResult(board.Spans.FirstOrDefault(s => s.DisplayName == "swarm.event.route" && (string?)s.GetTagItem("swarm.event.id") == $"{EventTypes.MotionPassed}:{motionId}")),
            route => route.Status != ActivityStatusCode.Error,
            what: "the approval routed to the incident's desk");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var after = await IncidentAsync(board, receipt.RemediationId, _ => true, what: "the incident after the late approval");
        Assert.Equal((RemediationState.Resolved, closed.Steps.Count), (after.State, after.Steps.Count));
        Assert.Null(after.StartedAt);
        Assert.Empty(await board.Services.GetRequiredService<LoadShedding>().ActiveAsync());
        Assert.DoesNotContain(board.Spans, s => s.DisplayName == "roberts.motion.withdraw" && (string?)s.GetTagItem("swarm.motion.id") == motionId);
    }

    [Fact]
    public async Task A_plan_that_expires_before_the_board_decides_withdraws_its_motion()
    {
        await using var board = await StartHostAsync(o => o.Remediation = new RemediationOptions
        {
            ApprovalWindow = TimeSpan.FromMinutes(10),
            MaxDuration = TimeSpan.FromSeconds(3),
        });
        var intake = board.Services.GetRequiredService<AlertIntake>();
        var receipt = (await intake.ReceiveAsync([Alert("SlowTransitions")])).Single();

        var expired = await IncidentAsync(board, receipt.RemediationId, r => r.State == RemediationState.Resolved, what: "expired awaiting approval");

        Assert.Equal(["opened", "approval-requested", "expired"], expired.Steps.Select(s => s.Step));
        Assert.Contains($"asked leave to withdraw motion {expired.ApprovalMotionId}: the board had not decided", expired.Actions);
        var motion = await ClosedMotionAsync(board, expired.ApprovalMotionId!);
        Assert.Equal(MotionResult.Withdrawn, motion.Result);
        Assert.Contains("without every source resolving", motion.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_escalation_the_board_has_not_decided_is_withdrawn_when_the_incident_closes()
    {
        await using var strict = await StartHostAsync(o => o.Remediation = new RemediationOptions
        {
            VerifyWindow = TimeSpan.FromSeconds(1),
            ApprovalWindow = TimeSpan.FromMinutes(10),
        });
        var intake = strict.Services.GetRequiredService<AlertIntake>();
        var alert = Alert("AgentHighErrorRate", ("team", "escalation-moot"));
        var remediationId = (await intake.ReceiveAsync([alert])).Single().RemediationId;
        var escalated = await IncidentAsync(strict, remediationId, r => r.Escalated, what: "escalated");
        var motionId = escalated.EscalationMotionId!;
        await MotionInAsync(strict, motionId, MotionState.Seconded, "escalation motion open");

        await intake.ReceiveAsync([alert with { Status = AlertStatus.Resolved, EndsAt = DateTimeOffset.UtcNow }]);

        var closed = await IncidentAsync(strict, remediationId, r => r.State == RemediationState.Resolved, what: "closed");
        Assert.Equal(["opened", "acted", "not-effective", "escalated", "source-resolved", "resolved"], closed.Steps.Select(s => s.Step));
        Assert.Contains($"asked leave to withdraw motion {motionId}: the board had not decided", closed.Actions);
        Assert.Null(closed.EscalationDecision);
        var motion = await ClosedMotionAsync(strict, motionId);
        Assert.Equal(MotionResult.Withdrawn, motion.Result);
        Assert.Contains("every source resolved", motion.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remediation_whose_alert_resolves_in_its_window_is_verified()
    {
        var alert = Alert("QueueBacklog", ("team", "verify-ok"));
        var remediationId = (await Intake.ReceiveAsync([alert])).Single().RemediationId;
        await StatusAsync(remediationId, r => r.State == RemediationState.Monitoring);

        await Intake.ReceiveAsync([alert with { Status = AlertStatus.Resolved }]);
        var verified = await StatusAsync(remediationId, r => r.Verification is not null);

        Assert.Equal("verified", verified.Verification);
        Assert.False(verified.Escalated);
        Assert.StartsWith("every source resolved within", verified.Evidence);
        Assert.Equal(["opened", "acted", "source-resolved", "resolved", "verified"], verified.Steps.Select(s => s.Step));
    }

    [Fact]
    public async Task A_remediation_still_firing_after_its_window_is_not_effective_and_escalates_to_the_teams_board()
    {
        await using var strict = await StartHostAsync(o => o.Remediation = new RemediationOptions
        {
            VerifyWindow = TimeSpan.FromSeconds(1),
            ApprovalWindow = TimeSpan.FromSeconds(1),
        });
        var intake = strict.Services.GetRequiredService<AlertIntake>();
        var alert = Alert("AgentHighErrorRate", ("team", "verify-bad"));
        var remediationId = (await intake.ReceiveAsync([alert])).Single().RemediationId;

        var escalated = await IncidentAsync(strict, remediationId, r => r.Steps.Any(s => s.Step == "board-decision"), what: "escalated and decided by the board");

        Assert.Equal(("not-effective", true, RemediationState.Monitoring), (escalated.Verification, escalated.Escalated, escalated.State));
        Assert.Contains("still firing", escalated.Evidence);
        var motion = await ClosedMotionAsync(strict, escalated.EscalationMotionId!);
        Assert.Equal((MotionKind.RemediationApproval, "verify-bad", MotionResult.Passed), (motion.Kind, motion.Team, motion.Result));
        Assert.Contains("was not effective", motion.Title, StringComparison.Ordinal);
        Assert.Equal(["opened", "acted", "not-effective", "escalated", "board-decision"], escalated.Steps.Select(s => s.Step));
        Assert.StartsWith("adopted by general consent", escalated.EscalationDecision, StringComparison.Ordinal);
        Assert.Contains(escalated.Actions, a => a.StartsWith("escalated: notified", StringComparison.Ordinal));
        var listed = (await strict.Api.GetAsync("remediations?team=verify-bad", CancellationToken.None)).Read<Swarm.Api.IncidentList>();
        var audited = (await strict.Api.GetAsync($"remediations/{escalated.Id}", CancellationToken.None)).Read<AlertRemediation>();
        Assert.Equal(escalated.Id, Assert.Single(listed.Items).Id);
        Assert.Equal(("not-effective", escalated.EscalationMotionId), (audited.Verification, audited.EscalationMotionId));
    }

    [Fact]
    public async Task High_defect_rate_for_a_team_with_an_open_lean_project_joins_that_project_instead_of_starting_a_second()
    {
        const string Team = "join-lean";
        // Open for as long as the test runs: in Control, waiting for a decision on a motion nobody opened.
        var open = ProjectInControl(Team, 7);
        var neighbour = ProjectInControl($"{Team}-x", 7);
        await _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, InstanceIds.Lean(neighbour.Team, neighbour.Id), neighbour);
        await _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, InstanceIds.Lean(Team, open.Id), open);
        await SwarmTestHost.EventuallyAsync(
            () => _swarm.Client.GetInstanceAsync(InstanceIds.Lean(Team, open.Id), getInputsAndOutputs: true),
            i => i.RuntimeStatus == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Running && i.SerializedCustomStatus is not null,
            what: "the open project");

        var remediationId = (await Intake.ReceiveAsync([Alert("HighDefectRate", ("team", Team))])).Single().RemediationId;
        var acted = await StatusAsync(remediationId, r => r.State == RemediationState.Monitoring);

        Assert.Equal(open.Id, acted.LeanProjectId);
        Assert.Contains(acted.Actions, a => a.StartsWith($"joined Lean project {open.Id} of team {Team}", StringComparison.Ordinal));
        Assert.Null(await _swarm.Client.GetInstanceAsync(InstanceIds.Lean(Team, InstanceIds.AlertProjectId(acted.Id))));
        // The instance-id prefix of team "join" covers both projects above; neither is that team's.
        var improvements = _swarm.Services.GetRequiredService<ITeamImprovements>();
        Assert.Null(await improvements.CurrentAsync("join", DateTimeOffset.MinValue));
        Assert.Equal(new TeamImprovement(open.Id, true, null, null), await improvements.CurrentAsync(Team, DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task High_defect_rate_for_a_team_whose_lean_project_closed_within_a_sprint_starts_no_second_project()
    {
        const string Team = "closed-lean";
        var project = ProjectInControl(Team, 8);
        var instanceId = InstanceIds.Lean(Team, project.Id);
        await _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, instanceId, project);
        await _swarm.Mailbox.SendAsync(instanceId, new LeanCommand("decision-closed-lean", project.MotionId!, BoardDecision.Passed, "adopted by general consent"));
        var closed = (await _swarm.CompletedAsync(instanceId)).ReadOutputAs<LeanProject>()!;
        Assert.Equal(LeanPhase.Closed, closed.Phase);

        var remediationId = (await Intake.ReceiveAsync([Alert("HighDefectRate", ("team", Team))])).Single().RemediationId;
        var acted = await StatusAsync(remediationId, r => r.State == RemediationState.Monitoring);

        Assert.Equal(project.Id, acted.LeanProjectId);
        Assert.Contains(acted.Actions, a => a.StartsWith($"Lean project {project.Id} of team {Team} closed at ", StringComparison.Ordinal) && a.Contains("no second project", StringComparison.Ordinal));
        Assert.Null(await _swarm.Client.GetInstanceAsync(InstanceIds.Lean(Team, InstanceIds.AlertProjectId(acted.Id))));
        // Closed longer ago than the Lean cooldown, it is no longer the team's current improvement.
        Assert.Null(await _swarm.Services.GetRequiredService<ITeamImprovements>().CurrentAsync(Team, DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Fact]
    public async Task Two_lean_projects_started_together_for_one_team_merge_into_the_first_and_one_change_goes_to_the_board()
    {
        // The race an alert's remediation and a sprint review run when they act in the same moment: each found no open
        // project and started its own. The one created second must yield.
        const string Team = "merge-lean";
        var alertProject = new LeanProject
        {
            Id = InstanceIds.AlertProjectId("lean-project-merge-1"),
            Team = Team,
            AlertId = "merge-alert",
            Charter = new Charter("HighDefectRate fired for team merge-lean", "Defect rate at most 3 %", "chair", "alert HighDefectRate (alertmanager)"),
        };
        var reviewProject = ProjectInControl(Team, 1) with { CreatedAt = null, Phase = LeanPhase.Define, MotionId = null };
        await _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, InstanceIds.Lean(Team, alertProject.Id), alertProject);
        await _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, InstanceIds.Lean(Team, reviewProject.Id), reviewProject);

        var merged = (await _swarm.CompletedAsync(InstanceIds.Lean(Team, reviewProject.Id))).ReadOutputAs<LeanProject>()!;

        Assert.Equal((LeanPhase.Closed, alertProject.Id, (string?)null), (merged.Phase, merged.MergedInto, merged.MotionId));
        Assert.StartsWith($"merged into Lean project {alertProject.Id} of team {Team}", merged.Outcome, StringComparison.Ordinal);
        var first = await ProposedAsync(InstanceIds.ProcessChangeMotionId(Team, alertProject.Id));
        Assert.Equal(alertProject.Id, first.LeanProjectId);
        Assert.Null(await _swarm.Client.GetInstanceAsync(InstanceIds.Motion(InstanceIds.ProcessChangeMotionId(Team, reviewProject.Id))));
        var lean = await _swarm.Services.GetRequiredService<ITeamImprovements>().CurrentAsync(Team, DateTimeOffset.MinValue);
        Assert.Equal(alertProject.Id, lean?.ProjectId);
    }

    [Fact]
    public async Task A_lean_project_that_finds_an_earlier_open_one_only_at_control_merges_before_its_proposal_reaches_the_board()
    {
        // Define ran before the other project was visible; the check before the proposal is the one that counts.
        const string Team = "merge-late";
        var open = ProjectInControl(Team, 3);
        await _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, InstanceIds.Lean(Team, open.Id), open);
        await SwarmTestHost.EventuallyAsync(
            () => _swarm.Client.GetInstanceAsync(InstanceIds.Lean(Team, open.Id), getInputsAndOutputs: true),
            i => i.RuntimeStatus == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Running && i.SerializedCustomStatus is not null,
            what: "the open project");
        var late = ProjectInControl(Team, 4) with
        {
            Phase = LeanPhase.Improve,
            MotionId = null,
            Proposal = new Proposal("Add a 'timeout' check to team merge-late's definition of done", "Verify 'timeout' before done.", "Defect rate to at most 3 %."),
        };

        await _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, InstanceIds.Lean(Team, late.Id), late);
        var merged = (await _swarm.CompletedAsync(InstanceIds.Lean(Team, late.Id))).ReadOutputAs<LeanProject>()!;

        Assert.Equal((LeanPhase.Closed, open.Id, (string?)null), (merged.Phase, merged.MergedInto, merged.MotionId));
        Assert.NotNull(merged.ClosedAt);
        Assert.Null(await _swarm.Client.GetInstanceAsync(InstanceIds.Motion(InstanceIds.ProcessChangeMotionId(Team, late.Id))));
    }

    [Fact]
    public async Task A_lean_project_remediation_is_verified_by_the_teams_next_sprint_review()
    {
        const string Team = "verify-lean";
        var remediationId = (await Intake.ReceiveAsync([Alert("HighDefectRate", ("team", Team))])).Single().RemediationId;
        await StatusAsync(remediationId, r => r.State == RemediationState.Monitoring);

        // The team's next sprint: one task, done well.
        var (item, _) = await _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, "After the fix", WorkPriority.Medium, Team, 1), null);
        await SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetWorkAsync(item.Id), w => w.Status == WorkStatus.Planned, what: "planned");
        await _swarm.Commands.ReportProgressAsync(item.Id, 50, null, null);
        await SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetWorkAsync(item.Id), w => w.Status == WorkStatus.InProgress, what: "in progress");
        await _swarm.Commands.CompleteAsync(item.Id, CompletionStatus.Success, null);

        var verified = await StatusAsync(remediationId, r => r.Verification is not null);
        Assert.Equal("verified", verified.Verification);
        Assert.Contains($"review of team {Team}: defect rate", verified.Evidence, StringComparison.Ordinal);
        Assert.Contains("at or under the threshold", verified.Evidence, StringComparison.Ordinal);
        Assert.Equal(RemediationState.Monitoring, verified.State);
    }

    [Fact]
    public async Task A_review_of_a_sprint_that_started_before_the_remediation_acted_does_not_verify_it()
    {
        const string Team = "verify-too-early";

        // The sprint runs first; the remediation acts while it runs (as when a restarted host gets the alert before the
        // review of the sprint whose failure fired it).
        var (item, _) = await _swarm.Commands.ClaimAsync(new ClaimWork(WorkType.Task, "Before the fix", WorkPriority.Medium, Team, 1), null);
        await SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetWorkAsync(item.Id), w => w.Status == WorkStatus.Planned, what: "planned");
        await _swarm.Commands.ReportProgressAsync(item.Id, 50, null, null);
        await SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetWorkAsync(item.Id), w => w.Status == WorkStatus.InProgress, what: "in progress");
        var remediationId = (await Intake.ReceiveAsync([Alert("HighDefectRate", ("team", Team))])).Single().RemediationId;
        await StatusAsync(remediationId, r => r.State == RemediationState.Monitoring);
        await _swarm.Commands.CompleteAsync(item.Id, CompletionStatus.Success, null);

        var ignored = await StatusAsync(remediationId, r => r.Steps.Any(s => s.Step == "ignored"));
        Assert.Null(ignored.Verification);
        Assert.Contains(ignored.Steps, s => s.Step == "ignored" && s.Detail.EndsWith("(its sprint started before the remediation acted)", StringComparison.Ordinal));
        Assert.Equal(RemediationState.Monitoring, ignored.State);
    }

    [Fact]
    public async Task In_vote_mode_the_plan_goes_straight_to_a_vote_and_acts_when_it_passes()
    {
        await using var board = await StartHostAsync(o => o.Remediation = new RemediationOptions { ShedLoadApproval = ApprovalMode.Vote });
        var intake = board.Services.GetRequiredService<AlertIntake>();
        var receipt = (await intake.ReceiveAsync([Alert("AgentHighErrorRate", ("team", "by-vote"))])).Single();
        var waiting = await IncidentAsync(board, receipt.RemediationId, r => r.State == RemediationState.AwaitingApproval, what: "awaiting the vote");
        var voting = await MotionInAsync(board, waiting.ApprovalMotionId!, MotionState.Voting, "put to the vote");

        foreach (var member in new[] { "chair", "secretary", "treasurer", "member-a", "member-b" })
        {
            await board.Commands.VoteAsync(waiting.ApprovalMotionId!, member, member == "treasurer" ? VoteChoice.No : VoteChoice.Yes, $"vote-{member}");
        }

        var acted = await IncidentAsync(board, receipt.RemediationId, r => r.State == RemediationState.Monitoring, what: "acted after the vote");
        Assert.True(voting.RequiresVote);
        Assert.Empty(voting.Objections);
        Assert.Equal(["opened", "approval-requested", "approved", "acted"], acted.Steps.Select(s => s.Step));
        Assert.Contains(await board.Services.GetRequiredService<LoadShedding>().ActiveAsync(), c => c.Team == "by-vote");
    }

    [Fact]
    public async Task A_dry_run_records_what_it_would_do_and_applies_nothing()
    {
        await using var dry = await StartHostAsync(o => o.Remediation = new RemediationOptions { DryRun = true });
        var intake = dry.Services.GetRequiredService<AlertIntake>();
        var lean = (await intake.ReceiveAsync([Alert("HighDefectRate", ("team", "dry"))])).Single();
        var shed = (await intake.ReceiveAsync([Alert("AgentHighErrorRate", ("team", "dry"))])).Single();

        var leanIncident = await IncidentAsync(dry, lean.RemediationId, r => r.State == RemediationState.Monitoring, what: "lean dry run");
        var shedIncident = await IncidentAsync(dry, shed.RemediationId, r => r.State == RemediationState.Monitoring, what: "shed dry run");

        Assert.True(leanIncident.DryRun);
        Assert.StartsWith("dry run: would start Lean project", leanIncident.Actions[0], StringComparison.Ordinal);
        Assert.Null(leanIncident.LeanProjectId);
        Assert.Null(await dry.Client.GetInstanceAsync(InstanceIds.Lean("dry", InstanceIds.AlertProjectId(leanIncident.Id))));
        Assert.StartsWith("dry run: would shed load", shedIncident.Actions[0], StringComparison.Ordinal);
        Assert.Empty(await dry.Services.GetRequiredService<LoadShedding>().ActiveAsync());
        var (_, created) = await dry.Commands.ClaimAsync(new ClaimWork(WorkType.Task, "Accepted in a dry run", WorkPriority.Low, "dry", 1), null);
        Assert.True(created);
    }

    [Fact]
    public async Task A_resolution_that_overtakes_its_fired_notification_is_remembered_so_the_late_fired_one_starts_nothing()
    {
        var fired = Alert("HighDefectRate", ("team", "nu"));
        var resolved = fired with { Status = AlertStatus.Resolved, EndsAt = DateTimeOffset.UtcNow };

        var receipt = Assert.Single(await Intake.ReceiveAsync([resolved]));
        await StatusAsync(receipt.RemediationId, r => r.EarlyResolutions.Contains(fired.Identity));
        var late = Assert.Single(await Intake.ReceiveAsync([fired]));
        Assert.Equal(receipt.RemediationId, late.RemediationId);
        await SwarmTestHost.EventuallyAsync(
            () => Task.FromResult(_swarm.Delivered.FirstOrDefault(e => e.Id == late.EventId)), _ => true, what: "late fired delivered");
        await Task.Delay(500);

        var desk = await StatusAsync(receipt.RemediationId, _ => true);
        Assert.Equal((RemediationState.Idle, 0), (desk.State, desk.Sequence));
        Assert.DoesNotContain(_swarm.Spans, s => s.DisplayName == "remediation.start" && (string?)s.GetTagItem("swarm.alert.id") == fired.Id);
    }

    [Fact]
    public async Task A_resolution_while_the_incident_is_still_acting_is_not_lost()
    {
        var fired = Alert("WorkItemsStuck", ("team", "xi"));
        var receipt = Assert.Single(await Intake.ReceiveAsync([fired]));
        await Intake.ReceiveAsync([fired with { Status = AlertStatus.Resolved, EndsAt = DateTimeOffset.UtcNow }]);

        var remediation = await StatusAsync(receipt.RemediationId, r => r.State == RemediationState.Resolved);
        Assert.StartsWith("every source resolved", remediation.Outcome);
    }

    [Fact]
    public async Task A_storm_of_flapping_episodes_from_two_sources_is_one_incident_one_lean_project_and_every_delivery_is_recorded()
    {
        const string Team = "storm-a";
        var episodes = Enumerable.Range(1, 5)
            .Select(i => Alert("HighDefectRate", ("team", Team)) with { Id = "5f1c0a9e7b3d2c41", StartsAt = new DateTimeOffset(2026, 11, 20, 9, i, 0, TimeSpan.Zero) })
            .ToList();
        var azure = Alert("HighDefectRate", ("team", Team)) with { Source = AlertPayloads.AzureMonitorSource, Id = "/subscriptions/s/alerts/a1" };

        // As storm.sh posts them: in parallel, the way Alertmanager and an action group deliver.
        var receipts = (await Task.WhenAll(episodes.Append(azure).Select(a => Intake.ReceiveAsync([a])))).SelectMany(r => r).ToList();

        Assert.Single(receipts.Select(r => r.RemediationId).Distinct());
        var incident = await StatusAsync(receipts[0].RemediationId, r => r is { State: RemediationState.Monitoring, Joined: 5 });
        Assert.Equal(2, incident.Sources.Count);
        Assert.Equal(5, incident.Sources.Single(s => s.Identity == "alertmanager:5f1c0a9e7b3d2c41").Deliveries);
        await SwarmTestHost.EventuallyAsync(() => _swarm.Client.GetInstanceAsync(InstanceIds.Lean(Team, incident.LeanProjectId!)), _ => true, what: "lean project");
        var agents = await AgentStatesQuery.ReadAsync(
            _swarm.Client, _swarm.Services.GetRequiredService<IWorkHistory>(), _swarm.Services.GetRequiredService<LoadShedding>(), CancellationToken.None);
        Assert.Single(agents.Lean.Projects, p => p.Team == Team);
        Assert.Single(agents.Remediation.Active, r => r.Team == Team);
        Assert.Equal(1, _swarm.Spans.Count(s => s.DisplayName == "remediation.start" && (string?)s.GetTagItem("swarm.incident.id") == incident.Id));
    }

    [Fact]
    public async Task An_alertmanager_ha_pair_delivering_the_same_alert_with_different_group_keys_joins_one_incident()
    {
        const string Team = "ha-pair";
        string Delivery(string groupKey) => $$"""
            {"version":"4","groupKey":{{JsonSerializer.Serialize(groupKey)}},"status":"firing","receiver":"swarm","groupLabels":{},"commonLabels":{},"commonAnnotations":{},
             "externalURL":"http://am","alerts":[{"status":"firing","labels":{"alertname":"AgentHighErrorRate","team":"{{Team}}"},"annotations":{},
             "startsAt":"2026-11-20T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"aa11bb22cc33dd44"}]}
            """;

        var first = await _swarm.Api.PostAsync("alerts", JsonDocument.Parse(Delivery("{}:{team=\"ha-pair\"}")).RootElement, null, CancellationToken.None);
        var second = await _swarm.Api.PostAsync("alerts", JsonDocument.Parse(Delivery("{}/{severity=~\".*\"}:{alertname=\"AgentHighErrorRate\"}")).RootElement, null, CancellationToken.None);

        Assert.Equal((202, 202), (first.Status, second.Status));
        var remediationId = first.Read<AlertsAccepted>().Alerts.Single().RemediationId;
        Assert.Equal(remediationId, second.Read<AlertsAccepted>().Alerts.Single().RemediationId);
        var incident = await StatusAsync(remediationId, r => r is { State: RemediationState.Monitoring, Joined: 1 });
        Assert.Equal(2, Assert.Single(incident.Sources).Deliveries);
    }

    [Fact]
    public async Task A_resolution_from_one_source_while_another_still_fires_keeps_the_incident_open()
    {
        var alertmanager = Alert("AgentHighErrorRate", ("team", "two-src"));
        var azure = alertmanager with { Source = AlertPayloads.AzureMonitorSource, Id = "/subscriptions/s/alerts/two" };
        var remediationId = (await Intake.ReceiveAsync([alertmanager])).Single().RemediationId;
        await Intake.ReceiveAsync([azure]);
        await StatusAsync(remediationId, r => r is { State: RemediationState.Monitoring, Sources.Count: 2 });

        await Intake.ReceiveAsync([alertmanager with { Status = AlertStatus.Resolved }]);
        var stillOpen = await StatusAsync(remediationId, r => r.Steps.Any(s => s.Step == "source-resolved"));
        await Intake.ReceiveAsync([azure with { Status = AlertStatus.Resolved }]);
        var closed = await StatusAsync(remediationId, r => r.State == RemediationState.Resolved);

        Assert.Equal(RemediationState.Monitoring, stillOpen.State);
        Assert.Equal(1, stillOpen.Sources.Count(s => s.Firing));
        Assert.All(closed.Sources, s => Assert.False(s.Firing));
    }

    [Fact]
    public async Task A_firing_during_the_cooldown_is_suppressed_recorded_and_notified_and_nothing_is_started()
    {
        var alert = Alert("QueueBacklog", ("team", "cool"));
        var (remediationId, closed) = await OpenAndCloseAsync(_swarm, alert);

        await Intake.ReceiveAsync([alert with { StartsAt = alert.StartsAt.AddMinutes(1) }]);
        var suppressed = await StatusAsync(remediationId, r => r.Suppressed == 1);

        Assert.Equal(closed.Id, suppressed.Id);
        Assert.Equal(RemediationState.Resolved, suppressed.State);
        Assert.Equal("suppressed", suppressed.Steps[^1].Step);
        Assert.Contains("during the cooldown", suppressed.Steps[^1].Detail, StringComparison.Ordinal);
        Assert.Equal(closed.Actions.Count + 1, suppressed.Actions.Count);
        Assert.StartsWith("notified", suppressed.Actions[^1], StringComparison.Ordinal);
        Assert.Equal(1, _swarm.Spans.Count(s => s.DisplayName == "remediation.start" && (string?)s.GetTagItem("swarm.incident.key") == "notify-only/QueueBacklog/team=cool"));
        Assert.Single(_swarm.Spans, s => s.DisplayName == "remediation.suppress" && (string?)s.GetTagItem("swarm.incident.id") == closed.Id);
    }

    [Fact]
    public async Task The_storm_limit_suppresses_incidents_beyond_the_global_rate_and_records_why()
    {
        await using var limited = await StartHostAsync(o => o.Remediation = new RemediationOptions { MaxStartsPerMinute = 2 });
        var intake = limited.Services.GetRequiredService<AlertIntake>();

        var receipts = new List<AlertReceipt>();
        foreach (var team in new[] { "lim-a", "lim-b", "lim-c" })
        {
            receipts.AddRange(await intake.ReceiveAsync([Alert("QueueBacklog", ("team", team))]));
            await IncidentAsync(limited, receipts[^1].RemediationId, r => r.State is RemediationState.Monitoring or RemediationState.Resolved, what: team);
        }

        var states = await Task.WhenAll(receipts.Select(async r => (await limited.Client.GetInstanceAsync(r.RemediationId, getInputsAndOutputs: true))!.ReadCustomStatusAs<AlertRemediation>()!));
        Assert.Equal([RemediationState.Monitoring, RemediationState.Monitoring, RemediationState.Resolved], states.Select(s => s.State));
        Assert.StartsWith("suppressed: the storm limit of 2 remediations per minute", states[2].Outcome);
        Assert.Null(states[2].CooldownUntil);
        Assert.Contains(states[2].Actions, a => a.StartsWith("notified", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_audit_trail_lists_incidents_with_filters_and_shows_one_with_its_steps_over_http()
    {
        var alert = Alert("HighDefectRate", ("team", "audit"));
        var remediationId = (await Intake.ReceiveAsync([alert])).Single().RemediationId;
        var open = await StatusAsync(remediationId, r => r.State == RemediationState.Monitoring);

        var all = (await _swarm.Api.GetAsync("remediations?team=audit", CancellationToken.None)).Read<IncidentList>();
        var byPolicy = (await _swarm.Api.GetAsync("remediations?policy=lean-project&state=monitoring", CancellationToken.None)).Read<IncidentList>();
        var byAlert = (await _swarm.Api.GetAsync("remediations?policy=HighDefectRate&since=2000-01-01T00:00:00Z", CancellationToken.None)).Read<IncidentList>();
        var none = (await _swarm.Api.GetAsync("remediations?team=audit&state=resolved", CancellationToken.None)).Read<IncidentList>();
        var one = (await _swarm.Api.GetAsync($"remediations/{open.Id}", CancellationToken.None)).Read<AlertRemediation>();
        var byReceipt = (await _swarm.Api.GetAsync($"remediations/{remediationId}", CancellationToken.None)).Read<AlertRemediation>();
        Assert.Equal(open.Id, byReceipt.Id);
        var missing = await Assert.ThrowsAsync<ServerProblemException>(() => _swarm.Api.GetAsync("remediations/0123456789abcdef-9", CancellationToken.None));
        var malformed = await Assert.ThrowsAsync<ServerProblemException>(() => _swarm.Api.GetAsync("remediations/nope", CancellationToken.None));
        var badState = await Assert.ThrowsAsync<ServerProblemException>(() => _swarm.Api.GetAsync("remediations?state=sleeping", CancellationToken.None));
        var badTime = await Assert.ThrowsAsync<ServerProblemException>(() => _swarm.Api.GetAsync("remediations?since=yesterday", CancellationToken.None));

        var summary = Assert.Single(all.Items);
        Assert.Equal((open.Id, "lean-project/team=audit", RemediationKind.LeanProject, 1, 1), (summary.Id, summary.IncidentKey, summary.Policy, summary.Deliveries, summary.StillFiring));
        Assert.Contains(byPolicy.Items, i => i.Id == open.Id);
        Assert.Contains(byAlert.Items, i => i.Id == open.Id);
        Assert.Empty(none.Items);
        Assert.Equal(["opened", "acted"], one.Steps.Select(s => s.Step));
        Assert.Equal((404, 400, "state", "since"), (missing.Status, malformed.Status, badState.Field, badTime.Field));

        // The receipt of a resolution that found nothing open names a desk that opened no incident: the 404 says so.
        var orphan = (await Intake.ReceiveAsync([Alert("HighDefectRate", ("team", "audit-none")) with { Status = AlertStatus.Resolved }])).Single();
        await SwarmTestHost.EventuallyAsync(() => _swarm.Client.GetInstanceAsync(orphan.RemediationId), i => i.RuntimeStatus == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Running, what: "the desk");
        var nothing = await Assert.ThrowsAsync<ServerProblemException>(() => _swarm.Api.GetAsync($"remediations/{orphan.RemediationId}", CancellationToken.None));
        Assert.Equal(404, nothing.Status);
        Assert.Contains("its desk has opened no incident yet", nothing.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_incident_is_kept_as_a_record_when_the_next_one_opens_and_both_are_listed()
    {
        await using var quick = await StartHostAsync(o => o.Remediation = new RemediationOptions { NotifyCooldown = TimeSpan.Zero });
        var intake = quick.Services.GetRequiredService<AlertIntake>();
        var alert = Alert("QueueBacklog", ("team", "rec"));
        var (remediationId, _) = await OpenAndCloseAsync(quick, alert);

        await intake.ReceiveAsync([alert with { StartsAt = alert.StartsAt.AddHours(1) }]);
        var second = await IncidentAsync(quick, remediationId, r => r is { Sequence: 2, State: RemediationState.Monitoring }, what: "second open");

        var listed = (await quick.Api.GetAsync("remediations?team=rec", CancellationToken.None)).Read<IncidentList>();
        var first = (await quick.Api.GetAsync($"remediations/{second.DeskKey}-1", CancellationToken.None)).Read<AlertRemediation>();
        Assert.Equal([$"{second.DeskKey}-2", $"{second.DeskKey}-1"], listed.Items.Select(i => i.Id));
        Assert.Equal(RemediationState.Resolved, first.State);
        Assert.StartsWith("every source resolved", first.Outcome);
    }

    [Fact]
    public async Task The_alert_cases_from_real_monitoring_are_accepted_over_http_each_with_its_right_outcome()
    {
        static JsonElement Case(string name) => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name))).RootElement;

        var managed = (await _swarm.Api.PostAsync("alerts", Case("azure-managed-prometheus-high-defect-rate.json"), null, CancellationToken.None)).Read<AlertsAccepted>();
        var noFingerprint = (await _swarm.Api.PostAsync("alerts", Case("alertmanager-v4-without-fingerprint.json"), null, CancellationToken.None)).Read<AlertsAccepted>();
        var grafana = (await _swarm.Api.PostAsync("alerts", Case("grafana-unified-alerting-mixed.json"), null, CancellationToken.None)).Read<AlertsAccepted>();

        // Managed Prometheus: HighDefectRate for team alpha, so a Lean project for alpha.
        var receipt = Assert.Single(managed.Alerts);
        Assert.Equal(("HighDefectRate", "lean-project/team=alpha", "azure-monitor"), (receipt.Alert, receipt.IncidentKey, managed.Source));
        var incident = await StatusAsync(receipt.RemediationId, r => r.State == RemediationState.Monitoring);
        await SwarmTestHost.EventuallyAsync(() => _swarm.Client.GetInstanceAsync(InstanceIds.Lean("alpha", incident.LeanProjectId!)), _ => true, what: "Lean project for alpha");

        // Alertmanager before fingerprints: each alert by its own status, identities from the labels.
        Assert.Equal("alertmanager", noFingerprint.Source);
        Assert.Equal([("ServerStop", "firing"), ("ServerStop", "resolved")], noFingerprint.Alerts.Select(a => (a.Alert, a.Status)));
        Assert.NotEqual(noFingerprint.Alerts[0].IncidentKey, noFingerprint.Alerts[1].IncidentKey);

        // Grafana: a third source, each alert by its own name and status.
        Assert.Equal(("grafana", 0), (grafana.Source, grafana.TruncatedAlerts));
        Assert.Equal([("Test alert", "resolved"), ("Test alert", "resolved"), ("Second webhook test", "firing")], grafana.Alerts.Select(a => (a.Alert, a.Status)));
        var firing = await StatusAsync(grafana.Alerts[2].RemediationId, r => r.State == RemediationState.Monitoring);
        Assert.Equal(RemediationKind.NotifyOnly, firing.Kind);
    }

    [Fact]
    public async Task A_notice_for_an_alert_without_a_summary_still_says_something()
    {
        var notices = new System.Collections.Concurrent.ConcurrentQueue<RemediationNotice>();
        await using var swarm = await SwarmTestHost.StartAsync(services: s => s.AddSingleton<IRemediationNotifier>(new RecordingNotifier(notices)));
        var body = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", "alertmanager-v4-without-fingerprint.json"))).RootElement;

        await swarm.Api.PostAsync("alerts", body, null, CancellationToken.None);

        var notice = await SwarmTestHost.EventuallyAsync(() => Task.FromResult(notices.FirstOrDefault()), n => n is not null, what: "the ServerStop notice");
        Assert.Equal("ServerStop fired", notice!.Title);
        Assert.Equal("alertmanager sent no summary (severity unknown)", notice.Text);
    }

    /// <summary>A suppression's notice: the title says "suppressed", the text says why without saying it again.</summary>
    [Fact]
    public async Task A_suppression_notice_says_suppressed_once()
    {
        var notices = new System.Collections.Concurrent.ConcurrentQueue<RemediationNotice>();
        await using var swarm = await SwarmTestHost.StartAsync(services: s => s.AddSingleton<IRemediationNotifier>(new RecordingNotifier(notices)));
        var alert = Alert("QueueBacklog", ("team", "cool-notice"));
        await OpenAndCloseAsync(swarm, alert);

        await swarm.Services.GetRequiredService<AlertIntake>().ReceiveAsync([alert with { StartsAt = alert.StartsAt.AddMinutes(1) }]);

        var notice = await SwarmTestHost.EventuallyAsync(
            () => Task.FromResult(notices.FirstOrDefault(n => n.Title == "QueueBacklog suppressed")), _ => true, what: "the suppression notice");
        Assert.StartsWith("QueueBacklog (alertmanager) fired during the cooldown of notify-only/QueueBacklog/team=cool-notice until ", notice!.Text, StringComparison.Ordinal);
        Assert.Matches(@"until \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z, after incident", notice.Text);
    }

    /// <summary>Fires <paramref name="alert"/> on <paramref name="host"/> until its incident monitors, then resolves it until it closes: the incident's remediation id and the closed incident.</summary>
    private static async Task<(string RemediationId, AlertRemediation Closed)> OpenAndCloseAsync(SwarmTestHost host, AlertNotification alert)
    {
        var intake = host.Services.GetRequiredService<AlertIntake>();
        var remediationId = (await intake.ReceiveAsync([alert])).Single().RemediationId;
        await IncidentAsync(host, remediationId, r => r.State == RemediationState.Monitoring, what: "open");
        await intake.ReceiveAsync([alert with { Status = AlertStatus.Resolved }]);
        return (remediationId, await IncidentAsync(host, remediationId, r => r.State == RemediationState.Resolved, what: "closed"));
    }

    private sealed class RecordingNotifier(System.Collections.Concurrent.ConcurrentQueue<RemediationNotice> notices) : IRemediationNotifier
    {
        public Task<string> NotifyAsync(RemediationNotice notice, CancellationToken cancellationToken = default)
        {
            notices.Enqueue(notice);
            return Task.FromResult("recorded");
        }
    }

    /// <summary>A sprint review's Lean project of <paramref name="team"/>, already in Control, waiting for its process-change motion's decision.</summary>
    private static LeanProject ProjectInControl(string team, int sprint) => new()
    {
        Id = InstanceIds.DefectProjectId(sprint),
        Team = team,
        Sprint = sprint,
        Charter = new Charter($"Defect rate 20.0 % in sprint {sprint}", "Defect rate at most 3 %", "chair", EventTypes.DefectRateExceeded),
        CreatedAt = DateTimeOffset.UtcNow,
        Phase = LeanPhase.Control,
        MotionId = $"change-{team}-{InstanceIds.DefectProjectId(sprint)}",
    };

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

    /// <summary>Polls process-change motion <paramref name="motionId"/> until the board has it (seconded, or already closed by consent).</summary>
    private Task<Motion> ProposedAsync(string motionId) =>
        SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetMotionAsync(motionId), m => m.State is MotionState.Seconded or MotionState.Closed, what: $"motion {motionId} before the board");

    /// <summary>Polls motion <paramref name="motionId"/> of <paramref name="host"/> until it is in <paramref name="state"/>.</summary>
    private static Task<Motion> MotionInAsync(SwarmTestHost host, string motionId, MotionState state, string what) =>
        SwarmTestHost.EventuallyAsync(async () => await host.Commands.GetMotionAsync(motionId), m => m.State == state, what: what);

    /// <summary>Motion <paramref name="motionId"/> as its orchestration ended (waits for it to complete).</summary>
    private static async Task<Motion> ClosedMotionAsync(SwarmTestHost host, string motionId) =>
        (await host.CompletedAsync(InstanceIds.Motion(motionId))).ReadOutputAs<Motion>()!;

    private Task<AlertRemediation> StatusAsync(string instanceId, Func<AlertRemediation, bool> condition) =>
        IncidentAsync(_swarm, instanceId, condition, what: instanceId);

    /// <summary>Polls the incident orchestration <paramref name="instanceId"/> of <paramref name="host"/> until <paramref name="condition"/> holds.</summary>
    private static Task<AlertRemediation> IncidentAsync(SwarmTestHost host, string instanceId, Func<AlertRemediation, bool> condition, string what) =>
        SwarmTestHost.EventuallyAsync(
            async () => await host.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true) is { SerializedCustomStatus: not null } i ? i.ReadCustomStatusAs<AlertRemediation>() : null,
            condition,
            what: what);
}
