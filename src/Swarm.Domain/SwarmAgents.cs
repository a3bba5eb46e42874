using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Swarm.Domain.Events;
using Swarm.Domain.Lean;
using Swarm.Domain.Remediation;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Domain.Work;

namespace Swarm.Domain;

/// <summary>Registers the agents with a host: their services, and every orchestrator and activity of the catalog.</summary>
public static class SwarmAgents
{
    /// <summary>The agents' services; the host supplies <see cref="IAgentEventBus"/> and the Durable client.</summary>
    public static IServiceCollection AddSwarmAgents(this IServiceCollection services)
    {
        services.AddOptions<SwarmOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentMailbox>();
        services.TryAddSingleton<IWorkHistory, DurableWorkHistory>();
        services.TryAddSingleton<AgentEventRouter>();
        services.TryAddSingleton<SwarmCommands>();
        services.TryAddSingleton<WorkSteps>();
        services.TryAddSingleton<MotionSteps>();
        services.TryAddSingleton<SprintSteps>();
        services.TryAddSingleton<LeanSteps>();
        services.TryAddSingleton<LoadShedding>();
        services.TryAddSingleton<StuckAgentDoctor>();
        services.TryAddSingleton<RemediationSteps>();
        services.TryAddSingleton<AlertIntake>();
        services.TryAddSingleton<IRemediationNotifier, LoggedNotifier>();
        return services;
    }

    /// <summary>Every orchestrator and activity of <see cref="SwarmTasks"/>, by its catalog name.</summary>
    public static DurableTaskRegistry AddSwarmTasks(this DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<WorkItem, WorkItem>(SwarmTasks.Orchestrators.WorkItem, WorkItemWorkflow.RunAsync);
        registry.AddOrchestratorFunc<Motion, Motion>(SwarmTasks.Orchestrators.Motion, MotionWorkflow.RunAsync);
        registry.AddOrchestratorFunc<ScrumTeamState, ScrumTeamState>(SwarmTasks.Orchestrators.ScrumTeam, ScrumTeamWorkflow.RunAsync);
        registry.AddOrchestratorFunc<SprintPlan, Sprint>(SwarmTasks.Orchestrators.Sprint, SprintWorkflow.RunAsync);
        registry.AddOrchestratorFunc<LeanProject, LeanProject>(SwarmTasks.Orchestrators.LeanProject, LeanProjectWorkflow.RunAsync);
        registry.AddOrchestratorFunc<AlertRemediation, AlertRemediation>(SwarmTasks.Orchestrators.Remediation, RemediationWorkflow.RunAsync);

        Step<WorkSteps, WorkItem, WorkItem>(registry, SwarmTasks.Activities.ClaimWork, (s, i) => s.ClaimAsync(i));
        Step<WorkSteps, WorkStep, WorkItem>(registry, SwarmTasks.Activities.ApplyWorkCommand, (s, i) => s.ApplyAsync(i));
        Step<MotionSteps, MotionStep, Motion>(registry, SwarmTasks.Activities.ApplyMotionCommand, (s, i) => s.ApplyAsync(i));
        Step<SprintSteps, SprintPlan, Sprint>(registry, SwarmTasks.Activities.StartSprint, (s, i) => s.StartSprintAsync(i));
        Step<SprintSteps, SprintStep, Sprint>(registry, SwarmTasks.Activities.ApplySprintCommand, (s, i) => s.ApplyAsync(i));
        Step<LeanSteps, LeanProject, LeanProject>(registry, SwarmTasks.Activities.CreateLeanProject, (s, i) => s.CreateAsync(i));
        Step<LeanSteps, LeanStep, LeanProject>(registry, SwarmTasks.Activities.ApplyLeanCommand, (s, i) => s.ApplyAsync(i));
        Step<RemediationSteps, RemediationStep, AlertRemediation>(registry, SwarmTasks.Activities.ApplyRemediationCommand, (s, i) => s.ApplyAsync(i));
        return registry;
    }

    private static void Step<TSteps, TInput, TOutput>(DurableTaskRegistry registry, string name, Func<TSteps, TInput, Task<TOutput>> run)
        where TSteps : notnull =>
        registry.AddActivity(name, services => new StepActivity<TSteps, TInput, TOutput>(services.GetRequiredService<TSteps>(), run));

    private sealed class StepActivity<TSteps, TInput, TOutput>(TSteps steps, Func<TSteps, TInput, Task<TOutput>> run)
        : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(steps, input);
    }
}
