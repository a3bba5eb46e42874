namespace Swarm.Domain;

/// <summary>Settings under the <c>Swarm</c> configuration section; defaults are production cadences.</summary>
public sealed class SwarmOptions
{
    public const string Section = "Swarm";

    public GovernanceOptions Governance { get; set; } = new();
    public ScrumOptions Scrum { get; set; } = new();
    public RemediationOptions Remediation { get; set; } = new();
    public Dictionary<string, TeamOptions> Teams { get; set; } = new(StringComparer.OrdinalIgnoreCase);

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
}
