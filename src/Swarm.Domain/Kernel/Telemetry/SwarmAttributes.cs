namespace Swarm.Domain.Telemetry;

/// <summary>Attribute keys of the telemetry conventions.</summary>
public static class SwarmAttributes
{
    public const string AgentName = "swarm.agent.name";
    public const string Framework = "swarm.framework";
    public const string TransitionFrom = "swarm.agent.transition.from";
    public const string TransitionTo = "swarm.agent.transition.to";
    public const string Command = "swarm.agent.command";
    public const string Success = "success";
    public const string WorkId = "swarm.work.id";
    public const string WorkType = "swarm.work.type";
    public const string WorkPriority = "swarm.work.priority";
    public const string WorkTeam = "swarm.work.team";
    public const string MotionId = "swarm.motion.id";
    public const string MotionKind = "swarm.motion.kind";
    public const string MotionResult = "swarm.motion.result";
    public const string SprintNumber = "swarm.sprint.number";
    public const string LeanProjectId = "swarm.lean.project.id";
    public const string AlertName = "swarm.alert.name";
    public const string AlertId = "swarm.alert.id";
    public const string EventType = "swarm.event.type";
    public const string EventId = "swarm.event.id";
    public const string InstanceId = "swarm.instance.id";

    // Metric label names: short and low-cardinality, as the Prometheus rules use them.
    public const string Status = "status";
    public const string CompletionStatus = "completion_status";
    public const string Result = "result";
    public const string Kind = "kind";
    public const string Team = "team";
    public const string Phase = "phase";
    public const string Alert = "alert";
    public const string Outcome = "outcome";
    public const string Type = "type";
}
