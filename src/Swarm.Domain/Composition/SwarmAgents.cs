using Microsoft.DurableTask.Client;
using Swarm.Domain.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Swarm.Domain.Events;
using Swarm.Domain.Lean;
using Swarm.Domain.Remediation;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;

namespace Swarm.Domain.Composition;

/// <summary>Registers the agents with a host: their services, and every orchestrator and activity of the catalog.</summary>
public static class SwarmAgents
{
    /// <summary>
    /// The agents' services; the host supplies <see cref="IAgentEventBus"/> and the Durable client. Services that hold
    /// a Durable client get <paramref name="clientLifetime"/>: singletons in the embedded host (one client for the
    /// host's life), scoped in Azure Functions (one client per invocation, handed out by the host as a binding).
    /// Process-wide state — the clock, <see cref="LoadShedding"/>'s cache, the notifier — is a singleton in both, and
    /// reaches the client of the call at hand through <see cref="IDurableClientSource"/>.
    /// </summary>
    public static IServiceCollection AddSwarmAgents(this IServiceCollection services, ServiceLifetime clientLifetime = ServiceLifetime.Singleton)
    {
        services.AddOptions<SwarmOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDurableClientSource>(sp => new HostDurableClientSource(sp.GetRequiredService<DurableTaskClient>()));
        services.TryAddSingleton<LoadShedding>();
        services.TryAddSingleton<RemediationRateLimiter>();
        services.TryAddSingleton<IRemediationNotifier, LoggedNotifier>();

        void PerClient<TService, TImplementation>()
            where TService : class
            where TImplementation : class, TService =>
            services.TryAdd(ServiceDescriptor.Describe(typeof(TService), typeof(TImplementation), clientLifetime));

        PerClient<AgentMailbox, AgentMailbox>();
        PerClient<IWorkHistory, DurableWorkHistory>();
        PerClient<ITeamWorkRecords, ScrumWorkRecords>();
        PerClient<AgentEventRouter, AgentEventRouter>();
        PerClient<SwarmCommands, SwarmCommands>();
        PerClient<WorkSteps, WorkSteps>();
        PerClient<MotionSteps, MotionSteps>();
        PerClient<SprintSteps, SprintSteps>();
        PerClient<LeanSteps, LeanSteps>();
        PerClient<StuckAgentDoctor, StuckAgentDoctor>();
        PerClient<ITeamImprovements, LeanTeamImprovements>();
        PerClient<RemediationSteps, RemediationSteps>();
        PerClient<AlertIntake, AlertIntake>();
        PerClient<BusLedgerStore, BusLedgerStore>();
        AddRecoverable(services);
        return services;
    }

    /// <summary>
    /// What the remediation agent may recover of each agent, and how: the custom status each workflow keeps is its
    /// state; the team agent keeps its state in its input.
    /// </summary>
    private static void AddRecoverable(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(RecoverableOrchestrator)))
        {
            return;
        }

        services.AddSingleton(new RecoverableOrchestrator(AgentNames.Roberts, SwarmTasks.Orchestrators.Motion, i => i.ReadCustomStatusAs<Motion>()));
        services.AddSingleton(new RecoverableOrchestrator(AgentNames.Scrum, SwarmTasks.Orchestrators.ScrumTeam, i => i.ReadInputAs<ScrumTeamState>()));
        services.AddSingleton(new RecoverableOrchestrator(
            AgentNames.Scrum, SwarmTasks.Orchestrators.Sprint, i => i.ReadCustomStatusAs<Sprint>() is { } sprint ? new SprintPlan(sprint, sprint.Backlog) : null));
        services.AddSingleton(new RecoverableOrchestrator(AgentNames.Scrum, SwarmTasks.Orchestrators.WorkItem, i => i.ReadCustomStatusAs<WorkItem>()));
        services.AddSingleton(new RecoverableOrchestrator(AgentNames.Lean, SwarmTasks.Orchestrators.LeanProject, i => i.ReadCustomStatusAs<LeanProject>()));
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
        registry.AddOrchestratorFunc<BusLedger?, BusLedger>(SwarmTasks.Orchestrators.BusLedger, BusLedgerWorkflow.RunAsync);
        registry.AddOrchestratorFunc<AlertRemediation, AlertRemediation>(SwarmTasks.Orchestrators.IncidentRecord, RemediationWorkflow.RecordAsync);

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
