using Swarm.Domain.Scrum;

namespace Swarm.Functions;

/// <summary>A work item's orchestration and its activities, under their catalog names; each body is one call into Domain.</summary>
public sealed class WorkFunctions(WorkSteps steps)
{
    [Function(SwarmTasks.Orchestrators.WorkItem)]
    public static Task<WorkItem> WorkItemOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, WorkItem item) =>
        WorkItemWorkflow.RunAsync(context, item);

    [Function(SwarmTasks.Activities.ClaimWork)]
    public Task<WorkItem> ClaimWork([ActivityTrigger] WorkItem item, [DurableClient] DurableTaskClient client) =>
        steps.ClaimAsync(item);

    [Function(SwarmTasks.Activities.ApplyWorkCommand)]
    public Task<WorkItem> ApplyWorkCommand([ActivityTrigger] WorkStep step, [DurableClient] DurableTaskClient client) =>
        steps.ApplyAsync(step);
}
