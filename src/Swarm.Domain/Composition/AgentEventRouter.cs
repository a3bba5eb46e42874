using Swarm.Domain.Events;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Swarm.Domain.Lean;
using Swarm.Domain.Remediation;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Composition;

/// <summary>
/// Turns each agent event into "start the target agent's orchestration" or "send a command to it". Every
/// target has a deterministic instance id and every command carries the event id, so a redelivered event
/// starts nothing twice and changes nothing.
/// </summary>
public sealed class AgentEventRouter(AgentMailbox mailbox, ITeamImprovements improvements, IOptions<SwarmOptions> options, ILogger<AgentEventRouter> logger)
{
    /// <summary>The span name of one event's hand-off to its consumer.</summary>
    public const string RouteSpanName = "swarm.event.route";

    /// <summary>Routes <paramref name="agentEvent"/> in a new <see cref="RouteSpanName"/> span, a child of the event's trace context.</summary>
    public async Task RouteAsync(AgentEvent agentEvent, CancellationToken cancellationToken = default)
    {
        using var span = StartRouteSpan(CommandTelemetry.ParseParent(agentEvent.TraceParent, agentEvent.TraceState));
        await RouteAsync(agentEvent, span, cancellationToken);
    }

    /// <summary>A consumer-kind <see cref="RouteSpanName"/> span under <paramref name="parent"/> (null when nobody listens).</summary>
    public static Activity? StartRouteSpan(ActivityContext parent) =>
        SwarmTelemetry.Source.StartActivity(RouteSpanName, ActivityKind.Consumer, parent);

    /// <summary>
    /// Routes <paramref name="agentEvent"/> inside <paramref name="span"/>, which the caller started and ends — a bus
    /// consumer that also records the message and its settlement on it. Errors are recorded on the span and rethrown:
    /// a <see cref="SwarmDomainException"/> when the event breaks a business rule, anything else when it may succeed later.
    /// </summary>
    public async Task RouteAsync(AgentEvent agentEvent, Activity? span, CancellationToken cancellationToken)
    {
        span?.SetTag(SwarmAttributes.EventType, agentEvent.Type);
        span?.SetTag(SwarmAttributes.EventId, agentEvent.Id);
        span?.SetTag(SwarmAttributes.WorkTeam, agentEvent.Team);
        span?.SetTag(SwarmAttributes.WorkId, agentEvent.WorkId);
        try
        {
            var target = agentEvent.Type switch
            {
                EventTypes.WorkClaimed => await OnWorkClaimedAsync(agentEvent, cancellationToken),
                EventTypes.MotionPassed or EventTypes.MotionFailed => await OnMotionDecidedAsync(agentEvent, cancellationToken),
                EventTypes.SprintCompleted => await OnSprintCompletedAsync(agentEvent, cancellationToken),
                EventTypes.DefectRateExceeded => await OnDefectRateExceededAsync(agentEvent, cancellationToken),
                EventTypes.ProposalReady => await OnProposalReadyAsync(agentEvent, cancellationToken),
                EventTypes.AlertFired or EventTypes.AlertResolved => await OnAlertAsync(agentEvent, cancellationToken),
                EventTypes.LeanProjectRequested => await OnLeanProjectRequestedAsync(agentEvent, cancellationToken),
                EventTypes.RemediationApprovalRequested => await OnRemediationApprovalRequestedAsync(agentEvent, cancellationToken),
                EventTypes.RemediationApprovalWithdrawn => await OnRemediationApprovalWithdrawnAsync(agentEvent, cancellationToken),
                _ => null,
            };
            if (target is null)
            {
                logger.EventUnrouted(agentEvent.Type, agentEvent.Id);
            }
            else
            {
                span?.SetTag(SwarmAttributes.InstanceId, target);
                logger.EventRouted(agentEvent.Type, agentEvent.Id, target);
            }
        }
        catch (Exception error)
        {
            span?.SetStatus(ActivityStatusCode.Error, error.Message);
            span?.AddException(error);
            throw;
        }
    }

    private async Task<string?> OnWorkClaimedAsync(AgentEvent agentEvent, CancellationToken cancellationToken)
    {
        var item = agentEvent.Read<WorkItem>();
        if (!item.NeedsGovernance)
        {
            // Bugs and tasks approve themselves and join the backlog from their own orchestration.
            return null;
        }

        var motion = new Motion
        {
            Id = InstanceIds.ApprovalMotionId(item.Id),
            Kind = MotionKind.WorkApproval,
            Title = $"Approve {Naming.Kebab(item.Type)} '{item.Title}' ({Naming.Kebab(item.Priority)}) for team {item.Team}",
            Team = item.Team,
            Board = options.Value.Team(item.Team).Members,
            Timings = GovernanceTimings.From(options.Value.Governance),
            FromCommittee = true,
            MovedBy = "work-intake",
            WorkId = item.Id,
        };
        var instanceId = InstanceIds.Motion(motion.Id);
        await mailbox.StartAsync(SwarmTasks.Orchestrators.Motion, instanceId, motion, cancellationToken);
        return instanceId;
    }

    private async Task<string?> OnMotionDecidedAsync(AgentEvent agentEvent, CancellationToken cancellationToken)
    {
        var motion = agentEvent.Read<Motion>();
        var result = motion.Result ?? MotionResult.Failed;
        var reason = motion.Reason ?? Naming.Kebab(result);
        switch (motion.Kind)
        {
            case MotionKind.WorkApproval when motion.WorkId is { } workId:
                var instanceId = InstanceIds.Work(workId);
                await mailbox.SendAsync(
                    instanceId,
                    new WorkCommand(result == MotionResult.Passed ? WorkCommandKind.Approve : WorkCommandKind.Reject, agentEvent.Id)
                    {
                        Decision = reason,
                        MotionId = motion.Id,
                        TraceParent = agentEvent.TraceParent,
                    },
                    cancellationToken);
                return instanceId;
            case MotionKind.RemediationApproval when motion.RemediationId is { } incidentId:
                var deskId = InstanceIds.Remediation(incidentId[..incidentId.LastIndexOf('-')]);
                await mailbox.SendAsync(
                    deskId,
                    new RemediationSignal(agentEvent.Id, null)
                    {
                        Decision = new ApprovalDecision(motion.Id, result == MotionResult.Passed, reason),
                        TraceParent = agentEvent.TraceParent,
                    },
                    cancellationToken);
                return deskId;
            case MotionKind.ProcessChange when motion.LeanProjectId is { } projectId:
                var leanId = InstanceIds.Lean(motion.Team, projectId);
                await mailbox.SendAsync(
                    leanId,
                    new LeanCommand(agentEvent.Id, motion.Id, result == MotionResult.Passed ? BoardDecision.Passed : BoardDecision.Failed, reason) { TraceParent = agentEvent.TraceParent },
                    cancellationToken);
                return leanId;
            default:
                return null;
        }
    }

    private async Task<string?> OnSprintCompletedAsync(AgentEvent agentEvent, CancellationToken cancellationToken)
    {
        var sprint = agentEvent.Read<Sprint>();
        var unfinished = sprint.Backlog.Where(i => sprint.Outcomes.All(o => o.WorkId != i.WorkId)).ToList();
        var instanceId = InstanceIds.ScrumTeam(sprint.Team);
        await mailbox.SendAsync(
            instanceId,
            new TeamCommand(TeamCommandKind.SprintClosed, agentEvent.Id)
            {
                Sprint = sprint.Number,
                Unfinished = unfinished,
                TraceParent = agentEvent.TraceParent,
            },
            cancellationToken);

        // The review is the evidence that verifies (or not) a Lean-project remediation of this team, if one is running.
        if (sprint.Review is { } review)
        {
            var deskId = InstanceIds.Remediation(InstanceIds.Key(RemediationPolicy.LeanIncidentKey(sprint.Team)));
            if (await mailbox.Client.GetInstanceAsync(deskId, getInputsAndOutputs: false, cancellationToken) is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending })
            {
                await mailbox.SendAsync(
                    deskId,
                    new RemediationSignal(agentEvent.Id, null)
                    {
                        Evidence = new VerificationEvidence(sprint.Team, sprint.Number, review.DefectRate, review.Threshold, agentEvent.OccurredAt, sprint.StartedAt),
                        TraceParent = agentEvent.TraceParent,
                    },
                    cancellationToken);
            }
        }

        return instanceId;
    }

    /// <summary>
    /// A sprint review over the threshold starts the Lean project <c>defect-sprint{n}</c> — unless the team already has an
    /// open one (an alert's, or an earlier review's still before the board): one improvement at a time per team, the
    /// rule the remediation agent follows for <c>HighDefectRate</c> (docs/agents.md). The event is then routed to that
    /// project, which measures the same failures, and nothing starts.
    /// </summary>
    private async Task<string?> OnDefectRateExceededAsync(AgentEvent agentEvent, CancellationToken cancellationToken)
    {
        var sprint = agentEvent.Read<Sprint>();
        var review = sprint.Review ?? throw new InvalidInputException("payload", $"Event {agentEvent.Id} carries a sprint without a review.");
        if (await improvements.CurrentAsync(sprint.Team, closedSince: DateTimeOffset.MaxValue, cancellationToken) is { Open: true } open)
        {
            logger.DefectRateJoinedOpenProject(sprint.Team, sprint.Number, open.ProjectId);
            return InstanceIds.Lean(sprint.Team, open.ProjectId);
        }

        var board = options.Value.Team(sprint.Team).Members;
        var project = new LeanProject
        {
            Id = InstanceIds.DefectProjectId(sprint.Number),
            Team = sprint.Team,
            Sprint = sprint.Number,
            ReportedCompletions = [.. sprint.Outcomes.Select(o => new ReportedCompletion(o.WorkId, o.Status == CompletionStatus.Failed, o.FailureReason))],
            Threshold = review.Threshold,
            Charter = new Charter(
                Problem: $"Defect rate {review.DefectRate:P1} in sprint {sprint.Number} of team {sprint.Team} ({review.Failed} of {review.Completed} completed items failed) exceeds {review.Threshold:P0}.",
                Target: $"Defect rate at most {review.Threshold:P0} in the next sprint.",
                Sponsor: board[0],
                Trigger: agentEvent.Type),
        };
        var instanceId = InstanceIds.Lean(project.Team, project.Id);
        await mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, instanceId, project, cancellationToken);
        return instanceId;
    }

    private async Task<string?> OnProposalReadyAsync(AgentEvent agentEvent, CancellationToken cancellationToken)
    {
        var project = agentEvent.Read<LeanProject>();
        var proposal = project.Proposal ?? throw new InvalidInputException("payload", $"Event {agentEvent.Id} carries a project without a proposal.");
        var motion = new Motion
        {
            Id = project.MotionId ?? InstanceIds.ProcessChangeMotionId(project.Team, project.Id),
            Kind = MotionKind.ProcessChange,
            Title = proposal.Title,
            Proposal = $"{proposal.Change} Expected: {proposal.ExpectedEffect}",
            Team = project.Team,
            Board = options.Value.Team(project.Team).Members,
            Timings = GovernanceTimings.From(options.Value.Governance),
            FromCommittee = true,
            MovedBy = $"lean project {project.Id}",
            LeanProjectId = project.Id,
            Sprint = project.Sprint,
        };
        var instanceId = InstanceIds.Motion(motion.Id);
        await mailbox.StartAsync(SwarmTasks.Orchestrators.Motion, instanceId, motion, cancellationToken);
        return instanceId;
    }

    /// <summary>
    /// A fired or resolved alert goes to the incident desk of its policy × target (started idle the first time), which
    /// decides: open an incident, join the open one, or suppress it during the cooldown.
    /// </summary>
    private async Task<string?> OnAlertAsync(AgentEvent agentEvent, CancellationToken cancellationToken)
    {
        var alert = agentEvent.Read<AlertNotification>();
        var desk = RemediationPolicy.Desk(alert, options.Value.Remediation, options.Value.Scrum);
        var instanceId = InstanceIds.Remediation(desk.DeskKey);
        var signal = new RemediationSignal(agentEvent.Id, alert) { TraceParent = agentEvent.TraceParent };
        await mailbox.StartAndSendAsync(SwarmTasks.Orchestrators.Remediation, instanceId, desk, signal, cancellationToken);
        return instanceId;
    }

    /// <summary>
    /// A remediation's plan goes to the board: a committee motion (no second) whose objection window is the
    /// remediation's own approval window (minutes, not the board's day), adopted by general consent unless someone
    /// objects; an objection calls a vote. Its decision comes back to the incident (<see cref="OnMotionDecidedAsync"/>).
    /// </summary>
    private async Task<string?> OnRemediationApprovalRequestedAsync(AgentEvent agentEvent, CancellationToken cancellationToken)
    {
        var request = agentEvent.Read<RemediationApprovalRequest>();
        var settings = options.Value;
        var motion = new Motion
        {
            Id = request.MotionId,
            Kind = MotionKind.RemediationApproval,
            Title = request.Title,
            Team = request.Team,
            Board = settings.Team(request.Team).Members,
            Timings = new GovernanceTimings(settings.Governance.SecondingDeadline, settings.Remediation.ApprovalWindow, settings.Remediation.ApprovalVotingDeadline),
            FromCommittee = true,
            MovedBy = AgentNames.Remediation,
            RemediationId = request.IncidentId,
            Proposal = request.Plan,
            RequiresVote = request.RequiresVote,
        };
        var instanceId = InstanceIds.Motion(motion.Id);
        await mailbox.StartAsync(SwarmTasks.Orchestrators.Motion, instanceId, motion, cancellationToken);
        return instanceId;
    }

    /// <summary>
    /// An incident closed before the board decided its motion: the remediation agent, the motion's maker, asks leave to
    /// withdraw it (<see cref="MotionCommand.Withdraw"/>). A motion being voted on (too late under RONR 12th ed.
    /// 33:11–19: its vote runs to its close), already decided, or never opened is not withdrawn: logged
    /// (<c>MotionNotWithdrawn</c>), and the event is done — the incident is closed either way and acts on no later
    /// decision.
    /// </summary>
    private async Task<string?> OnRemediationApprovalWithdrawnAsync(AgentEvent agentEvent, CancellationToken cancellationToken)
    {
        var withdrawal = agentEvent.Read<RemediationApprovalWithdrawal>();
        var instanceId = InstanceIds.Motion(withdrawal.MotionId);
        var instance = await mailbox.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        var why = instance switch
        {
            null => "no such motion",
            { RuntimeStatus: not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending) } => $"already closed ({Naming.Kebab(instance.RuntimeStatus)})",
            { SerializedCustomStatus: not null } when instance.ReadCustomStatusAs<Motion>()?.State == MotionState.Voting =>
                "voting has begun, too late to withdraw (RONR 12th ed. 33:11-19); its vote runs to its close",
            _ => null,
        };
        if (why is not null)
        {
            logger.MotionNotWithdrawn(withdrawal.MotionId, withdrawal.IncidentId, why);
            return null;
        }

        await mailbox.SendAsync(
            instanceId,
            MotionCommand.Withdraw(agentEvent.Id, AgentNames.Remediation, withdrawal.Reason) with { TraceParent = agentEvent.TraceParent },
            cancellationToken);
        return instanceId;
    }

    private async Task<string?> OnLeanProjectRequestedAsync(AgentEvent agentEvent, CancellationToken cancellationToken)
    {
        var remediation = agentEvent.Read<AlertRemediation>();
        var alert = remediation.Alert;
        var team = remediation.Team ?? throw new InvalidInputException("payload", $"Event {agentEvent.Id} asks for a Lean project without a team.");
        var threshold = options.Value.Scrum.DefectRateThreshold;
        var project = new LeanProject
        {
            Id = InstanceIds.AlertProjectId(remediation.Id),
            Team = team,
            AlertId = alert.Id,
            Threshold = threshold,
            Charter = new Charter(
                Problem: alert.Summary ?? $"Alert {alert.Name} fired for team {team}: defect rate above {threshold:P0}.",
                Target: $"Defect rate at most {threshold:P0}; alert {alert.Name} resolved.",
                Sponsor: options.Value.Team(team).Members[0],
                Trigger: $"alert {alert.Name} ({alert.Source})"),
        };
        var instanceId = InstanceIds.Lean(team, project.Id);
        await mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, instanceId, project, cancellationToken);
        return instanceId;
    }
}
