namespace Swarm.Domain;

/// <summary>Settings under the <c>Swarm</c> configuration section; defaults are production cadences.</summary>
public sealed class SwarmOptions
{
    public const string Section = "Swarm";

    public GovernanceOptions Governance { get; set; } = new();
    public ScrumOptions Scrum { get; set; } = new();
    public RemediationOptions Remediation { get; set; } = new();
    public Dictionary<string, TeamOptions> Teams { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// <c>Swarm:RequestTimeout</c>: the longest an HTTP API request waits on the Durable backend before it is answered
    /// 503 <c>backend-unavailable</c> with <c>Retry-After</c>, rather than hanging: 30 s (well inside the 230 s an
    /// Azure Functions HTTP trigger may take behind the Azure load balancer). Zero or less: no deadline.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = DefaultRequestTimeout;

    /// <summary>The default of <see cref="RequestTimeout"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    public TeamOptions Team(string team) => Teams.TryGetValue(team, out var options) ? options : new TeamOptions();

    /// <summary>Demo cadence: every window in seconds, and team alpha on sprint 42 as in the seed scenario.</summary>
    public static SwarmOptions Demo() => new()
    {
        Governance = new GovernanceOptions
        {
            SecondingDeadline = TimeSpan.FromSeconds(10),
            ObjectionWindow = TimeSpan.FromSeconds(2),
            VotingDeadline = TimeSpan.FromSeconds(10),
        },
        Scrum = new ScrumOptions
        {
            PlanningWindow = TimeSpan.FromSeconds(4),
            SprintLength = TimeSpan.FromSeconds(60),
        },
        Teams = new(StringComparer.OrdinalIgnoreCase) { ["alpha"] = new TeamOptions { FirstSprint = 42 } },
        Remediation = new RemediationOptions { ApprovalWindow = TimeSpan.FromSeconds(10), ApprovalVotingDeadline = TimeSpan.FromSeconds(30) },
    };
}

public sealed class GovernanceOptions
{
    public TimeSpan SecondingDeadline { get; set; } = TimeSpan.FromDays(1);
    public TimeSpan ObjectionWindow { get; set; } = TimeSpan.FromDays(1);
    public TimeSpan VotingDeadline { get; set; } = TimeSpan.FromDays(3);
}

public sealed class ScrumOptions
{
    public TimeSpan PlanningWindow { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan SprintLength { get; set; } = TimeSpan.FromDays(14);
    /// <summary>The defect-rate threshold as a fraction (3 %), never a percentage: the seed's rule (docs/agents.md).</summary>
    public const double DefaultDefectRateThreshold = 0.03;

    public double DefectRateThreshold { get; set; } = DefaultDefectRateThreshold;
}

public sealed class TeamOptions
{
    public static readonly IReadOnlyList<string> DefaultBoard = ["chair", "secretary", "treasurer", "member-a", "member-b"];

    /// <summary>Board members who second, object and vote; null means <see cref="DefaultBoard"/>.</summary>
    public string[]? Board { get; set; }

    public int Capacity { get; set; } = 40;
    public int FirstSprint { get; set; } = 1;

    public IReadOnlyList<string> Members =>
        Board is { Length: > 0 } ? [.. Board.Select(m => m.Trim().ToLowerInvariant())] : DefaultBoard;
}

public sealed class RemediationOptions
{
    /// <summary>An agent instance with no progress for this long counts as stuck (an alert's <c>stuck_after_seconds</c> label overrides it).</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A remediation whose alert never resolves is closed after this long, releasing any load shedding.</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The <c>Retry-After</c> given to work refused while a team sheds load.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Incoming-webhook URL for notices (Teams/Slack style); unset means notices are logged.</summary>
    public string? NotificationWebhook { get; set; }

    /// <summary>
    /// After a Lean-project incident closes, the same team gets no new one for this long; unset (the default) means one
    /// sprint length (<see cref="ScrumOptions.SprintLength"/>): a DMAIC project needs a sprint to show an effect.
    /// </summary>
    public TimeSpan? LeanProjectCooldown { get; set; }

    /// <summary>After a stuck-agent incident closes, the same agent is not recovered again for this long: 15 min.</summary>
    public TimeSpan RecoverCooldown { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>After a load-shedding incident closes, the same team does not shed load again for this long: 5 min (flapping error rates).</summary>
    public TimeSpan ShedLoadCooldown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After a notify-only incident closes, the same alert on the same target is not announced again for this long: 10 min.</summary>
    public TimeSpan NotifyCooldown { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Storm protection: at most this many incidents start acting per minute across the swarm (counted per host
    /// process); further ones are closed as suppressed, recorded and notified: 20.
    /// </summary>
    public int MaxStartsPerMinute { get; set; } = 20;

    /// <summary>
    /// Evaluate and record every decision without acting: each incident records the actions it would have taken
    /// ("dry run: would …"), notifies them, and applies nothing (no Lean project, no recovery, no load shedding).
    /// </summary>
    public bool DryRun { get; set; }

    /// <summary>Approval of recovering a stuck agent (restarting failed instances, nudging running ones): <c>consent</c>.</summary>
    public ApprovalMode RecoverApproval { get; set; } = ApprovalMode.Consent;

    /// <summary>Approval of shedding the load of every team (an alert without a team): <c>consent</c>.</summary>
    public ApprovalMode ShedAllTeamsApproval { get; set; } = ApprovalMode.Consent;

    /// <summary>Approval of shedding one team's load: <c>auto</c>.</summary>
    public ApprovalMode ShedLoadApproval { get; set; } = ApprovalMode.Auto;

    /// <summary>Approval of starting a Lean project: <c>auto</c> (its proposal goes to a vote anyway).</summary>
    public ApprovalMode LeanProjectApproval { get; set; } = ApprovalMode.Auto;

    /// <summary>
    /// The objection window of a remediation-approval motion, its hold period: 5 min. Apart from
    /// <see cref="GovernanceOptions.ObjectionWindow"/> (a day), because an urgent action must not wait for the board's day.
    /// </summary>
    public TimeSpan ApprovalWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the board may vote on an objected remediation before the vote closes: 30 min.</summary>
    public TimeSpan ApprovalVotingDeadline { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// After acting, every source of the alert must resolve within this window for the remediation to count as
    /// verified; otherwise it is <c>not-effective</c> and escalates: 1 h. A Lean project is verified by the team's next
    /// sprint review instead (at or under the defect-rate threshold), awaited for two sprint lengths.
    /// </summary>
    public TimeSpan VerifyWindow { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Whether a remediation may act on its own or needs the board (Roberts) first.</summary>
[JsonConverter(typeof(KebabEnumConverter<ApprovalMode>))]
public enum ApprovalMode
{
    /// <summary>Act at once.</summary>
    Auto,

    /// <summary>
    /// Open a <c>remediation-approval</c> committee motion announcing the plan; act only if it is adopted — by general
    /// consent when nobody objects within <see cref="RemediationOptions.ApprovalWindow"/>, else by the vote an objection calls.
    /// </summary>
    Consent,

    /// <summary>The same motion put straight to a vote (majority, quorum); act only if it passes.</summary>
    Vote,
}
