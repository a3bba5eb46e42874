using Swarm.Domain.Remediation;

namespace Swarm.Functions;

/// <summary>Remediation: an alert's orchestration and its activity, under their catalog names.</summary>
public sealed class RemediationFunctions(RemediationSteps steps)
{
    [Function(SwarmTasks.Orchestrators.Remediation)]
    public static Task<AlertRemediation> RemediationOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, AlertRemediation remediation) =>
        RemediationWorkflow.RunAsync(context, remediation);

    [Function(SwarmTasks.Activities.ApplyRemediationCommand)]
    public Task<AlertRemediation> ApplyRemediationCommand([ActivityTrigger] RemediationStep step, [DurableClient] DurableTaskClient client) =>
        steps.ApplyAsync(step);
}
