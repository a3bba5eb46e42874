using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Roberts;

namespace Swarm.Workflow.Tests;

public class MotionWorkflowTests : IAsyncLifetime
{
    private static readonly string[] Board = ["chair", "secretary", "treasurer", "member-a", "member-b"];
    private SwarmTestHost _swarm = null!;

    public async Task InitializeAsync() => _swarm = await StartHostAsync();

    public async Task DisposeAsync() => await _swarm.DisposeAsync();

    /// <summary>The host the tests run on: the in-memory backend here, the Azure Storage provider in a subclass.</summary>
    protected virtual Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions>? configure = null) => SwarmTestHost.StartAsync(configure);

    [Fact]
    public async Task General_consent_adopts_a_motion_nobody_objects_to()
    {
        var motion = await RunAsync(NewMotion(MotionKind.WorkApproval, fromCommittee: true));

        Assert.Equal(MotionState.Closed, motion.State);
        Assert.Equal(MotionResult.Passed, motion.Result);
        Assert.Contains("general consent", motion.Reason);
        Assert.Null(motion.Tally);
        await _swarm.DeliveredAsync(e => e.Type == EventTypes.MotionPassed && e.Id.EndsWith(motion.Id, StringComparison.Ordinal), "motion passed");
    }

    [Fact]
    public async Task An_objection_forces_a_vote_decided_by_simple_majority()
    {
        var motion = NewMotion(MotionKind.WorkApproval, fromCommittee: true, contested: true);
        await StartAsync(motion);
        await WaitForStateAsync(motion.Id, MotionState.Seconded);
        await _swarm.Commands.VoteAsync(motion.Id, "member-b", VoteChoice.Object, null);
        await WaitForStateAsync(motion.Id, MotionState.Voting);
        foreach (var (voter, choice) in new[] { ("chair", VoteChoice.Yes), ("secretary", VoteChoice.Yes), ("treasurer", VoteChoice.Yes), ("member-a", VoteChoice.No), ("member-b", VoteChoice.No) })
        {
            await _swarm.Commands.VoteAsync(motion.Id, voter, choice, null);
        }

        var decided = await FinishedAsync(motion.Id);
        Assert.Equal(MotionResult.Passed, decided.Result);
        Assert.Equal(["member-b"], decided.Objections);
        Assert.Equal((3, 2), (decided.Tally!.Yes, decided.Tally.No));
        Assert.Equal("majority", decided.Tally.Threshold);
    }

    [Fact]
    public async Task A_process_change_needs_two_thirds_of_votes_cast()
    {
        var motion = NewMotion(MotionKind.ProcessChange, fromCommittee: true, contested: true);
        await StartAsync(motion);
        await WaitForStateAsync(motion.Id, MotionState.Seconded);
        await _swarm.Commands.VoteAsync(motion.Id, "chair", VoteChoice.Object, null);
        await WaitForStateAsync(motion.Id, MotionState.Voting);
        foreach (var (voter, choice) in new[] { ("chair", VoteChoice.Yes), ("secretary", VoteChoice.Yes), ("treasurer", VoteChoice.Yes), ("member-a", VoteChoice.No), ("member-b", VoteChoice.No) })
        {
            await _swarm.Commands.VoteAsync(motion.Id, voter, choice, null);
        }

        var decided = await FinishedAsync(motion.Id);
        Assert.Equal(MotionResult.Failed, decided.Result);
        Assert.Equal("two-thirds", decided.Tally!.Threshold);
        await _swarm.DeliveredAsync(e => e.Type == EventTypes.MotionFailed && e.Id.EndsWith(motion.Id, StringComparison.Ordinal), "motion failed");
    }

    [Fact]
    public async Task A_vote_without_quorum_fails_when_the_voting_deadline_passes()
    {
        // Voting closes by its deadline here, so the test waits it out: a window and 2 s, room for the two votes to land.
        var motion = NewMotion(MotionKind.WorkApproval, fromCommittee: true) with
        {
            Timings = new GovernanceTimings(Window, Window * 10, Window + TimeSpan.FromSeconds(2)),
        };
        await StartAsync(motion);
        await WaitForStateAsync(motion.Id, MotionState.Seconded);
        await _swarm.Commands.VoteAsync(motion.Id, "treasurer", VoteChoice.Object, null);
        await WaitForStateAsync(motion.Id, MotionState.Voting);
        await _swarm.Commands.VoteAsync(motion.Id, "chair", VoteChoice.Yes, null);
        await _swarm.Commands.VoteAsync(motion.Id, "secretary", VoteChoice.Yes, null);

        var decided = await FinishedAsync(motion.Id);
        Assert.Equal(MotionResult.Failed, decided.Result);
        Assert.False(decided.Tally!.QuorumMet);
        Assert.Equal(2, decided.Tally.Yes);
        Assert.Contains("quorum", decided.Reason);
    }

    [Fact]
    public async Task An_unseconded_member_motion_lapses_at_its_deadline()
    {
        var motion = await RunAsync(NewMotion(MotionKind.WorkApproval, fromCommittee: false));

        Assert.Equal(MotionResult.Failed, motion.Result);
        Assert.Null(motion.SecondedBy);
        Assert.Contains("lapsed", motion.Reason);
    }

    [Fact]
    public async Task A_member_motion_seconded_by_another_member_proceeds_to_general_consent()
    {
        // Seconding moves on at once, so a long seconding deadline costs nothing; four round trips must fit inside it.
        var motion = NewMotion(MotionKind.WorkApproval, fromCommittee: false) with
        {
            Timings = new GovernanceTimings(Window * 10, Window, Window * 10),
        };
        await StartAsync(motion);
        await WaitForStateAsync(motion.Id, MotionState.MotionOpen);
        await Assert.ThrowsAsync<InvalidInputException>(() => _swarm.Commands.VoteAsync(motion.Id, "chair", VoteChoice.Second, null));
        await Assert.ThrowsAsync<InvalidInputException>(() => _swarm.Commands.VoteAsync(motion.Id, "outsider", VoteChoice.Second, null));
        await _swarm.Commands.VoteAsync(motion.Id, "secretary", VoteChoice.Second, null);

        var decided = await FinishedAsync(motion.Id);
        Assert.Equal("secretary", decided.SecondedBy);
        Assert.Equal(MotionResult.Passed, decided.Result);
    }

    [Fact]
    public async Task Votes_out_of_order_are_refused_with_an_illegal_transition()
    {
        var motion = NewMotion(MotionKind.WorkApproval, fromCommittee: true) with
        {
            Timings = new GovernanceTimings(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)),
        };
        await StartAsync(motion);
        await WaitForStateAsync(motion.Id, MotionState.Seconded);

        var error = await Assert.ThrowsAsync<IllegalTransitionException>(() => _swarm.Commands.VoteAsync(motion.Id, "chair", VoteChoice.Yes, null));
        Assert.Equal("seconded", error.State);
        await Assert.ThrowsAsync<NotFoundException>(() => _swarm.Commands.VoteAsync("no-such-motion", "chair", VoteChoice.Yes, null));
    }

    /// <summary>
    /// The seconding and objection windows: long enough for a test to act inside them. The in-memory backend starts a
    /// window within milliseconds of the motion opening; a durable backend's queue polling delays its messages, so
    /// its tests use longer windows.
    /// </summary>
    protected virtual TimeSpan Window => TimeSpan.FromSeconds(1);

    /// <summary>
    /// A motion with deadlines of <see cref="Window"/> (voting ten of them). A test that objects first asks for an
    /// objection window ten times as long and a voting deadline sixty times: an objection moves the motion to voting at
    /// once, and the vote closes as soon as everyone has voted, so the longer windows cost nothing, while one
    /// <see cref="Window"/> could close before the objection lands on a loaded machine (the motion would then pass by
    /// general consent).
    /// </summary>
    private Motion NewMotion(MotionKind kind, bool fromCommittee, bool contested = false) => new()
    {
        Id = $"test-{Guid.NewGuid():N}"[..20],
        Kind = kind,
        Title = "Adopt a test rule",
        Team = "gamma",
        Board = Board,
        Timings = new GovernanceTimings(Window, contested ? Window * 10 : Window, contested ? Window * 60 : Window * 10),
        FromCommittee = fromCommittee,
        MovedBy = "chair",
    };

    private Task StartAsync(Motion motion) =>
        _swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.Motion, InstanceIds.Motion(motion.Id), motion);

    private async Task<Motion> RunAsync(Motion motion)
    {
        await StartAsync(motion);
        return await FinishedAsync(motion.Id);
    }

    private async Task<Motion> FinishedAsync(string motionId) =>
        (await _swarm.CompletedAsync(InstanceIds.Motion(motionId))).ReadOutputAs<Motion>()!;

    private Task<Motion> WaitForStateAsync(string motionId, MotionState state) =>
        SwarmTestHost.EventuallyAsync(async () => await _swarm.Commands.GetMotionAsync(motionId), m => m.State == state, what: $"motion {motionId} in {state}");
}
