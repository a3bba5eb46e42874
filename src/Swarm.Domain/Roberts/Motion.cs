namespace Swarm.Domain.Roberts;

[JsonConverter(typeof(KebabEnumConverter<MotionKind>))]
public enum MotionKind
{
    WorkApproval,
    ProcessChange,

    /// <summary>The board's approval of a remediation's plan (a committee motion; general consent is its hold period).</summary>
    RemediationApproval,
}

[JsonConverter(typeof(KebabEnumConverter<MotionState>))]
public enum MotionState
{
    Idle,
    MotionOpen,
    Seconded,
    Voting,
    Closed,
}

/// <summary>Commands the chair applies to a motion; each is one guarded transition.</summary>
[JsonConverter(typeof(KebabEnumConverter<MotionCommandKind>))]
public enum MotionCommandKind
{
    Open,
    Second,
    Lapse,
    Consent,
    Object,
    Vote,
    Close,

    /// <summary>The chair puts a motion that must be decided by vote to the vote (no general consent).</summary>
    CallVote,

    /// <summary>
    /// The maker withdraws the motion with the assembly's leave before voting has begun (RONR 12th ed. 33:11–19: once
    /// stated by the chair a motion belongs to the assembly, and its maker asks leave to withdraw it, usually granted
    /// by general consent; once voting has begun it is too late). Only the maker's agent asks, when the question has
    /// become moot.
    /// </summary>
    Withdraw,
}

/// <summary>What a member can say on <c>POST /api/motions/{id}/votes</c>.</summary>
[JsonConverter(typeof(KebabEnumConverter<VoteChoice>))]
public enum VoteChoice
{
    Yes,
    No,
    Abstain,
    Object,
    Second,
}

[JsonConverter(typeof(KebabEnumConverter<MotionResult>))]
public enum MotionResult
{
    Passed,
    Failed,

    /// <summary>Withdrawn by its maker before voting began (<see cref="MotionCommandKind.Withdraw"/>): neither adopted nor rejected.</summary>
    Withdrawn,
}

/// <summary>Deadlines of the Roberts process: seconds in demos, days in production.</summary>
public sealed record GovernanceTimings(TimeSpan SecondingDeadline, TimeSpan ObjectionWindow, TimeSpan VotingDeadline)
{
    /// <summary>The deadlines configured under <c>Swarm:Governance</c>.</summary>
    public static GovernanceTimings From(GovernanceOptions options) =>
        new(options.SecondingDeadline, options.ObjectionWindow, options.VotingDeadline);
}

/// <summary>How a vote was counted.</summary>
public sealed record Tally(int Yes, int No, int Abstain, int BoardSize, int Quorum, string Threshold)
{
    public int Present => Yes + No + Abstain;
    public bool QuorumMet => Present >= Quorum;
}

/// <summary>A motion before the team's board, following Robert's Rules of Order.</summary>
public sealed record Motion
{
    private readonly IReadOnlyDictionary<string, VoteChoice> _votes = new Dictionary<string, VoteChoice>(StringComparer.OrdinalIgnoreCase);

    public static readonly TransitionTable<MotionState, MotionCommandKind> Machine =
        new TransitionTable<MotionState, MotionCommandKind>("motion")
            .Allow(MotionState.Idle, MotionCommandKind.Open, MotionState.MotionOpen)
            .Allow(MotionState.MotionOpen, MotionCommandKind.Second, MotionState.Seconded)
            .Allow(MotionState.MotionOpen, MotionCommandKind.Lapse, MotionState.Closed)
            .Allow(MotionState.Seconded, MotionCommandKind.Consent, MotionState.Closed)
            .Allow(MotionState.Seconded, MotionCommandKind.Object, MotionState.Voting)
            .Allow(MotionState.Seconded, MotionCommandKind.CallVote, MotionState.Voting)
            .Allow(MotionState.Voting, MotionCommandKind.Vote, MotionState.Voting)
            .Allow(MotionState.Voting, MotionCommandKind.Close, MotionState.Closed)
            .Allow(MotionState.MotionOpen, MotionCommandKind.Withdraw, MotionState.Closed)
            .Allow(MotionState.Seconded, MotionCommandKind.Withdraw, MotionState.Closed);

    public required string Id { get; init; }
    public required MotionKind Kind { get; init; }
    public required string Title { get; init; }
    public required string Team { get; init; }
    public required IReadOnlyList<string> Board { get; init; }
    public required GovernanceTimings Timings { get; init; }
    public string MovedBy { get; init; } = "chair";

    /// <summary>Motions reported by a committee (work intake, a Lean project team) need no second under RONR.</summary>
    public bool FromCommittee { get; init; }

    public string? WorkId { get; init; }
    public string? LeanProjectId { get; init; }

    /// <summary>The incident a <see cref="MotionKind.RemediationApproval"/> motion decides on.</summary>
    public string? RemediationId { get; init; }

    /// <summary>Decided by vote only: once seconded the chair puts it to the vote, without a general-consent window.</summary>
    public bool RequiresVote { get; init; }

    public int? Sprint { get; init; }
    public string? Proposal { get; init; }
    public MotionState State { get; init; } = MotionState.Idle;
    public string? SecondedBy { get; init; }
    public IReadOnlyList<string> Objections { get; init; } = [];
    /// <summary>Votes by member; names compare case-insensitively, also after a JSON round trip between steps.</summary>
    public IReadOnlyDictionary<string, VoteChoice> Votes
    {
        get => _votes;
        init => _votes = new Dictionary<string, VoteChoice>(value, StringComparer.OrdinalIgnoreCase);
    }
    public MotionResult? Result { get; init; }
    public string? Reason { get; init; }
    public Tally? Tally { get; init; }
    public DateTimeOffset? OpenedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }

    public Motion Open(DateTimeOffset at) => this with { State = Next(MotionCommandKind.Open), OpenedAt = at };

    public Motion SecondBy(string member)
    {
        if (!FromCommittee)
        {
            RequireMemberUnlessClosed(member);
        }

        var state = Next(MotionCommandKind.Second);
        if (!FromCommittee && string.Equals(member, MovedBy, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException("voter", $"'{member}' moved the motion and cannot second it.");
        }

        return this with { State = state, SecondedBy = member };
    }

    public Motion LapseUnseconded(DateTimeOffset at) => this with
    {
        State = Next(MotionCommandKind.Lapse),
        Result = MotionResult.Failed,
        Reason = "lapsed: not seconded before the deadline",
        ClosedAt = at,
    };

    public Motion AdoptByGeneralConsent(DateTimeOffset at) => this with
    {
        State = Next(MotionCommandKind.Consent),
        Result = MotionResult.Passed,
        Reason = "adopted by general consent: no objection within the window",
        ClosedAt = at,
    };

    /// <summary>The chair puts a <see cref="RequiresVote"/> motion to the vote.</summary>
    public Motion PutToVote() => this with { State = Next(MotionCommandKind.CallVote) };

    public Motion ObjectBy(string member)
    {
        RequireMemberUnlessClosed(member);
        var state = Next(MotionCommandKind.Object);
        return this with { State = state, Objections = [.. Objections, member] };
    }

    public Motion CastVote(string member, VoteChoice choice)
    {
        RequireMemberUnlessClosed(member);
        var state = Next(MotionCommandKind.Vote);
        if (choice is not (VoteChoice.Yes or VoteChoice.No or VoteChoice.Abstain))
        {
            throw new InvalidInputException("choice", $"'{Naming.Kebab(choice)}' is not a vote; while voting, choose yes, no or abstain.");
        }

        if (Votes.TryGetValue(member, out var earlier) && earlier != choice)
        {
            throw new ConflictException($"'{member}' already voted {Naming.Kebab(earlier)} on motion {Id}.");
        }

        var votes = new Dictionary<string, VoteChoice>(Votes, StringComparer.OrdinalIgnoreCase) { [member] = choice };
        return this with { State = state, Votes = votes };
    }

    /// <summary>True once every board member has voted, so the chair can close the vote early.</summary>
    [JsonIgnore]
    public bool EveryoneVoted => Board.All(m => Votes.ContainsKey(m));

    public Motion CloseVote(DateTimeOffset at)
    {
        var state = Next(MotionCommandKind.Close);
        var (result, tally, reason) = RobertsRules.Decide(Kind, Board.Count, Votes.Values);
        return this with { State = state, Result = result, Tally = tally, Reason = reason, ClosedAt = at };
    }

    /// <summary>
    /// The motion withdrawn at <paramref name="at"/> at the request of <paramref name="maker"/>, who must be its
    /// <see cref="MovedBy"/> (else <see cref="InvalidInputException"/> on <c>voter</c>); <paramref name="why"/> becomes
    /// part of <see cref="Reason"/>. Leave is granted by general consent (RONR 12th ed. 33:11–19): nobody is asked, as the
    /// maker only withdraws a question that events have made moot. Objections so far stay on the record. Only before
    /// voting has begun — open or seconded; in <see cref="MotionState.Voting"/> it is too late, and a decided motion
    /// is closed: both <see cref="IllegalTransitionException"/>.
    /// </summary>
    public Motion WithdrawBy(string maker, string why, DateTimeOffset at)
    {
        var state = Next(MotionCommandKind.Withdraw);
        if (!string.Equals(maker, MovedBy, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException("voter", $"Only the motion's maker ({MovedBy}) may ask leave to withdraw it, not '{maker}'.");
        }

        return this with
        {
            State = state,
            Result = MotionResult.Withdrawn,
            Reason = $"withdrawn by {maker} with the assembly's leave (general consent): {why}",
            ClosedAt = at,
        };
    }

    public bool IsMember(string member) => Board.Contains(member, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Who may act is checked before whether the motion's state allows the command — a stranger voting too early hears
    /// that they are not on the board, not to come back later — except on a closed motion, where nobody may act and the
    /// state says so (<see cref="IllegalTransitionException"/>).
    /// </summary>
    private void RequireMemberUnlessClosed(string member)
    {
        if (State != MotionState.Closed)
        {
            RequireMember(member);
        }
    }

    private void RequireMember(string member)
    {
        if (!IsMember(member))
        {
            throw new InvalidInputException("voter", $"'{member}' is not on team {Team}'s board ({string.Join(", ", Board)}).");
        }
    }

    private MotionState Next(MotionCommandKind command) => Machine.Fire(State, command);
}
