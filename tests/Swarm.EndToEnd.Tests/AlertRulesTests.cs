namespace Swarm.EndToEnd.Tests;

/// <summary>The rules as code pass the tools' own checks, and behave as intended on synthetic series.</summary>
public sealed class AlertRulesTests
{
    [Fact]
    public async Task Prometheus_rules_pass_promtool_check()
    {
        var (exit, output) = await Repository.RunAsync("promtool", "check rules local/prometheus/rules.yml");

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS: 5 rules found", output);
    }

    [Fact]
    public async Task Prometheus_config_passes_promtool_check()
    {
        var (exit, output) = await Repository.RunAsync("promtool", "check config local/prometheus/prometheus.yml");

        Assert.True(exit == 0, output);
        Assert.Contains("is valid prometheus config file syntax", output);
    }

    [Fact]
    public async Task Alertmanager_config_passes_amtool_check()
    {
        var (exit, output) = await Repository.RunAsync("amtool", "check-config local/alertmanager/alertmanager.yml");

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS", output);
    }

    [Fact]
    public async Task Alert_rules_fire_on_the_series_they_are_meant_for_and_not_otherwise()
    {
        var (exit, output) = await Repository.RunAsync("promtool", "test rules rules.test.yml", Repository.PathOf("local", "prometheus"));

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS", output);
    }

    [Fact]
    public void Every_alert_rule_names_a_row_of_the_remediation_policy()
    {
        var rules = File.ReadAllLines(Repository.PathOf("local", "prometheus", "rules.yml"))
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("- alert: ", StringComparison.Ordinal))
            .Select(l => l["- alert: ".Length..])
            .ToHashSet();
        string[] policy =
        [
            Swarm.Domain.Remediation.RemediationPolicy.HighDefectRate, Swarm.Domain.Remediation.RemediationPolicy.AgentStateStuck,
            Swarm.Domain.Remediation.RemediationPolicy.AgentHighErrorRate, Swarm.Domain.Remediation.RemediationPolicy.SlowTransitions,
            Swarm.Domain.Remediation.RemediationPolicy.WorkItemsStuck,
        ];

        Assert.Equal(policy.ToHashSet(), rules);
    }
}
