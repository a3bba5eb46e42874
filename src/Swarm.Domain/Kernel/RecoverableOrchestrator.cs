using Microsoft.DurableTask.Client;

namespace Swarm.Domain;

/// <summary>
/// An agent orchestration that the remediation agent may recover when it makes no progress: a failed instance is
/// started again under its own id with <see cref="LastKnownInput"/> (every workflow resumes from any state), a
/// running one is nudged past its current deadline. Each agent's registration says how its state is read back.
/// </summary>
/// <param name="Agent">The agent's name (<see cref="Telemetry.AgentNames"/>), as alert rules label it.</param>
/// <param name="Orchestrator">The orchestrator's catalog name (<see cref="SwarmTasks.Orchestrators"/>).</param>
/// <param name="LastKnownInput">The input that restarts the instance from its last recorded state, or null when it recorded none.</param>
public sealed record RecoverableOrchestrator(string Agent, string Orchestrator, Func<OrchestrationMetadata, object?> LastKnownInput);
