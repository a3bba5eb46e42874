using System.Text.Json;
using System.Text.Json.Nodes;
using Swarm.Domain;
using Swarm.Domain.Remediation;

namespace Swarm.Domain.Tests;

public sealed class AlertPayloadTests
{
    private static JsonElement Sample(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name))).RootElement.Clone();

    private static JsonElement Mutate(string name, Action<JsonNode> change)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name)))!;
        change(node);
        return JsonDocument.Parse(node.ToJsonString()).RootElement.Clone();
    }

    [Fact]
    public void A_fired_azure_monitor_metric_alert_normalises_with_its_dimensions()
    {
        var alert = Assert.Single(AlertPayloads.Parse(Sample("azure-monitor-metric-fired.json")));

        Assert.Equal(AlertPayloads.AzureMonitorSource, alert.Source);
        Assert.Equal("HighDefectRate", alert.Name);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal("Sev2", alert.Severity);
        Assert.Equal("alpha", alert.Label("team"));
        Assert.Equal("swarm-remediation", alert.Label("runbook"));
        Assert.EndsWith("b9569717-bc32-442f-add5-83a997729330", alert.Id);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 15, 0, TimeSpan.Zero), alert.StartsAt);
        Assert.Null(alert.EndsAt);
        Assert.Contains("3 %", alert.Summary);
    }

    [Fact]
    public void The_resolved_delivery_of_an_azure_alert_has_the_identity_of_its_firing()
    {
        var fired = Assert.Single(AlertPayloads.Parse(Sample("azure-monitor-metric-fired.json")));
        var resolved = Assert.Single(AlertPayloads.Parse(Sample("azure-monitor-metric-resolved.json")));

        Assert.Equal(AlertStatus.Resolved, resolved.Status);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 11, 0, 0, TimeSpan.Zero), resolved.EndsAt);
        Assert.Equal(fired.Identity, resolved.Identity);
        Assert.Equal(RemediationPolicy.Plan(fired, TimeSpan.FromHours(1)).Id, RemediationPolicy.Plan(resolved, TimeSpan.FromHours(1)).Id);
    }

    [Fact]
    public void A_log_alert_is_read_with_its_dimensions()
    {
        var alert = Assert.Single(AlertPayloads.Parse(Sample("azure-monitor-log-fired.json")));

        Assert.Equal("AgentStateStuck", alert.Name);
        Assert.Equal("roberts-agent", alert.Label("agent"));
        Assert.Equal(RemediationKind.RecoverStuckAgent, RemediationPolicy.Plan(alert, TimeSpan.FromHours(1)).Kind);
    }

    [Fact]
    public void An_alertmanager_group_yields_one_notification_per_alert()
    {
        var alerts = AlertPayloads.Parse(Sample("alertmanager-group.json"));

        Assert.Equal(2, alerts.Count);
        Assert.Equal((AlertStatus.Firing, "beta", "a1b2c3d4e5f60718"), (alerts[0].Status, alerts[0].Label("team"), alerts[0].Id));
        Assert.Null(alerts[0].EndsAt);
        Assert.Equal("Agent commands failing for team beta", alerts[0].Summary);
        Assert.Equal(AlertStatus.Resolved, alerts[1].Status);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 45, 0, TimeSpan.Zero), alerts[1].EndsAt);
        Assert.Equal("Agent commands recovered for team gamma", alerts[1].Summary);
        Assert.All(alerts, a => Assert.Equal("critical", a.Severity));
    }

    [Theory]
    [InlineData("azure-monitor-metric-fired.json", "schemaId", "schemaId")]
    [InlineData("azure-monitor-metric-fired.json", "data", "data")]
    [InlineData("azure-monitor-metric-fired.json", "data.essentials", "data.essentials")]
    [InlineData("azure-monitor-metric-fired.json", "data.essentials.alertId", "data.essentials.alertId")]
    [InlineData("azure-monitor-metric-fired.json", "data.essentials.alertRule", "data.essentials.alertRule")]
    [InlineData("azure-monitor-metric-fired.json", "data.essentials.monitorCondition", "data.essentials.monitorCondition")]
    [InlineData("azure-monitor-metric-fired.json", "data.essentials.firedDateTime", "data.essentials.firedDateTime")]
    [InlineData("alertmanager-group.json", "version", "version")]
    [InlineData("alertmanager-group.json", "alerts", "alerts")]
    [InlineData("alertmanager-group.json", "alerts[0].status", "alerts[0].status")]
    [InlineData("alertmanager-group.json", "alerts[0].labels", "alerts[0].labels")]
    [InlineData("alertmanager-group.json", "alerts[0].labels.alertname", "alerts[0].labels.alertname")]
    [InlineData("alertmanager-group.json", "alerts[1].fingerprint", "alerts[1].fingerprint")]
    [InlineData("alertmanager-group.json", "alerts[0].startsAt", "alerts[0].startsAt")]
    public void A_missing_field_is_named(string sample, string path, string field)
    {
        var body = Mutate(sample, root => Remove(root, path));

        var error = Assert.Throws<InvalidInputException>(() => AlertPayloads.Parse(body));
        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("azure-monitor-metric-fired.json", "schemaId", "\"someOtherSchema\"", "schemaId")]
    [InlineData("azure-monitor-metric-fired.json", "data.essentials.monitorCondition", "\"Acknowledged\"", "data.essentials.monitorCondition")]
    [InlineData("azure-monitor-metric-fired.json", "data.essentials.firedDateTime", "\"yesterday\"", "data.essentials.firedDateTime")]
    [InlineData("azure-monitor-metric-fired.json", "data.essentials.alertRule", "42", "data.essentials.alertRule")]
    [InlineData("alertmanager-group.json", "version", "\"3\"", "version")]
    [InlineData("alertmanager-group.json", "alerts", "[]", "alerts")]
    [InlineData("alertmanager-group.json", "alerts", "{}", "alerts")]
    [InlineData("alertmanager-group.json", "alerts[0].status", "\"pending\"", "alerts[0].status")]
    [InlineData("alertmanager-group.json", "alerts[1].labels.team", "7", "alerts[1].labels.team")]
    [InlineData("alertmanager-group.json", "alerts[0].endsAt", "\"never\"", "alerts[0].endsAt")]
    public void A_malformed_field_is_named(string sample, string path, string json, string field)
    {
        var body = Mutate(sample, root => Replace(root, path, JsonNode.Parse(json)));

        var error = Assert.Throws<InvalidInputException>(() => AlertPayloads.Parse(body));
        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("[]", "$")]
    [InlineData("{\"hello\":\"world\"}", "$")]
    public void An_unknown_payload_is_rejected(string json, string field)
    {
        var error = Assert.Throws<InvalidInputException>(() => AlertPayloads.Parse(JsonDocument.Parse(json).RootElement));
        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("HighDefectRate", "alpha", null, RemediationKind.LeanProject, "alpha")]
    [InlineData("HighDefectRate", null, null, RemediationKind.NotifyOnly, null)]
    [InlineData("AgentStateStuck", null, "scrum-agent", RemediationKind.RecoverStuckAgent, null)]
    [InlineData("AgentHighErrorRate", "Beta", null, RemediationKind.ShedLoad, "beta")]
    [InlineData("SlowTransitions", null, null, RemediationKind.ShedLoad, RemediationPolicy.AllTeams)]
    [InlineData("WorkItemsStuck", "alpha", null, RemediationKind.NotifyOnly, "alpha")]
    [InlineData("SomethingElse", null, null, RemediationKind.NotifyOnly, null)]
    public void The_policy_table_maps_each_alert_to_its_remediation(string name, string? team, string? agent, RemediationKind kind, string? expectedTeam)
    {
        var labels = new Dictionary<string, string> { ["alertname"] = name };
        if (team is not null)
        {
            labels["team"] = team;
        }

        if (agent is not null)
        {
            labels["agent"] = agent;
        }

        var alert = new AlertNotification { Source = "alertmanager", Id = "fp", Name = name, Status = AlertStatus.Firing, Labels = labels, StartsAt = DateTimeOffset.UnixEpoch };
        var plan = RemediationPolicy.Plan(alert, TimeSpan.FromMinutes(5));

        Assert.Equal(kind, plan.Kind);
        Assert.Equal(expectedTeam, plan.Team);
        Assert.Equal(agent, plan.Agent);
        Assert.Equal(TimeSpan.FromMinutes(5), plan.MaxDuration);
        Assert.Equal(RemediationState.Triggered, plan.State);
    }

    [Fact]
    public void A_new_firing_after_resolution_is_a_new_episode()
    {
        var first = new AlertNotification { Source = "alertmanager", Id = "fp", Name = "X", Status = AlertStatus.Firing, StartsAt = DateTimeOffset.UnixEpoch };
        var again = first with { StartsAt = DateTimeOffset.UnixEpoch.AddHours(2) };

        Assert.NotEqual(RemediationPolicy.Plan(first, TimeSpan.FromHours(1)).Id, RemediationPolicy.Plan(again, TimeSpan.FromHours(1)).Id);
        Assert.Equal(RemediationPolicy.Plan(first, TimeSpan.FromHours(1)).Id, RemediationPolicy.Plan(first with { Status = AlertStatus.Resolved }, TimeSpan.FromHours(1)).Id);
    }

    [Fact]
    public void A_remediation_resolves_from_triggered_or_monitoring_and_acts_only_from_triggered()
    {
        var alert = new AlertNotification { Source = "alertmanager", Id = "fp", Name = "X", Status = AlertStatus.Firing, StartsAt = DateTimeOffset.UnixEpoch };
        var plan = RemediationPolicy.Plan(alert, TimeSpan.FromHours(1));

        var early = plan.Resolved("resolved first", ["nothing done"], DateTimeOffset.UnixEpoch);
        Assert.Equal(RemediationState.Resolved, early.State);
        Assert.Null(early.StartedAt);

        var acting = plan.Acted(["notified"], DateTimeOffset.UnixEpoch);
        Assert.Throws<IllegalTransitionException>(() => acting.Resolved("too soon", [], DateTimeOffset.UnixEpoch));
        Assert.Equal(RemediationState.Resolved, acting.Monitoring().Resolved("resolved", [], DateTimeOffset.UnixEpoch).State);
        Assert.Throws<IllegalTransitionException>(() => early.Acted(["late"], DateTimeOffset.UnixEpoch));
        Assert.Throws<IllegalTransitionException>(() => early.Resolved("again", [], DateTimeOffset.UnixEpoch));
    }

    private static void Remove(JsonNode root, string path)
    {
        var (parent, key, index) = Locate(root, path);
        if (index is { } i)
        {
            parent.AsArray().RemoveAt(i);
        }
        else
        {
            parent.AsObject().Remove(key!);
        }
    }

    private static void Replace(JsonNode root, string path, JsonNode? value)
    {
        var (parent, key, index) = Locate(root, path);
        if (index is { } i)
        {
            parent.AsArray()[i] = value;
        }
        else
        {
            parent.AsObject()[key!] = value;
        }
    }

    private static (JsonNode Parent, string? Key, int? Index) Locate(JsonNode root, string path)
    {
        var parts = path.Replace("[", ".[", StringComparison.Ordinal).Split('.');
        var node = root;
        for (var p = 0; p < parts.Length - 1; p++)
        {
            node = Step(node, parts[p]);
        }

        var last = parts[^1];
        return last.StartsWith('[') ? (node, null, int.Parse(last.Trim('[', ']'), System.Globalization.CultureInfo.InvariantCulture)) : (node, last, null);
    }

    private static JsonNode Step(JsonNode node, string part) =>
        part.StartsWith('[') ? node.AsArray()[int.Parse(part.Trim('[', ']'), System.Globalization.CultureInfo.InvariantCulture)]! : node[part]!;
}
