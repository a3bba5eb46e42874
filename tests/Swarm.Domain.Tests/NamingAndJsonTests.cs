using System.Text.Json;
using Swarm.Domain.Events;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;
using static Swarm.Domain.Tests.Fixtures;

namespace Swarm.Domain.Tests;

public sealed class NamingAndJsonTests
{
    public static TheoryData<string> OptionSets() => ["swarm", "default"];

    [Fact]
    public void Kebab_spells_enums_as_on_the_wire()
    {
        Assert.Equal("work-approval", Naming.Kebab(MotionKind.WorkApproval));
        Assert.Equal("process-change", Naming.Kebab(MotionKind.ProcessChange));
        Assert.Equal("in-progress", Naming.Kebab(WorkStatus.InProgress));
        Assert.Equal("motion-open", Naming.Kebab(MotionState.MotionOpen));
        Assert.Equal("item-completed", Naming.Kebab(SprintEventKind.ItemCompleted));
        Assert.Equal("roberts", Naming.Kebab(Framework.Roberts));
        Assert.Equal("feature", Naming.Kebab(WorkType.Feature));
    }

    [Theory]
    [InlineData("in-progress")]
    [InlineData("IN-PROGRESS")]
    [InlineData("InProgress")]
    [InlineData("inprogress")]
    [InlineData("  in-progress ")]
    public void TryParse_accepts_kebab_and_member_names_in_any_case(string text)
    {
        Assert.True(Naming.TryParse<WorkStatus>(text, out var status));
        Assert.Equal(WorkStatus.InProgress, status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("in progress")]
    [InlineData("4")]
    public void TryParse_rejects_anything_else(string? text) =>
        Assert.False(Naming.TryParse<WorkStatus>(text, out _));

    [Fact]
    public void Allowed_lists_the_kebab_names() =>
        Assert.Equal("idle, motion-open, seconded, voting, closed", Naming.Allowed<MotionState>());

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void A_work_item_round_trips_with_kebab_enums(string optionSet)
    {
        var options = Options(optionSet);
        var item = (NewWork(status: WorkStatus.Planned).ReportProgress(40, "waiting", T0.AddMinutes(3)) with
        {
            MotionId = "m1",
            Decision = "adopted",
            Sprint = 42,
            IdempotencyKey = "key-1",
        }).Record(WorkTransition.Of(T0.AddMinutes(3), "progress", "planned", "in-progress", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

        var json = JsonSerializer.Serialize(item, options);
        var back = JsonSerializer.Deserialize<WorkItem>(json, options)!;

        // A record compares its list by reference: the transitions are compared one by one.
        Assert.Equal(item.Transitions, back.Transitions);
        Assert.Equal(item, back with { Transitions = item.Transitions });
        Assert.Contains("\"in-progress\"", json, StringComparison.Ordinal);
        Assert.Contains("\"feature\"", json, StringComparison.Ordinal);
        Assert.Contains("\"high\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("NeedsGovernance", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("IsFinal", json, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void A_work_items_custom_status_is_read_back_for_listing_whichever_casing_wrote_it(string optionSet)
    {
        var item = NewWork(status: WorkStatus.Planned).ReportProgress(40, "waiting", T0.AddMinutes(3))
            .Record(WorkTransition.Of(T0.AddMinutes(3), "progress", "planned", "in-progress", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        var json = JsonSerializer.Serialize(item, Options(optionSet));

        var back = JsonSerializer.Deserialize<WorkItem>(json, WorkItemState.Options)!;

        Assert.Equal(item.Transitions, back.Transitions);
        Assert.Equal(item, back with { Transitions = item.Transitions });
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void A_completed_work_item_round_trips_its_completion(string optionSet)
    {
        var options = Options(optionSet);
        var item = NewWork(status: WorkStatus.InProgress).Complete(CompletionStatus.Failed, "missing tests", T0.AddHours(2));

        var json = JsonSerializer.Serialize(item, options);

        Assert.Contains("\"failed\"", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize<WorkItem>(json, options)!;
        Assert.Empty(back.Transitions);
        Assert.Equal(item, back with { Transitions = item.Transitions });
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void A_motion_round_trips_with_votes_timings_and_tally(string optionSet)
    {
        var options = Options(optionSet);
        var motion = VotingMotion(MotionKind.ProcessChange)
            .CastVote("alice", VoteChoice.Yes)
            .CastVote("bob", VoteChoice.No)
            .CastVote("carol", VoteChoice.Abstain)
            .CloseVote(T0.AddMinutes(1)) with
        { Proposal = "Add a check", LeanProjectId = "defect-sprint42" };

        var json = JsonSerializer.Serialize(motion, options);
        var back = JsonSerializer.Deserialize<Motion>(json, options)!;

        Assert.Contains("\"process-change\"", json, StringComparison.Ordinal);
        Assert.Contains("\"abstain\"", json, StringComparison.Ordinal);
        Assert.Contains("\"closed\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("EveryoneVoted", json, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(motion.Id, back.Id);
        Assert.Equal(MotionKind.ProcessChange, back.Kind);
        Assert.Equal(MotionState.Closed, back.State);
        Assert.Equal(motion.Board, back.Board);
        Assert.Equal(Timings, back.Timings);
        Assert.Equal("bob", back.SecondedBy);
        Assert.Equal(["carol"], back.Objections);
        Assert.Equal(motion.Votes.OrderBy(v => v.Key), back.Votes.OrderBy(v => v.Key));
        Assert.Equal(MotionResult.Failed, back.Result);
        Assert.Equal(motion.Tally, back.Tally);
        Assert.Equal(motion.Reason, back.Reason);
        Assert.Equal(T0, back.OpenedAt);
        Assert.Equal(T0.AddMinutes(1), back.ClosedAt);
        Assert.Equal("Add a check", back.Proposal);
        Assert.Equal("defect-sprint42", back.LeanProjectId);
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void A_motion_still_detects_a_changed_vote_after_a_round_trip(string optionSet)
    {
        var options = Options(optionSet);
        var voting = VotingMotion().CastVote("alice", VoteChoice.Yes);

        var back = JsonSerializer.Deserialize<Motion>(JsonSerializer.Serialize(voting, options), options)!;

        Assert.Throws<ConflictException>(() => back.CastVote("alice", VoteChoice.No));
        Assert.Single(back.CastVote("alice", VoteChoice.Yes).Votes);
    }

    // Orchestrations hand the motion to every activity as JSON, so a vote must behave the same after a round trip:
    // membership ignores case, so a changed vote under another casing is still a conflict.
    [Theory]
    [MemberData(nameof(OptionSets))]
    public void A_motion_still_detects_a_changed_vote_under_another_case_after_a_round_trip(string optionSet)
    {
        var options = Options(optionSet);
        var voting = VotingMotion().CastVote("alice", VoteChoice.Yes);

        var back = JsonSerializer.Deserialize<Motion>(JsonSerializer.Serialize(voting, options), options)!;

        Assert.Throws<ConflictException>(() => back.CastVote("ALICE", VoteChoice.No));
    }

    // ... and the chair can still close the vote early once every member has voted, whatever casing they used.
    [Theory]
    [MemberData(nameof(OptionSets))]
    public void EveryoneVoted_survives_a_round_trip_when_members_voted_under_another_case(string optionSet)
    {
        var options = Options(optionSet);
        var voted = VotingMotion(board: ["alice", "bob", "carol"])
            .CastVote("Alice", VoteChoice.Yes)
            .CastVote("Bob", VoteChoice.Yes)
            .CastVote("Carol", VoteChoice.No);
        Assert.True(voted.EveryoneVoted);

        var back = JsonSerializer.Deserialize<Motion>(JsonSerializer.Serialize(voted, options), options)!;

        Assert.True(back.EveryoneVoted);
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void A_sprint_round_trips_with_backlog_outcomes_and_review(string optionSet)
    {
        var options = Options(optionSet);
        var sprint = NewSprint().Start([Item("w1", 3, WorkPriority.Critical, WorkType.Bug), Item("w2", 5)], T0)
            .RecordOutcome(Failure("w1", 3, "missing tests"))
            .Escalate("w2", "blocked")
            .ReviewResults()
            .Retrospect();

        var json = JsonSerializer.Serialize(sprint, options);
        var back = JsonSerializer.Deserialize<Sprint>(json, options)!;

        Assert.Contains("\"retro\"", json, StringComparison.Ordinal);
        Assert.Contains("\"critical\"", json, StringComparison.Ordinal);
        Assert.Contains("\"failed\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("AllItemsDone", json, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(SprintState.Retro, back.State);
        Assert.Equal(sprint.Team, back.Team);
        Assert.Equal(42, back.Number);
        Assert.Equal(sprint.Capacity, back.Capacity);
        Assert.Equal(SprintTimings, back.Timings);
        Assert.Equal(sprint.Backlog, back.Backlog);
        Assert.Equal(sprint.Outcomes, back.Outcomes);
        Assert.Equal(sprint.Escalations, back.Escalations);
        Assert.Equal(sprint.Improvements, back.Improvements);
        Assert.Equal(T0, back.StartedAt);
        Assert.Equal(sprint.EndsAt, back.EndsAt);
        Assert.NotNull(back.Review);
        Assert.Equal(sprint.Review!.Velocity, back.Review.Velocity);
        Assert.Equal(sprint.Review.DefectRate, back.Review.DefectRate);
        Assert.Equal(sprint.Review.Unfinished, back.Review.Unfinished);
        Assert.True(back.Review.ExceedsThreshold);
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void Enums_serialize_as_kebab_strings(string optionSet)
    {
        var options = Options(optionSet);

        Assert.Equal("\"in-progress\"", JsonSerializer.Serialize(WorkStatus.InProgress, options));
        Assert.Equal("\"work-approval\"", JsonSerializer.Serialize(MotionKind.WorkApproval, options));
        Assert.Equal("\"motion-open\"", JsonSerializer.Serialize(MotionState.MotionOpen, options));
        Assert.Equal(MotionState.MotionOpen, JsonSerializer.Deserialize<MotionState>("\"motion-open\"", options));
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void Numbers_are_rejected_where_an_enum_is_expected(string optionSet)
    {
        var options = Options(optionSet);

        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<WorkStatus>("4", options));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<MotionKind>("1", options));

        var json = JsonSerializer.Serialize(NewWork(), options).Replace("\"claimed\"", "1", StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<WorkItem>(json, options));
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void Unknown_enum_names_are_rejected(string optionSet) =>
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<WorkStatus>("\"finished\"", Options(optionSet)));

    [Fact]
    public void Swarm_options_write_camel_case_and_omit_nulls()
    {
        var json = JsonSerializer.Serialize(NewWork(), SwarmJson.Options);

        Assert.Contains("\"id\":\"w1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"claimed\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("motionId", json, StringComparison.Ordinal);
    }

    private static JsonSerializerOptions Options(string optionSet) =>
        optionSet == "swarm" ? SwarmJson.Options : JsonSerializerOptions.Default;
}
