namespace Swarm.Domain.Remediation;

/// <summary>
/// The policy table: which remediation an alert gets. The same rules exist as Prometheus rules
/// (<c>local/prometheus/rules.yml</c>) and Azure Monitor alert rules (Bicep).
/// </summary>
public static class RemediationPolicy
{
    public const string HighDefectRate = "HighDefectRate";
    public const string AgentStateStuck = "AgentStateStuck";
    public const string AgentHighErrorRate = "AgentHighErrorRate";
    public const string SlowTransitions = "SlowTransitions";
    public const string WorkItemsStuck = "WorkItemsStuck";

    /// <summary>Load shedding without a <c>team</c> label applies to every team.</summary>
    public const string AllTeams = "*";

    /// <summary>The remediation kind an alert gets: the policy table of docs/agents.md.</summary>
    public static RemediationKind KindOf(AlertNotification alert) => alert.Name switch
    {
        HighDefectRate when Normalise(alert.Label("team")) is not null => RemediationKind.LeanProject,
        AgentStateStuck => RemediationKind.RecoverStuckAgent,
        AgentHighErrorRate or SlowTransitions => RemediationKind.ShedLoad,
        _ => RemediationKind.NotifyOnly,
    };

    /// <summary>
    /// The incident key of <paramref name="alert"/>: policy × target. A Lean project per team
    /// (<c>lean-project/team=alpha</c>), recovery per agent (<c>recover-stuck-agent/agent=scrum-agent</c>, <c>*</c> for
    /// all), load shedding per team (<c>shed-load/team=alpha</c>, <c>*</c> for every team) whichever of its alerts
    /// fired; a notification per alert name and team, or per alert (source and id) when it names no team.
    /// </summary>
    public static string IncidentKeyOf(AlertNotification alert)
    {
        var team = Normalise(alert.Label("team"));
        return KindOf(alert) switch
        {
            RemediationKind.LeanProject => LeanIncidentKey(team!),
            RemediationKind.RecoverStuckAgent => $"recover-stuck-agent/agent={AgentOf(alert) ?? AllTeams}",
            RemediationKind.ShedLoad => $"shed-load/team={team ?? AllTeams}",
            _ => team is null ? $"notify-only/{alert.Name}/{alert.SourceIdentity}" : $"notify-only/{alert.Name}/team={team}",
        };
    }

    /// <summary>The incident key of a Lean project for <paramref name="team"/> (where its sprint reviews are sent as evidence).</summary>
    public static string LeanIncidentKey(string team) => $"lean-project/team={team}";

    /// <summary>
    /// The incident desk for <paramref name="alert"/>'s policy × target, idle (no incident yet): what the router starts
    /// the remediation orchestration with. Its cooldown follows the policy (<see cref="CooldownOf"/>).
    /// </summary>
    public static AlertRemediation Desk(AlertNotification alert, RemediationOptions options, ScrumOptions scrum)
    {
        var kind = KindOf(alert);
        var team = Normalise(alert.Label("team"));
        var incidentKey = IncidentKeyOf(alert);
        var deskKey = InstanceIds.Key(incidentKey);
        return new AlertRemediation
        {
            Id = $"{deskKey}-0",
            DeskKey = deskKey,
            IncidentKey = incidentKey,
            Alert = alert,
            Kind = kind,
            Team = kind == RemediationKind.ShedLoad ? team ?? AllTeams : team,
            Agent = AgentOf(alert),
            MaxDuration = options.MaxDuration,
            Cooldown = CooldownOf(kind, options, scrum),
            Approval = ApprovalOf(kind, kind == RemediationKind.ShedLoad ? team ?? AllTeams : team, options),
            VerifyWindow = kind == RemediationKind.LeanProject ? scrum.SprintLength * 2 : options.VerifyWindow,
            DryRun = options.DryRun,
            State = RemediationState.Idle,
        };
    }

    /// <summary>
    /// Whether a plan needs the board first: recovering a stuck agent and shedding every team's load <c>consent</c>,
    /// shedding one team's load and a Lean project <c>auto</c> (each configurable), a notification always <c>auto</c>.
    /// </summary>
    public static ApprovalMode ApprovalOf(RemediationKind kind, string? team, RemediationOptions options) => kind switch
    {
        RemediationKind.RecoverStuckAgent => options.RecoverApproval,
        RemediationKind.ShedLoad when team == AllTeams => options.ShedAllTeamsApproval,
        RemediationKind.ShedLoad => options.ShedLoadApproval,
        RemediationKind.LeanProject => options.LeanProjectApproval,
        _ => ApprovalMode.Auto,
    };

    /// <summary>
    /// How long a policy rests on a target after its incident closed: a Lean project per team once per sprint length
    /// (unless <see cref="RemediationOptions.LeanProjectCooldown"/>), recovery 15 min, load shedding 5 min, notifications 10 min.
    /// </summary>
    public static TimeSpan CooldownOf(RemediationKind kind, RemediationOptions options, ScrumOptions scrum) => kind switch
    {
        RemediationKind.LeanProject => options.LeanProjectCooldown ?? scrum.SprintLength,
        RemediationKind.RecoverStuckAgent => options.RecoverCooldown,
        RemediationKind.ShedLoad => options.ShedLoadCooldown,
        _ => options.NotifyCooldown,
    };

    private static string? AgentOf(AlertNotification alert) => alert.Label("agent") ?? alert.Label("swarm_agent_name");

    private static string? Normalise(string? team) =>
        string.IsNullOrWhiteSpace(team) ? null : team.Trim().ToLowerInvariant();
}
