using Swarm.Domain.Roberts;
using static Swarm.Domain.Tests.Fixtures;

namespace Swarm.Domain.Tests;

public sealed class MotionTests
{
    [Fact]
    public void Open_moves_an_idle_motion_to_motion_open_and_stamps_it()
    {
        var open = NewMotion().Open(T0);

        Assert.Equal(MotionState.MotionOpen, open.State);
        Assert.Equal(T0, open.OpenedAt);
        Assert.Null(open.Result);
    }

    [Fact]
    public void SecondBy_a_board_member_moves_the_motion_to_seconded()
    {
        var seconded = NewMotion().Open(T0).SecondBy("bob");

        Assert.Equal(MotionState.Seconded, seconded.State);
        Assert.Equal("bob", seconded.SecondedBy);
    }

    [Fact]
    public void SecondBy_accepts_a_member_whatever_the_case()
    {
        var seconded = NewMotion().Open(T0).SecondBy("BOB");

        Assert.Equal(MotionState.Seconded, seconded.State);
    }

    [Fact]
    public void SecondBy_a_non_member_is_invalid_input_on_voter()
    {
        var open = NewMotion().Open(T0);

        var error = Assert.Throws<InvalidInputException>(() => open.SecondBy("mallory"));

        Assert.Equal("voter", error.Field);
        Assert.Contains("mallory", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("ALICE")]
    public void The_mover_cannot_second_their_own_motion(string mover)
    {
        var open = NewMotion(movedBy: "alice").Open(T0);

        var error = Assert.Throws<InvalidInputException>(() => open.SecondBy(mover));

        Assert.Equal("voter", error.Field);
    }

    [Fact]
    public void A_committee_motion_is_seconded_by_the_committee()
    {
        var seconded = NewMotion(fromCommittee: true, movedBy: "committee").Open(T0).SecondBy("committee");

        Assert.Equal(MotionState.Seconded, seconded.State);
        Assert.Equal("committee", seconded.SecondedBy);
    }

    [Fact]
    public void An_unseconded_motion_lapses_closed_and_failed()
    {
        var lapsed = NewMotion().Open(T0).LapseUnseconded(T0.AddSeconds(10));

        Assert.Equal(MotionState.Closed, lapsed.State);
        Assert.Equal(MotionResult.Failed, lapsed.Result);
        Assert.Contains("not seconded", lapsed.Reason, StringComparison.Ordinal);
        Assert.Equal(T0.AddSeconds(10), lapsed.ClosedAt);
        Assert.Null(lapsed.Tally);
    }

    [Fact]
    public void Without_objection_a_seconded_motion_is_adopted_by_general_consent()
    {
        var adopted = NewMotion().Open(T0).SecondBy("bob").AdoptByGeneralConsent(T0.AddSeconds(2));

        Assert.Equal(MotionState.Closed, adopted.State);
        Assert.Equal(MotionResult.Passed, adopted.Result);
        Assert.Contains("general consent", adopted.Reason, StringComparison.Ordinal);
        Assert.Equal(T0.AddSeconds(2), adopted.ClosedAt);
        Assert.Empty(adopted.Votes);
    }

    [Fact]
    public void An_objection_forces_a_vote()
    {
        var voting = NewMotion().Open(T0).SecondBy("bob").ObjectBy("carol");

        Assert.Equal(MotionState.Voting, voting.State);
        Assert.Equal(["carol"], voting.Objections);
        Assert.Null(voting.Result);
    }

    [Fact]
    public void A_non_member_cannot_object()
    {
        var seconded = NewMotion().Open(T0).SecondBy("bob");

        var error = Assert.Throws<InvalidInputException>(() => seconded.ObjectBy("mallory"));

        Assert.Equal("voter", error.Field);
    }

    [Fact]
    public void CastVote_records_the_members_vote_and_stays_voting()
    {
        var motion = VotingMotion().CastVote("alice", VoteChoice.Yes).CastVote("bob", VoteChoice.Abstain);

        Assert.Equal(MotionState.Voting, motion.State);
        Assert.Equal(VoteChoice.Yes, motion.Votes["alice"]);
        Assert.Equal(VoteChoice.Abstain, motion.Votes["bob"]);
        Assert.Equal(2, motion.Votes.Count);
    }

    [Fact]
    public void A_non_member_cannot_vote()
    {
        var error = Assert.Throws<InvalidInputException>(() => VotingMotion().CastVote("mallory", VoteChoice.Yes));

        Assert.Equal("voter", error.Field);
    }

    /// <summary>Who may act is checked before the state: a stranger voting too early hears that they are not on the board.</summary>
    [Fact]
    public void A_non_member_hears_so_before_that_the_motion_is_not_voting()
    {
        var seconded = NewMotion().Open(T0).SecondBy("bob");

        var vote = Assert.Throws<InvalidInputException>(() => seconded.CastVote("nobody", VoteChoice.Yes));
        var objection = Assert.Throws<InvalidInputException>(() => seconded.ObjectBy("nobody"));
        var second = Assert.Throws<InvalidInputException>(() => seconded.SecondBy("nobody"));

        Assert.All(new[] { vote, objection, second }, error =>
        {
            Assert.Equal("voter", error.Field);
            Assert.Contains("'nobody' is not on team", error.Message, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(VoteChoice.Object)]
    [InlineData(VoteChoice.Second)]
    public void Only_yes_no_or_abstain_is_a_vote(VoteChoice choice)
    {
        var error = Assert.Throws<InvalidInputException>(() => VotingMotion().CastVote("alice", choice));

        Assert.Equal("choice", error.Field);
    }

    [Fact]
    public void Changing_a_vote_is_a_conflict()
    {
        var voted = VotingMotion().CastVote("alice", VoteChoice.Yes);

        var error = Assert.Throws<ConflictException>(() => voted.CastVote("alice", VoteChoice.No));

        Assert.Equal("conflict", error.Code);
        Assert.Contains("alice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_a_vote_under_another_case_is_a_conflict()
    {
        var voted = VotingMotion().CastVote("alice", VoteChoice.Yes);

        Assert.Throws<ConflictException>(() => voted.CastVote("ALICE", VoteChoice.No));
    }

    [Fact]
    public void Repeating_the_same_vote_is_accepted_and_counted_once()
    {
        var voted = VotingMotion().CastVote("alice", VoteChoice.Yes);

        var again = voted.CastVote("alice", VoteChoice.Yes);

        Assert.Single(again.Votes);
        Assert.Equal(VoteChoice.Yes, again.Votes["alice"]);
    }

    [Fact]
    public void EveryoneVoted_only_once_every_board_member_has_voted()
    {
        var motion = VotingMotion(board: ["alice", "bob", "carol"]);
        Assert.False(motion.EveryoneVoted);

        motion = motion.CastVote("alice", VoteChoice.Yes).CastVote("bob", VoteChoice.No);
        Assert.False(motion.EveryoneVoted);

        motion = motion.CastVote("CAROL", VoteChoice.Abstain);
        Assert.True(motion.EveryoneVoted);
    }

    [Fact]
    public void CloseVote_decides_by_the_rules_and_records_the_tally()
    {
        var closed = VotingMotion()
            .CastVote("alice", VoteChoice.Yes)
            .CastVote("bob", VoteChoice.Yes)
            .CastVote("carol", VoteChoice.No)
            .CloseVote(T0.AddMinutes(1));

        Assert.Equal(MotionState.Closed, closed.State);
        Assert.Equal(MotionResult.Passed, closed.Result);
        Assert.Equal(T0.AddMinutes(1), closed.ClosedAt);
        Assert.NotNull(closed.Tally);
        Assert.Equal((2, 1, 0, 5, 3, "majority"), (closed.Tally.Yes, closed.Tally.No, closed.Tally.Abstain, closed.Tally.BoardSize, closed.Tally.Quorum, closed.Tally.Threshold));
        Assert.StartsWith("adopted", closed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CloseVote_without_quorum_fails_and_says_so()
    {
        var closed = VotingMotion()
            .CastVote("alice", VoteChoice.Yes)
            .CastVote("bob", VoteChoice.Yes)
            .CloseVote(T0);

        Assert.Equal(MotionResult.Failed, closed.Result);
        Assert.Contains("quorum", closed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CloseVote_on_a_process_change_needs_two_thirds()
    {
        var closed = VotingMotion(MotionKind.ProcessChange)
            .CastVote("alice", VoteChoice.Yes)
            .CastVote("bob", VoteChoice.Yes)
            .CastVote("carol", VoteChoice.Yes)
            .CastVote("dave", VoteChoice.No)
            .CastVote("erin", VoteChoice.No)
            .CloseVote(T0);

        Assert.Equal(MotionResult.Failed, closed.Result);
        Assert.Equal("two-thirds", closed.Tally!.Threshold);
    }

    [Fact]
    public void IsMember_ignores_case()
    {
        var motion = NewMotion();

        Assert.True(motion.IsMember("Carol"));
        Assert.False(motion.IsMember("mallory"));
    }

    public static TheoryData<MotionState> AllStates() => [.. Enum.GetValues<MotionState>()];

    [Theory]
    [MemberData(nameof(AllStates))]
    public void Each_record_method_throws_IllegalTransition_outside_its_legal_state(MotionState state)
    {
        var motion = NewMotion(state: state);

        AssertLegalOnlyIn(state, MotionState.Idle, "open", () => motion.Open(T0));
        AssertLegalOnlyIn(state, MotionState.MotionOpen, "second", () => motion.SecondBy("bob"));
        AssertLegalOnlyIn(state, MotionState.MotionOpen, "lapse", () => motion.LapseUnseconded(T0));
        AssertLegalOnlyIn(state, MotionState.Seconded, "consent", () => motion.AdoptByGeneralConsent(T0));
        AssertLegalOnlyIn(state, MotionState.Seconded, "object", () => motion.ObjectBy("carol"));
        AssertLegalOnlyIn(state, MotionState.Voting, "vote", () => motion.CastVote("dave", VoteChoice.Yes));
        AssertLegalOnlyIn(state, MotionState.Voting, "close", () => motion.CloseVote(T0));
    }

    [Fact]
    public void The_state_is_checked_before_the_member_so_a_closed_motion_reports_the_illegal_command()
    {
        var closed = NewMotion(state: MotionState.Closed);

        Assert.Throws<IllegalTransitionException>(() => closed.CastVote("mallory", VoteChoice.Yes));
        Assert.Throws<IllegalTransitionException>(() => closed.ObjectBy("mallory"));
        Assert.Throws<IllegalTransitionException>(() => closed.SecondBy("mallory"));
    }

    private static void AssertLegalOnlyIn(MotionState state, MotionState legal, string command, Func<Motion> act)
    {
        if (state == legal)
        {
            Assert.NotNull(act());
            return;
        }

        var error = Assert.Throws<IllegalTransitionException>(act);
        Assert.Equal("motion", error.Agent);
        Assert.Equal(Naming.Kebab(state), error.State);
        Assert.Equal(command, error.Command);
    }

    [Theory]
    [InlineData("open")]
    [InlineData("seconded")]
    public void Its_maker_withdraws_a_motion_before_voting_begins_which_closes_withdrawn(string stage)
    {
        var motion = stage == "open" ? NewMotion().Open(T0) : NewMotion().Open(T0).SecondBy("bob");

        var withdrawn = motion.WithdrawBy("ALICE", "the alert resolved", T0.AddMinutes(3));

        Assert.Equal((MotionState.Closed, MotionResult.Withdrawn, T0.AddMinutes(3)), (withdrawn.State, withdrawn.Result, withdrawn.ClosedAt));
        Assert.Equal("withdrawn by ALICE with the assembly's leave (general consent): the alert resolved", withdrawn.Reason);
        Assert.Null(withdrawn.Tally);
        Assert.Equal(motion.Votes, withdrawn.Votes);
        Assert.Equal(motion.Objections, withdrawn.Objections);
    }

    [Fact]
    public void Only_the_maker_may_withdraw_a_motion()
    {
        var seconded = NewMotion(movedBy: "remediation-agent", fromCommittee: true).Open(T0).SecondBy("committee");

        var error = Assert.Throws<InvalidInputException>(() => seconded.WithdrawBy("bob", "changed my mind", T0));

        Assert.Equal("voter", error.Field);
        Assert.Contains("remediation-agent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Once_voting_has_begun_or_the_motion_is_decided_it_is_too_late_to_withdraw()
    {
        var voting = VotingMotion().CastVote("bob", VoteChoice.Yes);
        var adopted = NewMotion().Open(T0).SecondBy("bob").AdoptByGeneralConsent(T0);

        var tooLate = Assert.Throws<IllegalTransitionException>(() => voting.WithdrawBy("alice", "too late", T0));
        var decided = Assert.Throws<IllegalTransitionException>(() => adopted.WithdrawBy("alice", "too late", T0));

        Assert.Equal(("voting", "withdraw"), (tooLate.State, tooLate.Command));
        Assert.Equal(("closed", "withdraw"), (decided.State, decided.Command));
    }
}
