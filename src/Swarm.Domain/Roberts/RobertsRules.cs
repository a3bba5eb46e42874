namespace Swarm.Domain.Roberts;

/// <summary>Quorum and voting thresholds of Robert's Rules of Order as the swarm applies them.</summary>
public static class RobertsRules
{
    /// <summary>A quorum is a majority of the board's membership.</summary>
    public static int QuorumOf(int boardSize) => (boardSize / 2) + 1;

    /// <summary>
    /// Counts a vote: quorum of members present (abstentions count as present), then a simple majority of votes
    /// cast for <c>work-approval</c> or two-thirds of votes cast for a <c>process-change</c> (a rule change).
    /// </summary>
    public static (MotionResult Result, Tally Tally, string Reason) Decide(
        MotionKind kind, int boardSize, IEnumerable<VoteChoice> votes)
    {
        var list = votes.ToList();
        var yes = list.Count(v => v == VoteChoice.Yes);
        var no = list.Count(v => v == VoteChoice.No);
        var abstain = list.Count(v => v == VoteChoice.Abstain);
        var threshold = kind == MotionKind.ProcessChange ? "two-thirds" : "majority";
        var tally = new Tally(yes, no, abstain, boardSize, QuorumOf(boardSize), threshold);

        if (!tally.QuorumMet)
        {
            return (MotionResult.Failed, tally, $"failed: no quorum ({tally.Present} of {boardSize} present, {tally.Quorum} needed)");
        }

        var passed = kind == MotionKind.ProcessChange
            ? yes > 0 && yes * 3 >= (yes + no) * 2
            : yes > no;
        var result = passed ? MotionResult.Passed : MotionResult.Failed;
        var reason = $"{(passed ? "adopted" : "rejected")}: {yes} yes, {no} no, {abstain} abstain; {threshold} of votes cast required";
        return (result, tally, reason);
    }
}
