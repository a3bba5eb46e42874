using Swarm.Domain.Lean;

namespace Swarm.Functions;

/// <summary>Lean: a DMAIC project's orchestration and its activities, under their catalog names.</summary>
public sealed class LeanFunctions(LeanSteps steps)
{
    [Function(SwarmTasks.Orchestrators.LeanProject)]
    public static Task<LeanProject> LeanProjectOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, LeanProject project) =>
        LeanProjectWorkflow.RunAsync(context, project);

    [Function(SwarmTasks.Activities.CreateLeanProject)]
    public Task<LeanProject> CreateLeanProject([ActivityTrigger] LeanProject project, [DurableClient] DurableTaskClient client) =>
        steps.CreateAsync(project);

    [Function(SwarmTasks.Activities.ApplyLeanCommand)]
    public Task<LeanProject> ApplyLeanCommand([ActivityTrigger] LeanStep step, [DurableClient] DurableTaskClient client) =>
        steps.ApplyAsync(step);
}
