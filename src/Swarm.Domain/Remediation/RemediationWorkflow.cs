namespace Swarm.Domain.Remediation;

/// <summary>
/// The orchestration of one policy × target (its incident desk). Alert deliveries arrive as
/// <see cref="RemediationSignal"/>s, one at a time, so concurrent and duplicated webhooks cannot start two incidents:
/// <list type="number">
/// <item>idle: wait for a firing alert (a resolution that overtook its firing is remembered); the last closed incident
/// is then kept as its record (<see cref="InstanceIds.IncidentRecord"/>) and a new one opens;</item>
/// <item>open: put the plan to the board when the policy asks for consent (act only if adopted), act by policy
/// (unless the storm limit suppresses it), then watch: every delivery joins the incident;
/// it closes when every source that fired it has resolved, when it expires, or at once for one-shot alerts;</item>
/// <item>closed: during the cooldown every firing is suppressed (recorded, notified), then the desk is idle again.</item>
/// </list>
/// The history is kept short: the orchestration continues as new after each incident and every
/// <see cref="SignalsPerGeneration"/> deliveries.
/// </summary>
public static class RemediationWorkflow
{
    /// <summary>
    /// Deliveries handled before the orchestration continues as new: 10. On the Azure Storage backend every delivery
    /// replays the whole history, so a storm of deliveries to one incident costs quadratically in this number.
    /// </summary>
    public const int SignalsPerGeneration = 10;

    private const string Step = SwarmTasks.Activities.ApplyRemediationCommand;

    public static async Task<AlertRemediation> RunAsync(TaskOrchestrationContext context, AlertRemediation remediation)
    {
        context.SetCustomStatus(remediation);
        var signals = 0;

        if (remediation.State == RemediationState.Triggered)
        {
            remediation = await context.StepAsync<AlertRemediation>(
                Step, new RemediationStep(remediation, remediation.Approval == ApprovalMode.Auto ? RemediationCommandKind.Act : RemediationCommandKind.RequestApproval));
        }

        // The plan is before the board: act only if it adopts it; deliveries keep joining meanwhile.
        while (remediation.State == RemediationState.AwaitingApproval)
        {
            var expires = (remediation.OpenedAt ?? context.CurrentUtcDateTime) + remediation.MaxDuration;
            var signal = await Inbox.NextBeforeAsync<RemediationSignal>(context, expires.UtcDateTime);
            if (signal is null)
            {
                remediation = await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Resolve, Reason: "expired"));
            }
            else if (signal.Decision is { } decision && decision.MotionId == remediation.ApprovalMotionId)
            {
                remediation = remediation.Decided(decision, context.CurrentUtcDateTime, AlertRemediation.TraceOf(signal), signal.EventId);
                context.SetCustomStatus(remediation);
                remediation = decision.Passed
                    ? await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Act, signal))
                    : await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Resolve, signal, "rejected"));
            }
            else
            {
                remediation = remediation.Join(signal, context.CurrentUtcDateTime);
                context.SetCustomStatus(remediation);
                if (remediation.AllSourcesResolved)
                {
                    remediation = await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Resolve, signal, "resolved-before-approval"));
                }
                else if (++signals >= SignalsPerGeneration)
                {
                    context.ContinueAsNew(remediation);
                    return remediation;
                }
            }
        }

        if (remediation.State == RemediationState.Acting)
        {
            remediation = remediation.Alert.OneShot
                ? await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Resolve, Reason: "one-shot"))
                : await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Monitor));
        }

        while (remediation.State == RemediationState.Monitoring)
        {
            var expires = (remediation.StartedAt ?? context.CurrentUtcDateTime) + remediation.MaxDuration;
            var verifyBy = remediation is { Verification: null, VerifiedByReview: false, VerifyBy: { } by } && by < expires ? by : (DateTimeOffset?)null;
            var signal = await Inbox.NextBeforeAsync<RemediationSignal>(context, (verifyBy ?? expires).UtcDateTime);
            if (signal is null)
            {
                if (verifyBy is not null && context.CurrentUtcDateTime < expires.UtcDateTime)
                {
                    // Still firing when the fix should have shown: not effective, escalated; the incident stays open.
                    remediation = await context.StepAsync<AlertRemediation>(Step, new RemediationStep(
                        remediation, RemediationCommandKind.Verify, Reason: $"{remediation.Alert.Name} still firing {remediation.VerifyWindow} after acting", Effective: false));
                    continue;
                }

                remediation = await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Resolve, Reason: "expired"));
                break;
            }

            if (signal.Evidence is { } evidence)
            {
                remediation = await OnEvidenceAsync(context, remediation, signal, evidence);
            }
            else
            {
                remediation = remediation.Join(signal, context.CurrentUtcDateTime);
                context.SetCustomStatus(remediation);
                if (remediation.AllSourcesResolved)
                {
                    remediation = await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Resolve, signal, "resolved"));
                    if (remediation is { Verification: null, VerifiedByReview: false })
                    {
                        remediation = await context.StepAsync<AlertRemediation>(Step, new RemediationStep(
                            remediation, RemediationCommandKind.Verify, signal, $"every source resolved within {remediation.VerifyWindow} of acting", Effective: true));
                    }

                    break;
                }
            }

            if (++signals >= SignalsPerGeneration)
            {
                context.ContinueAsNew(remediation);
                return remediation;
            }
        }

        while (remediation is { State: RemediationState.Resolved, CooldownUntil: { } until } && until > context.CurrentUtcDateTime)
        {
            var signal = await Inbox.NextBeforeAsync<RemediationSignal>(context, until.UtcDateTime);
            if (signal is null)
            {
                break;
            }

            remediation = signal.Evidence is { } evidence
                ? await OnEvidenceAsync(context, remediation, signal, evidence)
                : signal.Alert is null
                ? remediation.Join(signal, context.CurrentUtcDateTime)
                : signal.Alert is { Status: AlertStatus.Firing }
                ? await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Suppress, signal))
                : remediation.Record(new IncidentStep(
                    context.CurrentUtcDateTime,
                    "ignored",
                    signal.Alert is { } alert ? $"{alert.Name} resolved ({alert.Source}) after the incident closed" : "a board decision after the incident closed",
                    AlertRemediation.TraceOf(signal),
                    signal.EventId));
            context.SetCustomStatus(remediation);
            if (++signals >= SignalsPerGeneration)
            {
                context.ContinueAsNew(remediation);
                return remediation;
            }
        }

        // Idle until a firing alert opens the next incident.
        while (true)
        {
            var signal = await Inbox.NextAsync<RemediationSignal>(context);
            if (signal.Alert is { Status: AlertStatus.Firing } firing && !remediation.EarlyResolutions.Contains(firing.Identity))
            {
                if (remediation.Sequence > 0)
                {
                    await context.CallSubOrchestratorAsync<AlertRemediation>(
                        SwarmTasks.Orchestrators.IncidentRecord, remediation, new SubOrchestrationOptions { InstanceId = InstanceIds.IncidentRecord(remediation.Id) });
                }

                context.ContinueAsNew(remediation.Open(signal, context.CurrentUtcDateTime));
                return remediation;
            }

            remediation = signal.Alert is { Status: AlertStatus.Resolved } resolution
                ? remediation.RememberEarlyResolution(resolution)
                : remediation;
            context.SetCustomStatus(remediation);
            if (++signals >= SignalsPerGeneration)
            {
                context.ContinueAsNew(remediation);
                return remediation;
            }
        }
    }

    /// <summary>
    /// A sprint review of the incident's team: it verifies a Lean-project incident that acted before the reviewed sprint
    /// started and is not verified yet (effective when the defect rate is at or under the threshold); anything else is only recorded.
    /// </summary>
    private static async Task<AlertRemediation> OnEvidenceAsync(TaskOrchestrationContext context, AlertRemediation remediation, RemediationSignal signal, VerificationEvidence evidence)
    {
        if (remediation is { Verification: null, VerifiedByReview: true, StartedAt: { } acted } && evidence.After(acted))
        {
            return await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Verify, signal, evidence.ToString(), evidence.Effective));
        }

        var why = remediation is { StartedAt: { } started } && evidence.SprintStartedAt <= started
            ? "its sprint started before the remediation acted"
            : "not evidence for this incident";
        var next = remediation.Record(new IncidentStep(context.CurrentUtcDateTime, "ignored", $"{evidence} ({why})", AlertRemediation.TraceOf(signal), signal.EventId));
        context.SetCustomStatus(next);
        return next;
    }

    /// <summary>A closed incident's record: nothing to do but keep it (its input is its output).</summary>
    public static Task<AlertRemediation> RecordAsync(TaskOrchestrationContext context, AlertRemediation incident)
    {
        context.SetCustomStatus(incident);
        return Task.FromResult(incident);
    }
}
