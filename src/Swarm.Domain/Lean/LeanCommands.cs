namespace Swarm.Domain.Lean;

/// <summary>The decision on a Lean project's process-change motion.</summary>
public sealed record LeanCommand(string EventId, string MotionId, BoardDecision Result, string Reason) : IAgentCommand
{
    public string? TraceParent { get; init; }
}

/// <summary>The input of one Lean step activity.</summary>
public sealed record LeanStep(LeanProject Project, LeanCommandKind Kind, LeanCommand? Decision = null);

/// <summary>
/// The board's decision on a Lean project's process change, as the Roberts agent announced it in
/// <c>roberts.motion.passed</c> or <c>roberts.motion.failed</c>; spelled <c>passed</c>/<c>failed</c> like the motion's result.
/// </summary>
[JsonConverter(typeof(KebabEnumConverter<BoardDecision>))]
public enum BoardDecision
{
    Passed,
    Failed,
}
