namespace Swarm.Domain.Roberts;

/// <summary>A member's word on a motion: second, object, or a vote.</summary>
public sealed record MotionCommand(string EventId, string Voter, VoteChoice Choice) : IAgentCommand
{
    public string? TraceParent { get; init; }
}

/// <summary>The input of one motion step activity.</summary>
public sealed record MotionStep(Motion Motion, MotionCommandKind Kind, string? Member = null, VoteChoice? Choice = null, string? TraceParent = null);
