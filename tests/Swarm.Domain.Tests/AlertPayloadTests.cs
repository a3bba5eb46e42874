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
        Assert.Equal(fired.SourceIdentity, resolved.SourceIdentity);
        Assert.Equal(RemediationPolicy.IncidentKeyOf(fired), RemediationPolicy.IncidentKeyOf(resolved));
    }

    [Fact]
    public void A_log_alert_is_read_with_its_dimensions()
    {
        var alert = Assert.Single(AlertPayloads.Parse(Sample("azure-monitor-log-fired.json")));

        Assert.Equal("AgentStateStuck", alert.Name);
        Assert.Equal("roberts-agent", alert.Label("agent"));
        Assert.Equal(RemediationKind.RecoverStuckAgent, RemediationPolicy.KindOf(alert));
        Assert.Equal("recover-stuck-agent/agent=roberts-agent", RemediationPolicy.IncidentKeyOf(alert));
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
    [InlineData("alertmanager-group.json", "version", "4", "version")]
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
        var desk = RemediationPolicy.Desk(alert, new RemediationOptions { MaxDuration = TimeSpan.FromMinutes(5) }, new ScrumOptions());

        Assert.Equal(kind, desk.Kind);
        Assert.Equal(expectedTeam, desk.Team);
        Assert.Equal(agent, desk.Agent);
        Assert.Equal(TimeSpan.FromMinutes(5), desk.MaxDuration);
        Assert.Equal(RemediationState.Idle, desk.State);
        Assert.Equal(InstanceIds.Key(desk.IncidentKey), desk.DeskKey);
    }

    [Fact]
    public void The_incident_key_is_policy_and_target_whatever_the_source_or_episode()
    {
        var alertmanager = Alert("alertmanager", "5f1c0a9e7b3d2c41", "HighDefectRate", ("team", "Storm"));
        var azure = Alert("azure-monitor", "/subscriptions/x/alerts/y", "HighDefectRate", ("team", "storm"));
        var errorRate = Alert("alertmanager", "e1", "AgentHighErrorRate", ("team", "storm"));
        var slow = Alert("alertmanager", "s1", "SlowTransitions", ("team", "storm"));

        Assert.Equal("lean-project/team=storm", RemediationPolicy.IncidentKeyOf(alertmanager));
        Assert.Equal(RemediationPolicy.IncidentKeyOf(alertmanager), RemediationPolicy.IncidentKeyOf(azure));
        Assert.Equal(RemediationPolicy.IncidentKeyOf(alertmanager), RemediationPolicy.IncidentKeyOf(alertmanager with { StartsAt = DateTimeOffset.UnixEpoch.AddHours(3) }));
        Assert.Equal("shed-load/team=storm", RemediationPolicy.IncidentKeyOf(errorRate));
        Assert.Equal(RemediationPolicy.IncidentKeyOf(errorRate), RemediationPolicy.IncidentKeyOf(slow));
        Assert.Equal("notify-only/Other/alertmanager:o1", RemediationPolicy.IncidentKeyOf(Alert("alertmanager", "o1", "Other")));
        Assert.Equal("notify-only/Other/team=a", RemediationPolicy.IncidentKeyOf(Alert("alertmanager", "o2", "Other", ("team", "a"))));
    }

    [Fact]
    public void Cooldowns_suit_each_policy_and_a_lean_project_rests_one_sprint_by_default()
    {
        var options = new RemediationOptions();
        var scrum = new ScrumOptions { SprintLength = TimeSpan.FromDays(10) };

        Assert.Equal(TimeSpan.FromDays(10), RemediationPolicy.CooldownOf(RemediationKind.LeanProject, options, scrum));
        Assert.Equal(TimeSpan.FromHours(2), RemediationPolicy.CooldownOf(RemediationKind.LeanProject, new RemediationOptions { LeanProjectCooldown = TimeSpan.FromHours(2) }, scrum));
        Assert.Equal(TimeSpan.FromMinutes(15), RemediationPolicy.CooldownOf(RemediationKind.RecoverStuckAgent, options, scrum));
        Assert.Equal(TimeSpan.FromMinutes(5), RemediationPolicy.CooldownOf(RemediationKind.ShedLoad, options, scrum));
        Assert.Equal(TimeSpan.FromMinutes(10), RemediationPolicy.CooldownOf(RemediationKind.NotifyOnly, options, scrum));
    }

    [Fact]
    public void Deliveries_join_an_open_incident_and_it_resolves_only_when_every_source_has()
    {
        var am = Alert("alertmanager", "fp1", "HighDefectRate", ("team", "t"));
        var azure = Alert("azure-monitor", "az1", "HighDefectRate", ("team", "t"));
        var at = DateTimeOffset.UnixEpoch;
        var incident = RemediationPolicy.Desk(am, new RemediationOptions(), new ScrumOptions()).Open(new RemediationSignal("e1", am), at);

        incident = incident.Join(new RemediationSignal("e2", am with { StartsAt = at.AddMinutes(1) }), at.AddMinutes(1));
        incident = incident.Join(new RemediationSignal("e3", azure), at.AddMinutes(2));
        incident = incident.Join(new RemediationSignal("e4", am with { Status = AlertStatus.Resolved }), at.AddMinutes(3));

        Assert.Equal($"{incident.DeskKey}-1", incident.Id);
        Assert.Equal(3, incident.Joined);
        Assert.Equal(2, incident.Sources.Count);
        Assert.False(incident.AllSourcesResolved);
        Assert.Equal(["opened", "joined", "joined", "source-resolved"], incident.Steps.Select(s => s.Step));

        incident = incident.Join(new RemediationSignal("e5", azure with { Status = AlertStatus.Resolved }), at.AddMinutes(4));
        Assert.True(incident.AllSourcesResolved);
        var stranger = incident.Join(new RemediationSignal("e6", Alert("grafana", "g1", "HighDefectRate", ("team", "t")) with { Status = AlertStatus.Resolved }), at.AddMinutes(5));
        Assert.Equal(2, stranger.Sources.Count);
        Assert.Equal("ignored", stranger.Steps[^1].Step);
    }

    [Fact]
    public void An_incident_acts_then_closes_with_a_cooldown_and_one_that_did_nothing_leaves_none()
    {
        var alert = Alert("alertmanager", "fp", "X");
        var open = RemediationPolicy.Desk(alert, new RemediationOptions(), new ScrumOptions()).Open(new RemediationSignal("e1", alert), DateTimeOffset.UnixEpoch);

        var acted = open.Acted(["notified"], DateTimeOffset.UnixEpoch, null);
        Assert.Throws<IllegalTransitionException>(() => open.Resolved("resolved", "too soon", [], DateTimeOffset.UnixEpoch, null));
        var closed = acted.Monitoring().Resolved("resolved", "every source resolved", [], DateTimeOffset.UnixEpoch.AddMinutes(1), null);
        Assert.Equal(RemediationState.Resolved, closed.State);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddMinutes(11), closed.CooldownUntil);
        Assert.Throws<IllegalTransitionException>(() => closed.Acted(["late"], DateTimeOffset.UnixEpoch, null));

        var suppressed = open.Suppress(null, "storm limit", [], DateTimeOffset.UnixEpoch, null);
        Assert.Equal((RemediationState.Resolved, 1, "storm limit"), (suppressed.State, suppressed.Suppressed, suppressed.Outcome));
        Assert.Null(suppressed.CooldownUntil);
    }

    [Fact]
    public void The_audit_trail_keeps_its_first_step_and_the_latest_ones()
    {
        var alert = Alert("alertmanager", "fp", "X");
        var incident = RemediationPolicy.Desk(alert, new RemediationOptions(), new ScrumOptions()).Open(new RemediationSignal("e0", alert), DateTimeOffset.UnixEpoch);
        for (var i = 1; i <= 100; i++)
        {
            incident = incident.Join(new RemediationSignal($"e{i}", alert), DateTimeOffset.UnixEpoch.AddSeconds(i));
        }

        Assert.Equal(AlertRemediation.MaxSteps, incident.Steps.Count);
        Assert.Equal("opened", incident.Steps[0].Step);
        Assert.Equal("e100", incident.Steps[^1].EventId);
        Assert.Equal(41, incident.StepsDropped);
        Assert.Equal(100, incident.Joined);
    }

    [Fact]
    public void A_managed_prometheus_alert_is_named_by_its_rule_and_keeps_its_labels_and_group()
    {
        var alert = Assert.Single(AlertPayloads.Parse(Sample("azure-managed-prometheus-high-defect-rate.json")));

        Assert.Equal("HighDefectRate", alert.Name);
        Assert.Equal("alpha", alert.Label("team"));
        Assert.Equal("swarm-rules", alert.Label(AlertPayloads.RuleGroupLabel));
        Assert.Equal("Prometheus", alert.Label("monitoring_service"));
        Assert.Equal("Defect rate of team alpha is 20 %", alert.Summary);
        Assert.Equal(RemediationKind.LeanProject, RemediationPolicy.KindOf(alert));
        Assert.Equal("lean-project/team=alpha", RemediationPolicy.IncidentKeyOf(alert));
        Assert.False(alert.OneShot);
    }

    [Fact]
    public void An_alertmanager_payload_without_fingerprints_is_read_with_each_alerts_status_and_a_label_identity()
    {
        var delivery = AlertPayloads.Read(Sample("alertmanager-v4-without-fingerprint.json"));

        Assert.Equal(AlertPayloads.AlertmanagerSource, delivery.Source);
        Assert.Equal(2, delivery.Alerts.Count);
        Assert.Equal((AlertStatus.Firing, AlertStatus.Resolved), (delivery.Alerts[0].Status, delivery.Alerts[1].Status));
        Assert.StartsWith("labels:", delivery.Alerts[0].Id, StringComparison.Ordinal);
        Assert.NotEqual(delivery.Alerts[0].Id, delivery.Alerts[1].Id);
        var reordered = new Dictionary<string, string>(delivery.Alerts[0].Labels.Reverse());
        Assert.Equal(delivery.Alerts[0].Id, AlertPayloads.LabelIdentity(reordered));
        Assert.Equal("firing", delivery.Alerts[0].Label("status"));
    }

    [Fact]
    public void A_grafana_webhook_is_a_third_source_with_each_alert_by_its_own_name_and_status()
    {
        var delivery = AlertPayloads.Read(Sample("grafana-unified-alerting-mixed.json"));

        Assert.Equal(AlertPayloads.GrafanaSource, delivery.Source);
        Assert.Equal(0, delivery.TruncatedAlerts);
        Assert.Equal(
            [("Test alert", AlertStatus.Resolved), ("Test alert", AlertStatus.Resolved), ("Second webhook test", AlertStatus.Firing)],
            delivery.Alerts.Select(a => (a.Name, a.Status)));
        Assert.All(delivery.Alerts, a => Assert.Equal(AlertPayloads.GrafanaSource, a.Source));
        Assert.Equal("aaafafe0953f0962", delivery.Alerts[0].Id);
        Assert.Equal("Testing **another** failing alert", delivery.Alerts[2].Summary);
    }

    [Fact]
    public void Truncated_alerts_are_reported()
    {
        var delivery = AlertPayloads.Read(Mutate("alertmanager-group.json", root => root["truncatedAlerts"] = 7));

        Assert.Equal(7, delivery.TruncatedAlerts);
    }

    [Theory]
    [InlineData("Activity Log - Administrative", true)]
    [InlineData("ServiceHealth", true)]
    [InlineData("Resource Health", true)]
    [InlineData("Smart Detector", false)]
    [InlineData("Platform", false)]
    [InlineData("Log Alerts V2", false)]
    public void Every_azure_monitoring_service_is_accepted_and_those_that_never_resolve_are_one_shot(string service, bool oneShot)
    {
        var body = Mutate("azure-monitor-metric-fired.json", root => root["data"]!["essentials"]!["monitoringService"] = service);

        var alert = Assert.Single(AlertPayloads.Parse(body));

        Assert.Equal(oneShot, alert.OneShot);
        Assert.Equal(service, alert.Label("monitoring_service"));
        Assert.Equal("HighDefectRate", alert.Name);
    }

    private static AlertNotification Alert(string source, string id, string name, params (string Key, string Value)[] labels) => new()
    {
        Source = source,
        Id = id,
        Name = name,
        Status = AlertStatus.Firing,
        Labels = labels.ToDictionary(l => l.Key, l => l.Value),
        StartsAt = DateTimeOffset.UnixEpoch,
    };

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
