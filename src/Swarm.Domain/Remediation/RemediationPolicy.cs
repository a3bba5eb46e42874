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

    public static AlertRemediation Plan(AlertNotification alert, TimeSpan maxDuration)
    {
        var team = Normalise(alert.Label("team"));
        var agent = alert.Label("agent") ?? alert.Label("swarm_agent_name");
        var kind = alert.Name switch
        {
            HighDefectRate when team is not null => RemediationKind.LeanProject,
            AgentStateStuck => RemediationKind.RecoverStuckAgent,
            AgentHighErrorRate or SlowTransitions => RemediationKind.ShedLoad,
            _ => RemediationKind.NotifyOnly,
        };
        return new AlertRemediation
        {
            Id = InstanceIds.RemediationKey(alert.Identity),
            Alert = alert,
            Kind = kind,
            Team = kind == RemediationKind.ShedLoad ? team ?? AllTeams : team,
            Agent = agent,
            MaxDuration = maxDuration,
        };
    }

    private static string? Normalise(string? team) =>
        string.IsNullOrWhiteSpace(team) ? null : team.Trim().ToLowerInvariant();
}
