using Microsoft.Extensions.Options;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Remediation;

/// <summary>Input of one remediation step.</summary>
public sealed record RemediationStep(AlertRemediation Remediation, RemediationCommandKind Kind, RemediationCommand? Command = null);

/// <summary>The activities of a remediation: act on the alert by policy, watch, and close the loop when it resolves.</summary>
public sealed class RemediationSteps(
    IAgentEventBus bus,
    StuckAgentDoctor doctor,
    LoadShedding shedding,
    IRemediationNotifier notifier,
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
            _ => "remediation.resolve",
        };
        using var command = CommandTelemetry.Start(logger, spanName, Framework.Remediation, $"remediation {remediation.Id}", links: CommandTelemetry.LinkTo(step.Command?.TraceParent))
            .Tag(SwarmAttributes.AlertName, remediation.Alert.Name)
            .Tag(SwarmAttributes.AlertId, remediation.Alert.Id)
            .Tag(SwarmAttributes.WorkTeam, remediation.Team)
            .Tag("swarm.remediation.kind", Naming.Kebab(remediation.Kind));
        return await command.RunAsync(
            async () =>
            {
                var next = step.Kind switch
                {
                    RemediationCommandKind.Act => remediation.Acted(await ActAsync(remediation, cancellationToken), clock.GetUtcNow()),
                    RemediationCommandKind.Monitor => remediation.Monitoring(),
                    _ => await ResolveAsync(remediation, step.Command, cancellationToken),
                };
                command.Transitioned(remediation.State, next.State);
                if (step.Kind != RemediationCommandKind.Monitor)
                {
                    SwarmTelemetry.Remediations.Add(
                        1,
                        new(SwarmAttributes.Alert, remediation.Alert.Name),
                        new(SwarmAttributes.Outcome, step.Kind switch
                        {
                            RemediationCommandKind.Act => "started",
                            _ when step.Command is null => "expired",
                            _ when remediation.State == RemediationState.Triggered => "resolved-before-fired",
                            _ => "resolved",
                        }));
                }

                return next;
            },
            _ => SwarmTelemetry.Remediations.Add(1, new(SwarmAttributes.Alert, remediation.Alert.Name), new(SwarmAttributes.Outcome, "failed")));
    }

    private async Task<IReadOnlyList<string>> ActAsync(AlertRemediation remediation, CancellationToken cancellationToken)
    {
        var alert = remediation.Alert;
        var actions = new List<string>();
        switch (remediation.Kind)
        {
            case RemediationKind.LeanProject:
                // A hand-off to another agent goes through the router as an agent event (docs/handoffs.md).
                await bus.PublishAsync(
                    AgentEvent.Create(EventTypes.LeanProjectRequested, AgentNames.Remediation, remediation.Id, remediation, team: remediation.Team),
                    cancellationToken);
                actions.Add($"requested Lean project {InstanceIds.AlertProjectId(remediation.Id)} for team {remediation.Team}; its proposal goes to a process-change motion");
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

        actions.Add(await NotifyAsync(remediation, $"{alert.Name} fired", alert.Summary ?? string.Join("; ", actions), cancellationToken));
        return actions;
    }

    private async Task<AlertRemediation> ResolveAsync(AlertRemediation remediation, RemediationCommand? resolved, CancellationToken cancellationToken)
    {
        if (remediation.State == RemediationState.Triggered)
        {
            // Nothing was started, engaged or announced for this episode, so there is nothing to undo or to tell.
            return remediation.Resolved(
                $"alert resolved before its fired notification arrived: {resolved?.Reason}",
                ["nothing done: the alert had already resolved"],
                clock.GetUtcNow());
        }

        var actions = new List<string>();
        if (remediation.Kind == RemediationKind.ShedLoad)
        {
            shedding.Release(remediation.Id);
            actions.Add("load shedding released");
        }

        var outcome = resolved is null
            ? $"closed after {remediation.MaxDuration} without the alert resolving"
            : $"alert resolved: {resolved.Reason}";
        actions.Add(await NotifyAsync(remediation, $"{remediation.Alert.Name} {(resolved is null ? "expired" : "resolved")}", outcome, cancellationToken));
        return remediation.Resolved(outcome, actions, clock.GetUtcNow());
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
