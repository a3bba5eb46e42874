using Swarm.Domain.Roberts;

namespace Swarm.Domain.Tests;

public sealed class RobertsRulesTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 3)]
    [InlineData(6, 4)]
    [InlineData(7, 4)]
    public void Quorum_is_a_majority_of_the_board(int boardSize, int quorum) =>
        Assert.Equal(quorum, RobertsRules.QuorumOf(boardSize));

    [Fact]
    public void Without_quorum_the_motion_fails_and_the_reason_names_the_quorum()
    {
        var (result, tally, reason) = RobertsRules.Decide(MotionKind.WorkApproval, 5, Votes(yes: 2));

        Assert.Equal(MotionResult.Failed, result);
        Assert.False(tally.QuorumMet);
        Assert.Equal(2, tally.Present);
        Assert.Equal(3, tally.Quorum);
        Assert.Contains("quorum", reason, StringComparison.Ordinal);
        Assert.Contains("2 of 5 present", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Abstentions_count_towards_quorum()
    {
        var (result, tally, _) = RobertsRules.Decide(MotionKind.WorkApproval, 5, Votes(yes: 1, abstain: 2));

        Assert.True(tally.QuorumMet);
        Assert.Equal(3, tally.Present);
        Assert.Equal(MotionResult.Passed, result);
    }

    [Theory]
    [InlineData(3, 2, 0, MotionResult.Passed)]
    [InlineData(2, 1, 2, MotionResult.Passed)]
    [InlineData(2, 2, 1, MotionResult.Failed)]
    [InlineData(1, 2, 0, MotionResult.Failed)]
    [InlineData(0, 0, 3, MotionResult.Failed)]
    public void Work_approval_needs_a_simple_majority_of_votes_cast_and_a_tie_fails(int yes, int no, int abstain, MotionResult expected)
    {
        var (result, tally, reason) = RobertsRules.Decide(MotionKind.WorkApproval, 5, Votes(yes, no, abstain));

        Assert.Equal(expected, result);
        Assert.Equal("majority", tally.Threshold);
        Assert.Contains($"{yes} yes, {no} no, {abstain} abstain", reason, StringComparison.Ordinal);
        Assert.StartsWith(expected == MotionResult.Passed ? "adopted" : "rejected", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 1, 0, 3, MotionResult.Passed)] // exactly two-thirds
    [InlineData(4, 2, 0, 6, MotionResult.Passed)] // exactly two-thirds
    [InlineData(4, 2, 3, 9, MotionResult.Passed)] // abstentions are not votes cast
    [InlineData(3, 0, 0, 5, MotionResult.Passed)]
    [InlineData(3, 2, 0, 5, MotionResult.Failed)] // 60 %
    [InlineData(65, 35, 0, 100, MotionResult.Failed)] // just under two-thirds
    [InlineData(66, 34, 0, 100, MotionResult.Failed)] // 66 % < 66.67 %
    [InlineData(67, 33, 0, 100, MotionResult.Passed)]
    [InlineData(1, 1, 1, 3, MotionResult.Failed)]
    [InlineData(0, 0, 3, 5, MotionResult.Failed)] // no votes cast
    public void Process_change_needs_two_thirds_of_votes_cast(int yes, int no, int abstain, int board, MotionResult expected)
    {
        var (result, tally, _) = RobertsRules.Decide(MotionKind.ProcessChange, board, Votes(yes, no, abstain));

        Assert.Equal(expected, result);
        Assert.Equal("two-thirds", tally.Threshold);
    }

    [Fact]
    public void Abstentions_do_not_dilute_a_two_thirds_majority()
    {
        // 2 yes, 1 no is exactly two-thirds of votes cast; 4 abstentions would make it 2/7 of those present.
        var (result, _, _) = RobertsRules.Decide(MotionKind.ProcessChange, 7, Votes(yes: 2, no: 1, abstain: 4));

        Assert.Equal(MotionResult.Passed, result);
    }

    [Fact]
    public void The_tally_counts_each_choice()
    {
        var (_, tally, _) = RobertsRules.Decide(MotionKind.WorkApproval, 7, Votes(yes: 3, no: 2, abstain: 1));

        Assert.Equal(new Tally(3, 2, 1, 7, 4, "majority"), tally);
        Assert.Equal(6, tally.Present);
    }

    private static List<VoteChoice> Votes(int yes = 0, int no = 0, int abstain = 0) =>
    [
        .. Enumerable.Repeat(VoteChoice.Yes, yes),
        .. Enumerable.Repeat(VoteChoice.No, no),
        .. Enumerable.Repeat(VoteChoice.Abstain, abstain),
    ];
}
