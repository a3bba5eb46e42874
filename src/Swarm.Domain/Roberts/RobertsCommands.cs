namespace Swarm.Domain.Roberts;

/// <summary>A member's word on a motion: second, object, or a vote; or its maker's request to withdraw it.</summary>
public sealed record MotionCommand(string EventId, string Voter, VoteChoice Choice) : IAgentCommand
{
    public string? TraceParent { get; init; }

    /// <summary>
    /// Set on the maker's request for leave to withdraw the motion (<see cref="Withdraw"/>): why it is moot. The votes
    /// API never sets it; <see cref="Choice"/> is then not read.
    /// </summary>
    public string? Withdrawal { get; init; }

    /// <summary>
    /// <paramref name="maker"/> (the motion's <see cref="Motion.MovedBy"/>, e.g. <c>remediation-agent</c>) asks leave to
    /// withdraw it because <paramref name="why"/> (RONR 12th ed. 33:11–19). A motion being voted on, or decided, ignores it.
    /// </summary>
    public static MotionCommand Withdraw(string eventId, string maker, string why) =>
        new(eventId, maker, VoteChoice.Abstain) { Withdrawal = why };
}

/// <summary>The input of one motion step activity; <paramref name="Reason"/> is a withdrawal's why.</summary>
public sealed record MotionStep(Motion Motion, MotionCommandKind Kind, string? Member = null, VoteChoice? Choice = null, string? TraceParent = null, string? Reason = null);
