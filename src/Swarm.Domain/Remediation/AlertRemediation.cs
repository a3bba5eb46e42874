namespace Swarm.Domain.Remediation;

[JsonConverter(typeof(KebabEnumConverter<RemediationKind>))]
public enum RemediationKind
{
    LeanProject,
    RecoverStuckAgent,
    ShedLoad,
    NotifyOnly,
}

/// <summary>
/// Where an incident stands. <see cref="Idle"/>: the policy × target has no incident yet (or its last one has cooled
/// down) and waits for a firing alert. <see cref="Resolved"/>: closed; while <see cref="AlertRemediation.CooldownUntil"/>
/// lies ahead, new firings are suppressed.
/// </summary>
[JsonConverter(typeof(KebabEnumConverter<RemediationState>))]
public enum RemediationState
{
    Triggered,

    /// <summary>The plan is before the board (a remediation-approval motion); nothing is applied until it is adopted.</summary>
    AwaitingApproval,
    Acting,
    Monitoring,
    Resolved,
    Idle,
}

[JsonConverter(typeof(KebabEnumConverter<RemediationCommandKind>))]
public enum RemediationCommandKind
{
    /// <summary>Put the plan to the board: open its remediation-approval motion.</summary>
    RequestApproval,
    Act,
    Monitor,
    Resolve,

    /// <summary>A firing alert met the incident's cooldown (or the storm limit): recorded and notified, nothing done.</summary>
    Suppress,

    /// <summary>Record whether the fix worked; a not-effective one escalates.</summary>
    Verify,
}

/// <summary>One alert source of an incident: an alert (source and id, whatever its episodes) and whether it still fires.</summary>
/// <param name="Identity">Source and alert id (<see cref="AlertNotification.SourceIdentity"/>).</param>
/// <param name="Name">The alert's name as that source calls it.</param>
/// <param name="Firing">False once the source has resolved.</param>
/// <param name="Deliveries">Deliveries of this alert joined to the incident (episodes, duplicates, retries, resolutions).</param>
/// <param name="LastAt">When the last delivery was joined (UTC).</param>
public sealed record IncidentSource(string Identity, string Name, bool Firing, int Deliveries, DateTimeOffset LastAt);

/// <summary>One step of an incident's audit trail.</summary>
/// <param name="At">When (UTC).</param>
/// <param name="Step"><c>opened</c>, <c>joined</c>, <c>source-resolved</c>, <c>acted</c>, <c>suppressed</c>, <c>resolved</c>, <c>expired</c>, <c>ignored</c>.</param>
/// <param name="Detail">What happened, as a sentence.</param>
/// <param name="TraceId">The trace the step belongs to (W3C trace id), when known.</param>
/// <param name="EventId">The agent event that caused it, when there was one.</param>
public sealed record IncidentStep(DateTimeOffset At, string Step, string Detail, string? TraceId = null, string? EventId = null);

/// <summary>
/// An incident: everything the swarm does about one policy on one target (for example <c>HighDefectRate</c> × team
/// <c>alpha</c>) from the first firing alert until every source that fired it has resolved — every later episode,
/// duplicate delivery, retry or other source joins it and starts nothing new. After it closes, the policy rests on that
/// target for a cooldown. One orchestration per policy × target (<see cref="InstanceIds.Remediation"/> of
/// <see cref="DeskKey"/>) holds the current incident in its custom status and handles its alerts one at a time;
/// closed incidents are kept as records (<see cref="InstanceIds.IncidentRecord"/>) for the audit trail.
/// </summary>
public sealed record AlertRemediation
{
    /// <summary>The audit trail keeps the last 60 steps (the first one, <c>opened</c>, always); <see cref="StepsDropped"/> counts the rest.</summary>
    public const int MaxSteps = 60;

    /// <summary>Identities of resolutions that arrived before their firing, remembered while idle: 20.</summary>
    public const int MaxEarlyResolutions = 20;

    public static readonly TransitionTable<RemediationState, RemediationCommandKind> Machine =
        new TransitionTable<RemediationState, RemediationCommandKind>("remediation")
            .Allow(RemediationState.Triggered, RemediationCommandKind.Act, RemediationState.Acting)
            .Allow(RemediationState.Triggered, RemediationCommandKind.RequestApproval, RemediationState.AwaitingApproval)
            .Allow(RemediationState.AwaitingApproval, RemediationCommandKind.Act, RemediationState.Acting)
            // Rejected or lapsed by the board, or every source resolved before it decided: nothing applied.
            .Allow(RemediationState.AwaitingApproval, RemediationCommandKind.Resolve, RemediationState.Resolved)
            .Allow(RemediationState.AwaitingApproval, RemediationCommandKind.Suppress, RemediationState.Resolved)
            // The storm limit closed it before it acted.
            .Allow(RemediationState.Triggered, RemediationCommandKind.Suppress, RemediationState.Resolved)
            .Allow(RemediationState.Acting, RemediationCommandKind.Monitor, RemediationState.Monitoring)
            // One-shot alerts never resolve: their incident closes once acted on.
            .Allow(RemediationState.Acting, RemediationCommandKind.Resolve, RemediationState.Resolved)
            .Allow(RemediationState.Monitoring, RemediationCommandKind.Resolve, RemediationState.Resolved)
            .Allow(RemediationState.Resolved, RemediationCommandKind.Suppress, RemediationState.Resolved)
            .Allow(RemediationState.Monitoring, RemediationCommandKind.Verify, RemediationState.Monitoring)
            .Allow(RemediationState.Resolved, RemediationCommandKind.Verify, RemediationState.Resolved);

    /// <summary>The incident's id: <c>{desk key}-{sequence}</c> (the desk's n-th incident).</summary>
    public required string Id { get; init; }

    /// <summary>16 hex digits naming the policy × target (<see cref="InstanceIds.Key"/> of <see cref="IncidentKey"/>).</summary>
    public required string DeskKey { get; init; }

    /// <summary>The policy × target in words, e.g. <c>lean-project/team=alpha</c>.</summary>
    public required string IncidentKey { get; init; }

    /// <summary>The desk's incident number, from 1; 0 while no incident was opened.</summary>
    public int Sequence { get; init; }

    /// <summary>The alert that opened the incident (or, while idle, the last alert seen).</summary>
    public required AlertNotification Alert { get; init; }

    public required RemediationKind Kind { get; init; }
    public string? Team { get; init; }
    public string? Agent { get; init; }

    /// <summary>How long to wait for every source to resolve before closing the incident anyway (and releasing load shedding).</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How long the policy rests on this target after the incident closes.</summary>
    public TimeSpan Cooldown { get; init; }

    /// <summary>Whether the plan needs the board first (<see cref="RemediationPolicy.ApprovalOf"/>).</summary>
    public ApprovalMode Approval { get; init; }

    /// <summary>The remediation-approval motion, once the plan was put to the board.</summary>
    public string? ApprovalMotionId { get; init; }

    /// <summary>The board's decision and its reason, once taken.</summary>
    public string? ApprovalDecision { get; init; }

    /// <summary>True when the incident only recorded what it would have done (<see cref="RemediationOptions.DryRun"/>).</summary>
    public bool DryRun { get; init; }

    /// <summary>How long after acting the fix must show (<see cref="RemediationOptions.VerifyWindow"/>; two sprint lengths for a Lean project).</summary>
    public TimeSpan VerifyWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>When the fix must have shown by; set when the incident acts.</summary>
    public DateTimeOffset? VerifyBy { get; init; }

    /// <summary><c>verified</c>, <c>not-effective</c>, or null while unknown.</summary>
    public string? Verification { get; init; }

    /// <summary>What the verification rests on, as a sentence.</summary>
    public string? Evidence { get; init; }

    /// <summary>True once a not-effective remediation escalated (a notice at a higher severity and, for a team, a motion).</summary>
    public bool Escalated { get; init; }

    /// <summary>The board's motion on a not-effective remediation of a team.</summary>
    public string? EscalationMotionId { get; init; }

    /// <summary>The board's decision on <see cref="EscalationMotionId"/>, once it came (its reason).</summary>
    public string? EscalationDecision { get; init; }

    /// <summary>
    /// The motions before the board that this incident still waits for: the approval of its plan while undecided, and
    /// its escalation while undecided. Closing the incident asks leave to withdraw them (<c>remediation.approval.withdrawn</c>).
    /// </summary>
    [JsonIgnore]
    public IEnumerable<string> UndecidedMotions =>
        new[]
        {
            State == RemediationState.AwaitingApproval && ApprovalDecision is null ? ApprovalMotionId : null,
            EscalationDecision is null ? EscalationMotionId : null,
        }.OfType<string>();

    /// <summary>True when the fix is proven by a sprint review rather than by the alert resolving.</summary>
    [JsonIgnore]
    public bool VerifiedByReview => Kind == RemediationKind.LeanProject && !DryRun;

    public RemediationState State { get; init; } = RemediationState.Triggered;

    /// <summary>The alerts that fired the incident, and whether each still fires.</summary>
    public IReadOnlyList<IncidentSource> Sources { get; init; } = [];

    /// <summary>Every delivery joined to the incident after the one that opened it.</summary>
    public int Joined { get; init; }

    /// <summary>Firing deliveries suppressed during the cooldown (or by the storm limit).</summary>
    public int Suppressed { get; init; }

    /// <summary>The audit trail, oldest first (see <see cref="MaxSteps"/>).</summary>
    public IReadOnlyList<IncidentStep> Steps { get; init; } = [];

    public int StepsDropped { get; init; }

    public IReadOnlyList<string> Actions { get; init; } = [];
    public string? LeanProjectId { get; init; }
    public string? Outcome { get; init; }

    /// <summary>When the incident was opened (its first firing alert arrived).</summary>
    public DateTimeOffset? OpenedAt { get; init; }

    /// <summary>When it acted.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>Until when new firings are suppressed; null while open, or when it closed without acting.</summary>
    public DateTimeOffset? CooldownUntil { get; init; }

    /// <summary>While idle: identities of resolutions that overtook their firing (so the late firing starts nothing).</summary>
    public IReadOnlyList<string> EarlyResolutions { get; init; } = [];

    /// <summary>True when the incident is open and every source has resolved.</summary>
    [JsonIgnore]
    public bool AllSourcesResolved => Sources.Count > 0 && Sources.All(s => !s.Firing);

    /// <summary>The incident, opened by <paramref name="signal"/>'s firing alert at <paramref name="at"/>.</summary>
    public AlertRemediation Open(RemediationSignal signal, DateTimeOffset at)
    {
        var alert = signal.Alert ?? throw new InvalidInputException("alert", "An incident is opened by a firing alert.");
        var sequence = Sequence + 1;
        return this with
        {
            Id = $"{DeskKey}-{sequence}",
            Sequence = sequence,
            Alert = alert,
            State = RemediationState.Triggered,
            Sources = [new IncidentSource(alert.SourceIdentity, alert.Name, true, 1, at)],
            Joined = 0,
            Suppressed = 0,
            Steps = [new IncidentStep(at, "opened", $"{alert.Name} fired ({alert.Source}, severity {alert.Severity}) for {IncidentKey}", TraceOf(signal), signal.EventId)],
            StepsDropped = 0,
            Actions = [],
            LeanProjectId = null,
            Outcome = null,
            OpenedAt = at,
            StartedAt = null,
            ResolvedAt = null,
            CooldownUntil = null,
            EarlyResolutions = [],
            ApprovalMotionId = null,
            ApprovalDecision = null,
            VerifyBy = null,
            Verification = null,
            Evidence = null,
            Escalated = false,
            EscalationMotionId = null,
            EscalationDecision = null,
        };
    }

    /// <summary>
    /// <paramref name="signal"/> joins the open incident: its source is marked firing or resolved and the delivery
    /// recorded; nothing is started. A resolution from a source that never fired the incident is recorded only.
    /// </summary>
    public AlertRemediation Join(RemediationSignal signal, DateTimeOffset at)
    {
        if (signal.Alert is not { } alert)
        {
            return signal.Decision is { } decision && decision.MotionId == EscalationMotionId
                ? Record(new IncidentStep(at, "board-decision", $"motion {decision.MotionId} on the escalation: {decision.Reason}", TraceOf(signal), signal.EventId)) with
                {
                    EscalationDecision = decision.Reason,
                }
                : Record(new IncidentStep(at, "ignored", $"a board decision or evidence that this incident no longer waits for", TraceOf(signal), signal.EventId));
        }

        var firing = alert.Status == AlertStatus.Firing;
        var known = Sources.FirstOrDefault(s => s.Identity == alert.SourceIdentity);
        if (known is null && !firing)
        {
            return Record(new IncidentStep(at, "ignored", $"{alert.Name} resolved ({alert.Source}), a source that did not fire this incident", TraceOf(signal), signal.EventId)) with { Joined = Joined + 1 };
        }

        var source = known is null
            ? new IncidentSource(alert.SourceIdentity, alert.Name, true, 1, at)
            : known with { Firing = firing, Deliveries = known.Deliveries + 1, LastAt = at };
        var sources = known is null ? [.. Sources, source] : Sources.Select(s => s.Identity == source.Identity ? source : s).ToList();
        var detail = firing
            ? known is null
                ? $"{alert.Name} fired from another source ({alert.Source}): joined, nothing new started"
                : $"{alert.Name} fired again ({alert.Source}, episode from {alert.StartsAt:O}): joined, nothing new started"
            : $"{alert.Name} resolved ({alert.Source}); {sources.Count(s => s.Firing)} of {sources.Count} sources still firing";
        return Record(new IncidentStep(at, firing ? "joined" : "source-resolved", detail, TraceOf(signal), signal.EventId)) with
        {
            Sources = sources,
            Joined = Joined + 1,
        };
    }

    /// <summary>While idle, a resolution that overtook its firing is remembered, so the late firing starts nothing.</summary>
    public AlertRemediation RememberEarlyResolution(AlertNotification alert) => this with
    {
        EarlyResolutions = [alert.Identity, .. EarlyResolutions.Where(i => i != alert.Identity).Take(MaxEarlyResolutions - 1)],
    };

    /// <summary>The incident after acting at <paramref name="at"/>: <paramref name="actions"/> recorded.</summary>
    public AlertRemediation Acted(IReadOnlyList<string> actions, DateTimeOffset at, string? traceId) =>
        Record(new IncidentStep(at, "acted", string.Join("; ", actions), traceId)) with
        {
            State = Machine.Fire(State, RemediationCommandKind.Act),
            Actions = [.. Actions, .. actions],
            StartedAt = at,
            VerifyBy = at + VerifyWindow,
        };

    /// <summary>The verification's outcome, with what it rests on.</summary>
    public AlertRemediation Verified(bool effective, string evidence, DateTimeOffset at, string? traceId, string? eventId = null) =>
        Record(new IncidentStep(at, effective ? "verified" : "not-effective", evidence, traceId, eventId)) with
        {
            State = Machine.Fire(State, RemediationCommandKind.Verify),
            Verification = effective ? "verified" : "not-effective",
            Evidence = evidence,
        };

    public AlertRemediation Monitoring() => this with { State = Machine.Fire(State, RemediationCommandKind.Monitor) };

    /// <summary>The plan put to the board as motion <paramref name="motionId"/>.</summary>
    public AlertRemediation AwaitApproval(string motionId, string plan, DateTimeOffset at, string? traceId) =>
        Record(new IncidentStep(at, "approval-requested", $"motion {motionId}: {plan}", traceId)) with
        {
            State = Machine.Fire(State, RemediationCommandKind.RequestApproval),
            ApprovalMotionId = motionId,
        };

    /// <summary>The board's decision recorded (the step that follows acts on it).</summary>
    public AlertRemediation Decided(ApprovalDecision decision, DateTimeOffset at, string? traceId, string? eventId) =>
        Record(new IncidentStep(at, decision.Passed ? "approved" : "rejected", $"motion {decision.MotionId}: {decision.Reason}", traceId, eventId)) with
        {
            ApprovalDecision = $"{(decision.Passed ? "approved" : "rejected")}: {decision.Reason}",
        };

    /// <summary>
    /// Closed with <paramref name="outcome"/>; the step records it and what closing did (<paramref name="actions"/>: a
    /// circuit released, a motion withdrawn, the notice). The cooldown starts when it acted (an incident that did
    /// nothing leaves none).
    /// </summary>
    public AlertRemediation Resolved(string step, string outcome, IReadOnlyList<string> actions, DateTimeOffset at, string? traceId) =>
        Record(new IncidentStep(at, step, string.Join("; ", [outcome, .. actions]), traceId)) with
        {
            State = Machine.Fire(State, RemediationCommandKind.Resolve),
            Outcome = outcome,
            Actions = [.. Actions, .. actions],
            ResolvedAt = at,
            CooldownUntil = StartedAt is null ? null : at + Cooldown,
        };

    /// <summary>A firing that met the cooldown or the storm limit: recorded with <paramref name="reason"/>, nothing done.</summary>
    public AlertRemediation Suppress(RemediationSignal? signal, string reason, IReadOnlyList<string> actions, DateTimeOffset at, string? traceId)
    {
        var next = Record(new IncidentStep(at, "suppressed", reason, signal is null ? traceId : TraceOf(signal) ?? traceId, signal?.EventId)) with
        {
            State = Machine.Fire(State, RemediationCommandKind.Suppress),
            Suppressed = Suppressed + 1,
            Actions = [.. Actions, .. actions],
        };
        return next.Outcome is null ? next with { Outcome = reason, ResolvedAt = at } : next;
    }

    /// <summary>Appends <paramref name="step"/> to the audit trail, keeping the first step and the latest ones.</summary>
    public AlertRemediation Record(IncidentStep step)
    {
        if (Steps.Count < MaxSteps)
        {
            return this with { Steps = [.. Steps, step] };
        }

        return this with { Steps = [Steps[0], .. Steps.Skip(2), step], StepsDropped = StepsDropped + 1 };
    }

    /// <summary>The W3C trace id of a signal's trace context, when it has one.</summary>
    public static string? TraceOf(RemediationSignal signal) =>
        System.Diagnostics.ActivityContext.TryParse(signal.TraceParent, null, out var context) ? context.TraceId.ToString() : null;
}

/// <summary>
/// What reaches an incident's orchestration: an alert delivery (firing or resolved, as <see cref="Alert"/> says), or
/// the board's <see cref="Decision"/> on its remediation-approval motion.
/// </summary>
/// <param name="EventId">The <c>alert.fired</c>/<c>alert.resolved</c> or <c>roberts.motion.passed|failed</c> event it came from.</param>
/// <param name="Alert">The alert as delivered; null for a board decision.</param>
public sealed record RemediationSignal(string EventId, AlertNotification? Alert) : IAgentCommand
{
    public string? TraceParent { get; init; }

    /// <summary>The board's decision on the incident's approval motion; null for an alert delivery.</summary>
    public ApprovalDecision? Decision { get; init; }

    /// <summary>A fact that verifies a remediation (a team's sprint review); null otherwise.</summary>
    public VerificationEvidence? Evidence { get; init; }
}

/// <summary>A team's sprint review as evidence for its Lean-project incident: effective when the defect rate is at or under the threshold.</summary>
/// <param name="Team">The team.</param>
/// <param name="Sprint">The sprint reviewed.</param>
/// <param name="DefectRate">Failed ÷ completed in that sprint (docs/agents.md).</param>
/// <param name="Threshold">The threshold it is judged against.</param>
/// <param name="ReviewedAt">When the review was published; only a review after the remediation acted counts.</param>
/// <param name="SprintStartedAt">
/// When the reviewed sprint started; only a sprint that started after the remediation acted counts — one that started
/// before holds the very work that fired the alert (a review published after acting, as after a restart that delivered
/// the alert before the review, would otherwise judge the fix by the failure it answers). Null: not known (not checked).
/// </param>
public sealed record VerificationEvidence(string Team, int Sprint, double DefectRate, double Threshold, DateTimeOffset ReviewedAt, DateTimeOffset? SprintStartedAt = null)
{
    /// <summary>Whether this review can verify a remediation that acted at <paramref name="acted"/>: published after it, of a sprint that started after it.</summary>
    public bool After(DateTimeOffset acted) => ReviewedAt > acted && (SprintStartedAt is not { } started || started > acted);

    public bool Effective => DefectRate <= Threshold;

    public override string ToString() =>
        $"sprint {Sprint} review of team {Team}: defect rate {DefectRate:P1} {(Effective ? "at or under" : "above")} the threshold {Threshold:P0}";
}

/// <summary>The board's decision on a remediation-approval motion.</summary>
/// <param name="MotionId">The motion.</param>
/// <param name="Passed">Adopted (by general consent or a vote) or not (rejected, or no quorum).</param>
/// <param name="Reason">Roberts' reason, e.g. "adopted by general consent: no objection within the window".</param>
public sealed record ApprovalDecision(string MotionId, bool Passed, string Reason);

/// <summary>
/// The remediation agent asks the board to approve a plan (payload of <c>remediation.approval.requested</c>); the router
/// opens the motion with Roberts.
/// </summary>
/// <param name="IncidentId">The incident waiting for the decision.</param>
/// <param name="MotionId">The motion to open (<see cref="InstanceIds.RemediationApprovalMotionId"/>).</param>
/// <param name="Team">Whose board decides: the incident's team, or <see cref="SwarmBoard"/> for a swarm-wide action.</param>
/// <param name="Title">The motion's title.</param>
/// <param name="Plan">What, on what, why and which alert.</param>
/// <param name="RequiresVote">True for the <see cref="ApprovalMode.Vote"/> mode: no general consent, straight to the vote.</param>
public sealed record RemediationApprovalRequest(string IncidentId, string MotionId, string Team, string Title, string Plan, bool RequiresVote = false)
{
    /// <summary>The board that decides swarm-wide actions (every team, every agent): team <c>swarm</c>'s.</summary>
    public const string SwarmBoard = "swarm";
}

/// <summary>
/// The remediation agent withdraws a motion it moved that the board has not decided, because the incident closed
/// first (payload of <c>remediation.approval.withdrawn</c>); the router asks Roberts to withdraw it
/// (<see cref="Roberts.MotionCommand.Withdraw"/>, RONR 12th ed. 33:11–19).
/// </summary>
/// <param name="IncidentId">The incident that closed.</param>
/// <param name="MotionId">The undecided motion: the plan's approval or the escalation.</param>
/// <param name="Reason">Why it is moot, e.g. "incident … closed: every source resolved before the board decided".</param>
public sealed record RemediationApprovalWithdrawal(string IncidentId, string MotionId, string Reason);
