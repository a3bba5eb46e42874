using Microsoft.Extensions.Options;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Remediation;

/// <summary>Input of one remediation step.</summary>
/// <param name="Remediation">The incident as the orchestration holds it.</param>
/// <param name="Kind">The step.</param>
/// <param name="Signal">The alert delivery that caused it, when one did (the resolution that closed it, the firing suppressed).</param>
/// <param name="Reason">For <see cref="RemediationCommandKind.Resolve"/>: <c>resolved</c>, <c>expired</c>, <c>one-shot</c>, <c>rejected</c> or <c>resolved-before-approval</c>.</param>
/// <param name="Effective">For <see cref="RemediationCommandKind.Verify"/>: whether the fix worked (<paramref name="Reason"/> is then the evidence).</param>
public sealed record RemediationStep(AlertRemediation Remediation, RemediationCommandKind Kind, RemediationSignal? Signal = null, string? Reason = null, bool Effective = false);

/// <summary>
/// Storm protection: how many incidents may start acting per minute across the swarm
/// (<see cref="RemediationOptions.MaxStartsPerMinute"/>), counted in a sliding minute per host process.
/// </summary>
public sealed class RemediationRateLimiter(TimeProvider clock)
{
    private readonly Queue<DateTimeOffset> _starts = new();

    /// <summary>Takes a start when fewer than <paramref name="perMinute"/> were taken in the last 60 s; false otherwise.</summary>
    public bool TryStart(int perMinute)
    {
        lock (_starts)
        {
            var now = clock.GetUtcNow();
            while (_starts.Count > 0 && now - _starts.Peek() >= TimeSpan.FromMinutes(1))
            {
                _starts.Dequeue();
            }

            if (_starts.Count >= perMinute)
            {
                return false;
            }

            _starts.Enqueue(now);
            return true;
        }
    }
}

/// <summary>
/// The activities of an incident: act on its alert by policy (unless the storm limit is reached), watch, close it
/// when every source has resolved (or it expires), and record what the cooldown suppresses.
/// </summary>
public sealed class RemediationSteps(
    IAgentEventBus bus,
    StuckAgentDoctor doctor,
    ITeamImprovements improvements,
    LoadShedding shedding,
    IRemediationNotifier notifier,
    RemediationRateLimiter limiter,
    IOptions<SwarmOptions> options,
    TimeProvider clock,
    ILogger<RemediationSteps> logger)
{
    public async Task<AlertRemediation> ApplyAsync(RemediationStep step, CancellationToken cancellationToken = default)
    {
        var remediation = step.Remediation;
        var spanName = step.Kind switch
        {
            RemediationCommandKind.Act => "remediation.start",
            RemediationCommandKind.Monitor => "remediation.monitor",
            RemediationCommandKind.Suppress => "remediation.suppress",
            RemediationCommandKind.RequestApproval => "remediation.approval",
            RemediationCommandKind.Verify => "remediation.verify",
            _ => "remediation.resolve",
        };
        using var command = CommandTelemetry.Start(logger, spanName, Framework.Remediation, $"remediation {remediation.Id}", links: CommandTelemetry.LinkTo(step.Signal?.TraceParent))
            .Tag(SwarmAttributes.AlertName, remediation.Alert.Name)
            .Tag(SwarmAttributes.AlertId, remediation.Alert.Id)
            .Tag(SwarmAttributes.WorkTeam, remediation.Team)
            .Tag("swarm.remediation.kind", Naming.Kebab(remediation.Kind))
            .Tag("swarm.incident.id", remediation.Id)
            .Tag("swarm.incident.key", remediation.IncidentKey);
        return await command.RunAsync(
            async () =>
            {
                var traceId = Activity.Current?.TraceId.ToString();
                var now = clock.GetUtcNow();
                var (next, outcome) = step.Kind switch
                {
                    RemediationCommandKind.Act => await ActAsync(remediation, now, traceId, cancellationToken),
                    RemediationCommandKind.Monitor => (remediation.Monitoring(), null),
                    RemediationCommandKind.RequestApproval => (await RequestApprovalAsync(remediation, now, traceId, cancellationToken), "approval-requested"),
                    RemediationCommandKind.Verify => (await VerifyAsync(remediation, step, now, traceId, cancellationToken), step.Effective ? "verified" : "not-effective"),
                    RemediationCommandKind.Suppress => (await SuppressAsync(remediation, step.Signal, now, traceId, cancellationToken), "suppressed"),
                    _ => (await ResolveAsync(remediation, step.Reason ?? "resolved", now, traceId, cancellationToken), step.Reason ?? "resolved"),
                };
                command.Transitioned(remediation.State, next.State);
                if (outcome is not null)
                {
                    SwarmTelemetry.Remediations.Add(1, new(SwarmAttributes.Alert, remediation.Alert.Name), new(SwarmAttributes.Outcome, outcome));
                }

                return next;
            },
            _ => SwarmTelemetry.Remediations.Add(1, new(SwarmAttributes.Alert, remediation.Alert.Name), new(SwarmAttributes.Outcome, "failed")));
    }

    private async Task<(AlertRemediation Next, string Outcome)> ActAsync(AlertRemediation remediation, DateTimeOffset now, string? traceId, CancellationToken cancellationToken)
    {
        var perMinute = options.Value.Remediation.MaxStartsPerMinute;
        if (!limiter.TryStart(perMinute))
        {
            var why = $"the storm limit of {perMinute} remediations per minute is reached; nothing done for {remediation.IncidentKey}";
            var notified = await NotifyAsync(remediation, $"{remediation.Alert.Name} suppressed", why, cancellationToken);
            return (remediation.Suppress(null, Suppressed(why), [notified], now, traceId), "suppressed");
        }

        var alert = remediation.Alert;
        var actions = new List<string>();
        if (remediation.DryRun)
        {
            var plan = $"dry run: would {PlanOf(remediation)}; nothing applied";
            actions.Add(plan);
            actions.Add(await NotifyAsync(remediation, $"{alert.Name} fired (dry run)", plan, cancellationToken));
            return (remediation.Acted(actions, now, traceId), "dry-run");
        }

        string? projectId = null;
        switch (remediation.Kind)
        {
            case RemediationKind.LeanProject
                when await improvements.CurrentAsync(remediation.Team!, now - RemediationPolicy.CooldownOf(RemediationKind.LeanProject, options.Value.Remediation, options.Value.Scrum), cancellationToken) is { } current:
                // One improvement at a time per team: a project of the sprint review's (or an earlier alert's) is open, or
                // closed within the Lean cooldown (a sprint length), on the same failures; a second would measure them
                // again and put a second change to the board before the first could show in a sprint review.
                projectId = current.ProjectId;
                actions.Add(current.Open
                    ? $"joined Lean project {current.ProjectId} of team {remediation.Team}, already open on its defect rate: no second project or process-change motion"
                    : $"Lean project {current.ProjectId} of team {remediation.Team} closed at {current.ClosedAt:u} ({current.Outcome ?? "no outcome recorded"}); its change gets a sprint to show in the next review: no second project or process-change motion");
                break;
            case RemediationKind.LeanProject:
                // A hand-off to another agent goes through the router as an agent event (docs/handoffs.md).
                await bus.PublishAsync(
                    AgentEvent.Create(EventTypes.LeanProjectRequested, AgentNames.Remediation, remediation.Id, remediation, team: remediation.Team),
                    cancellationToken);
                projectId = InstanceIds.AlertProjectId(remediation.Id);
                actions.Add($"requested Lean project {projectId} for team {remediation.Team}; its proposal goes to a process-change motion");
                break;
            case RemediationKind.RecoverStuckAgent:
                var stuckAfter = alert.Label("stuck_after_seconds") is { } seconds && double.TryParse(seconds, System.Globalization.CultureInfo.InvariantCulture, out var s)
                    ? TimeSpan.FromSeconds(s)
                    : options.Value.Remediation.StuckAfter;
                actions.AddRange(await doctor.RecoverAsync(remediation.Agent, stuckAfter, remediation.Id, cancellationToken));
                break;
            case RemediationKind.ShedLoad:
                shedding.Engage(new SheddingCircuit(remediation.Team!, alert.Name, remediation.Id));
                actions.Add($"shedding load: new work for {(remediation.Team == RemediationPolicy.AllTeams ? "every team" : $"team {remediation.Team}")} is refused until {alert.Name} resolves");
                break;
        }

        // A notice always says something: the alert's summary, else what was done, else that the sender gave no summary.
        var text = !string.IsNullOrWhiteSpace(alert.Summary)
            ? alert.Summary
            : actions.Count > 0 ? string.Join("; ", actions) : $"{alert.Source} sent no summary (severity {alert.Severity})";
        actions.Add(await NotifyAsync(remediation, $"{alert.Name} fired", text, cancellationToken));
        return (remediation.Acted(actions, now, traceId) with { LeanProjectId = projectId }, "started");
    }

    /// <summary>
    /// Puts the plan to the board: a hand-off to Roberts through the router (<c>remediation.approval.requested</c>),
    /// which opens a <c>remediation-approval</c> committee motion announcing what, on what, why and which alert. The
    /// incident waits for its decision.
    /// </summary>
    private async Task<AlertRemediation> RequestApprovalAsync(AlertRemediation remediation, DateTimeOffset now, string? traceId, CancellationToken cancellationToken)
    {
        var alert = remediation.Alert;
        var plan = $"{PlanOf(remediation)} — because {alert.Name} fired ({alert.Source}, severity {alert.Severity})" +
                   (alert.Summary is null ? string.Empty : $": {alert.Summary}");
        var request = new RemediationApprovalRequest(
            remediation.Id,
            InstanceIds.RemediationApprovalMotionId(remediation.Id),
            remediation.Team is { } t && t != RemediationPolicy.AllTeams ? t : RemediationApprovalRequest.SwarmBoard,
            $"Approve remediation {remediation.Id}: {PlanOf(remediation)}",
            plan,
            remediation.Approval == ApprovalMode.Vote);
        await bus.PublishAsync(
            AgentEvent.Create(EventTypes.RemediationApprovalRequested, AgentNames.Remediation, remediation.Id, request, team: remediation.Team),
            cancellationToken);
        await NotifyAsync(
            remediation, $"{alert.Name}: approval requested", $"motion {request.MotionId} (objections within {options.Value.Remediation.ApprovalWindow}): {plan}", cancellationToken);
        return remediation.AwaitApproval(request.MotionId, plan, now, traceId);
    }

    /// <summary>
    /// Records whether the fix worked. A not-effective one escalates: a notice at severity <c>critical</c> and, when it
    /// targets one team, a motion before that team's board asking it to decide what next (through the router, like an
    /// approval); the board's decision is recorded on the incident.
    /// </summary>
    private async Task<AlertRemediation> VerifyAsync(AlertRemediation remediation, RemediationStep step, DateTimeOffset now, string? traceId, CancellationToken cancellationToken)
    {
        var evidence = step.Reason ?? (step.Effective ? "verified" : "not effective");
        var next = remediation.Verified(step.Effective, evidence, now, traceId, step.Signal?.EventId);
        if (step.Effective)
        {
            return next;
        }

        var alert = remediation.Alert;
        var notified = await NotifyAsync(
            remediation with { Alert = alert with { Severity = "critical" } }, $"{alert.Name}: remediation not effective", $"{remediation.Id} ({remediation.IncidentKey}): {evidence}", cancellationToken);
        var actions = new List<string> { $"escalated: {notified}" };
        string? motionId = null;
        if (remediation.Team is { } team && team != RemediationPolicy.AllTeams)
        {
            motionId = $"escalate-remediation-{remediation.Id}";
            var request = new RemediationApprovalRequest(
                remediation.Id,
                motionId,
                team,
                $"Remediation {remediation.Id} of {alert.Name} was not effective: decide what next",
                $"{PlanOf(remediation)} did not work — {evidence}");
            await bus.PublishAsync(
                AgentEvent.Create(EventTypes.RemediationApprovalRequested, AgentNames.Remediation, $"{remediation.Id}:escalation", request, team: team),
                cancellationToken);
            actions.Add($"asked the board of team {team} to decide (motion {motionId})");
        }

        return next.Record(new IncidentStep(now, "escalated", string.Join("; ", actions), traceId)) with
        {
            Escalated = true,
            EscalationMotionId = motionId,
            Actions = [.. next.Actions, .. actions],
        };
    }

    /// <summary>What the incident's policy would do, as a phrase: "start Lean project … for team …".</summary>
    private string PlanOf(AlertRemediation remediation) => remediation.Kind switch
    {
        RemediationKind.LeanProject => $"start Lean project {InstanceIds.AlertProjectId(remediation.Id)} for team {remediation.Team}",
        RemediationKind.RecoverStuckAgent =>
            $"recover {remediation.Agent ?? "every agent"}: restart its failed instances and nudge running ones idle longer than {options.Value.Remediation.StuckAfter}",
        RemediationKind.ShedLoad =>
            $"shed load: refuse new work for {(remediation.Team == RemediationPolicy.AllTeams ? "every team" : $"team {remediation.Team}")} until {remediation.Alert.Name} resolves",
        _ => $"notify about {remediation.Alert.Name}",
    };

    /// <summary>A suppression's recorded reason (its outcome and step detail): <c>suppressed: {why}</c>. Its notice's title already says "suppressed", so the notice carries the why alone.</summary>
    private static string Suppressed(string why) => $"suppressed: {why}";

    private async Task<AlertRemediation> SuppressAsync(AlertRemediation remediation, RemediationSignal? signal, DateTimeOffset now, string? traceId, CancellationToken cancellationToken)
    {
        var alert = signal?.Alert ?? remediation.Alert;
        var why = $"{alert.Name} ({alert.Source}) fired during the cooldown of {remediation.IncidentKey} " +
                  $"until {remediation.CooldownUntil?.ToString("u", System.Globalization.CultureInfo.InvariantCulture)}, after incident {remediation.Id} closed ({remediation.Outcome})";
        var notified = await NotifyAsync(remediation, $"{alert.Name} suppressed", why, cancellationToken);
        return remediation.Suppress(signal, Suppressed(why), [notified], now, traceId);
    }

    private async Task<AlertRemediation> ResolveAsync(AlertRemediation remediation, string reason, DateTimeOffset now, string? traceId, CancellationToken cancellationToken)
    {
        var actions = new List<string>();
        if (remediation is { Kind: RemediationKind.ShedLoad, StartedAt: not null, DryRun: false })
        {
            shedding.Release(remediation.Id);
            actions.Add("load shedding released");
        }

        var outcome = reason switch
        {
            "rejected" => $"not applied: the board did not approve ({remediation.ApprovalDecision})",
            "resolved-before-approval" => "not applied: every source resolved before the board decided",
            "expired" => $"closed after {remediation.MaxDuration} without every source resolving",
            "one-shot" => $"closed after acting: {remediation.Alert.Name} comes from a service that never sends a resolution",
            _ => $"every source resolved ({string.Join(", ", remediation.Sources.Select(s => s.Identity))})",
        };
        foreach (var motionId in remediation.UndecidedMotions)
        {
            // The board would decide a question the incident no longer asks: its maker asks leave to withdraw the motion
            // (granted unless voting has begun).
            var withdrawal = new RemediationApprovalWithdrawal(remediation.Id, motionId, $"incident {remediation.Id} closed before the board decided: {outcome}");
            await bus.PublishAsync(
                AgentEvent.Create(EventTypes.RemediationApprovalWithdrawn, AgentNames.Remediation, $"{remediation.Id}:{motionId}", withdrawal, team: remediation.Team),
                cancellationToken);
            actions.Add($"asked leave to withdraw motion {motionId}: the board had not decided");
        }

        actions.Add(await NotifyAsync(remediation, $"{remediation.Alert.Name} {(reason == "expired" ? "expired" : "resolved")}", outcome, cancellationToken));
        return remediation.Resolved(reason == "expired" ? "expired" : "resolved", outcome, actions, now, traceId);
    }

    private async Task<string> NotifyAsync(AlertRemediation remediation, string title, string text, CancellationToken cancellationToken)
    {
        try
        {
            var where = await notifier.NotifyAsync(
                new RemediationNotice(title, text, remediation.Alert.Name, remediation.Alert.Id, remediation.Id, remediation.Team, remediation.Alert.Severity),
                cancellationToken);
            return $"notified: {where}";
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // A notification channel being down must not stop the remediation itself.
            return $"notification failed: {error.Message}";
        }
    }
}
