using Swarm.Domain.Remediation;

namespace Swarm.Functions;

/// <summary>Remediation: the incident desk's orchestration, the closed incident's record and the activity, under their catalog names.</summary>
public sealed class RemediationFunctions(RemediationSteps steps)
{
    [Function(SwarmTasks.Orchestrators.Remediation)]
    public static Task<AlertRemediation> RemediationOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, AlertRemediation remediation) =>
        RemediationWorkflow.RunAsync(context, remediation);

    [Function(SwarmTasks.Orchestrators.IncidentRecord)]
    public static Task<AlertRemediation> IncidentRecordOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, AlertRemediation incident) =>
        RemediationWorkflow.RecordAsync(context, incident);

    [Function(SwarmTasks.Activities.ApplyRemediationCommand)]
    public Task<AlertRemediation> ApplyRemediationCommand([ActivityTrigger] RemediationStep step, [DurableClient] DurableTaskClient client) =>
        steps.ApplyAsync(step);
}
