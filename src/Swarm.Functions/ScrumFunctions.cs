using Swarm.Domain.Scrum;

namespace Swarm.Functions;

/// <summary>Scrum: a team's orchestration, a sprint's orchestration and their activities, under their catalog names.</summary>
public sealed class ScrumFunctions(SprintSteps steps)
{
    [Function(SwarmTasks.Orchestrators.ScrumTeam)]
    public static Task<ScrumTeamState> ScrumTeamOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, ScrumTeamState state) =>
        ScrumTeamWorkflow.RunAsync(context, state);

    [Function(SwarmTasks.Orchestrators.Sprint)]
    public static Task<Sprint> SprintOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, SprintPlan plan) =>
        SprintWorkflow.RunAsync(context, plan);

    [Function(SwarmTasks.Activities.StartSprint)]
    public Task<Sprint> StartSprint([ActivityTrigger] SprintPlan plan, [DurableClient] DurableTaskClient client) =>
        steps.StartSprintAsync(plan);

    [Function(SwarmTasks.Activities.ApplySprintCommand)]
    public Task<Sprint> ApplySprintCommand([ActivityTrigger] SprintStep step, [DurableClient] DurableTaskClient client) =>
        steps.ApplyAsync(step);
}
