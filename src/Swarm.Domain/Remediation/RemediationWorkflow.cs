namespace Swarm.Domain.Remediation;

/// <summary>An alert's remediation: act by policy, then monitor until the alert resolves (or the remediation expires).</summary>
public static class RemediationWorkflow
{
    private const string Step = SwarmTasks.Activities.ApplyRemediationCommand;

    public static async Task<AlertRemediation> RunAsync(TaskOrchestrationContext context, AlertRemediation remediation)
    {
        context.SetCustomStatus(remediation);
        if (remediation is { State: RemediationState.Triggered, ResolvedFirst: { } resolvedFirst })
        {
            remediation = await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Resolve, resolvedFirst));
        }

        if (remediation.State == RemediationState.Triggered)
        {
            remediation = await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Act));
        }

        if (remediation.State == RemediationState.Acting)
        {
            remediation = await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Monitor));
        }

        if (remediation.State == RemediationState.Monitoring)
        {
            var expires = context.CurrentUtcDateTime + remediation.MaxDuration;
            var resolved = await Inbox.NextBeforeAsync<RemediationCommand>(context, expires);
            remediation = await context.StepAsync<AlertRemediation>(Step, new RemediationStep(remediation, RemediationCommandKind.Resolve, resolved));
        }

        return remediation;
    }
}
