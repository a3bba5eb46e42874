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

    /// <summary>
    /// The rules <c>swarm up --demo-timers</c> loads, derived from the one rules.yml: every window 20 s and every
    /// <c>for</c> 1 s, except where a rule names its own demo wait (WorkItemsStuck: 15 s, so a demo whose first
    /// completion follows its first claim by seconds is no stuck team, while a team that completes nothing is).
    /// </summary>
    [Fact]
    public async Task The_demo_timer_rules_pass_promtool_and_flag_a_stuck_team_but_not_a_demo()
    {
        var demo = Swarm.Local.Servers.AlertingServers.WithDemoTimers(Swarm.Local.Servers.AlertingServers.Repository("prometheus/rules.yml"));
        var folder = Directory.CreateTempSubdirectory("swarm-demo-rules-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "rules.yml"), demo);
            await File.WriteAllTextAsync(Path.Combine(folder, "rules.test.yml"), """
                rule_files:
                  - rules.yml
                evaluation_interval: 1s
                tests:
                  - interval: 1s
                    input_series:
                      # Both teams claim at 1 s; beta completes an item at 7 s, as a demo does; alpha completes nothing.
                      - series: 'swarm_work_items_total{status="claimed",team="alpha"}'
                        values: '0 1x40'
                      - series: 'swarm_work_items_total{status="claimed",team="beta"}'
                        values: '0 1x40'
                      - series: 'swarm_work_items_total{status="completed",completion_status="success",team="beta"}'
                        values: '0x6 1x34'
                    alert_rule_test:
                      - eval_time: 10s
                        alertname: WorkItemsStuck
                        exp_alerts: []
                      - eval_time: 18s
                        alertname: WorkItemsStuck
                        exp_alerts:
                          - exp_labels:
                              severity: warning
                              team: alpha
                            exp_annotations:
                              summary: "Team alpha claims work but completed none in the last 20s"
                """);

            var (checkExit, checkOutput) = await Repository.RunAsync("promtool", "check rules rules.yml", folder);
            var (testExit, testOutput) = await Repository.RunAsync("promtool", "test rules rules.test.yml", folder);

            Assert.True(checkExit == 0, checkOutput);
            Assert.Contains("SUCCESS: 5 rules found", checkOutput);
            Assert.True(testExit == 0, testOutput);
            Assert.DoesNotMatch(@"\[(?!20s\])\d+[smhd]\]", demo);
            Assert.Equal(4, System.Text.RegularExpressions.Regex.Count(demo, @"for: 1s\s*$", System.Text.RegularExpressions.RegexOptions.Multiline));
            Assert.Contains("for: 15s", demo, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"the last (?!20s\b)\d+[smhd]\b", demo);
            Assert.DoesNotContain("demo-timers:", demo, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
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
