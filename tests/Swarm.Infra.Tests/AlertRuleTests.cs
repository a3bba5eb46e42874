using System.Diagnostics.Metrics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Swarm.Domain.Remediation;
using Swarm.Domain.Telemetry;

namespace Swarm.Infra.Tests;

/// <summary>The Azure Monitor alert rules mirror local/prometheus/rules.yml and deliver what /api/alerts and the remediation policy expect.</summary>
public sealed partial class AlertRuleTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(5);

    private static Snapshot Snapshot => Bicep.Example;

    private static IReadOnlyList<JsonObject> Rules => [.. Snapshot.OfType("Microsoft.Insights/scheduledQueryRules")];

    private static JsonObject Rule(string name) => Assert.Single(Rules, r => (string?)r["name"] == name);

    private static JsonObject Criterion(JsonObject rule) => Assert.Single(rule["properties"]!["criteria"]!["allOf"]!.AsArray())!.AsObject();

    private static string Query(JsonObject rule) => (string)Criterion(rule)["query"]!;

    public static TheoryData<string> AlertNames => [.. PrometheusRules.All.Select(a => a.Name)];

    [Fact]
    public void There_is_one_azure_rule_per_prometheus_alert_with_exactly_its_name_and_each_names_a_remediation_policy_row()
    {
        string[] policy =
        [
            RemediationPolicy.HighDefectRate, RemediationPolicy.AgentStateStuck, RemediationPolicy.AgentHighErrorRate,
            RemediationPolicy.SlowTransitions, RemediationPolicy.WorkItemsStuck,
        ];
        var azure = Rules.Select(r => (string)r["name"]!).ToList();

        Assert.Equal(5, azure.Count);
        Assert.Equal(policy.Order(StringComparer.Ordinal), azure.Order(StringComparer.Ordinal));
        Assert.Equal(PrometheusRules.All.Select(a => a.Name).Order(StringComparer.Ordinal), azure.Order(StringComparer.Ordinal));
        // The common alert schema reports the rule's name as essentials.alertRule: the display name must not differ.
        Assert.All(Rules, r => Assert.Equal((string?)r["name"], (string?)r["properties"]!["displayName"]));
    }

    [Theory]
    [MemberData(nameof(AlertNames))]
    public void Each_rule_is_a_log_alert_on_the_workspace_that_resolves_itself(string name)
    {
        var rule = Rule(name);
        var properties = rule["properties"]!;
        var workspace = Snapshot.Single("Microsoft.OperationalInsights/workspaces");

        Assert.Equal("LogAlert", (string?)rule["kind"]);
        Assert.EndsWith("2023-12-01", (string?)rule["apiVersion"], StringComparison.Ordinal);
        Assert.True((bool)properties["enabled"]!);
        Assert.True((bool)properties["autoMitigate"]!, "without autoMitigate no Resolved notification closes the remediation");
        Assert.Equal((string?)workspace["id"], (string?)Assert.Single(properties["scopes"]!.AsArray()));
        Assert.Equal("PT5M", (string?)properties["evaluationFrequency"]);
    }

    [Theory]
    [MemberData(nameof(AlertNames))]
    public void Each_rule_evaluates_the_prometheus_window_at_every_step_of_its_for_duration(string name)
    {
        var alert = PrometheusRules.All.Single(a => a.Name == name);
        var rule = Rule(name);
        var query = Query(rule);
        var window = Timespan(Let(query, "window"));
        var steps = int.Parse(Let(query, "steps"), CultureInfo.InvariantCulture);

        Assert.Equal(Step, Timespan(Let(query, "step")));
        Assert.Equal((int)(alert.For / Step) + 1, steps);
        if (name != RemediationPolicy.AgentStateStuck)
        {
            // The Prometheus range ([1h], [2h], [5m]) is the window each evaluation looks back over.
            Assert.Contains($"[{Let(query, "window")}]", alert.Expression, StringComparison.Ordinal);
        }

        // The rule's query range must hold the oldest evaluation's whole window. AgentStateStuck alone does not step:
        // its for: is folded into the threshold (see the next test), and it looks back over its whole window once.
        var stepped = query.Contains("now() - step * k", StringComparison.Ordinal);
        Assert.Equal(name != RemediationPolicy.AgentStateStuck, stepped);
        var range = XmlDuration((string)rule["properties"]!["windowSize"]!);
        var needed = stepped ? window + (Step * (steps - 1)) : window;
        Assert.True(range >= needed, $"{name}: windowSize {range} < {needed}");
        Assert.DoesNotContain("overrideQueryTimeRange", rule["properties"]!.AsObject().Select(p => p.Key));
    }

    [Theory]
    [MemberData(nameof(AlertNames))]
    public void Each_rule_splits_by_the_label_the_prometheus_alert_carries_and_projects_it_with_the_measure(string name)
    {
        var alert = PrometheusRules.All.Single(a => a.Name == name);
        var criterion = Criterion(Rule(name));
        var dimension = Assert.Single(criterion["dimensions"]!.AsArray())!;
        var label = (string)dimension["name"]!;
        var measure = (string)criterion["metricMeasureColumn"]!;

        Assert.Equal(ExpectedLabel(alert), label);
        Assert.Equal("Include", (string?)dimension["operator"]);
        Assert.Equal("*", (string?)Assert.Single(dimension["values"]!.AsArray()));
        Assert.Equal($"| project {label}, {measure}", Query(Rule(name)).TrimEnd().Split('\n')[^1].Trim());
        Assert.Equal(1, (int)criterion["failingPeriods"]!["numberOfEvaluationPeriods"]!);
        Assert.Equal(1, (int)criterion["failingPeriods"]!["minFailingPeriodsToAlert"]!);
    }

    [Theory]
    [MemberData(nameof(AlertNames))]
    public void Each_rule_has_the_threshold_and_severity_of_its_prometheus_alert(string name)
    {
        var alert = PrometheusRules.All.Single(a => a.Name == name);
        var rule = Rule(name);
        var criterion = Criterion(rule);
        var threshold = (double)criterion["threshold"]!;
        var steps = int.Parse(Let(Query(rule), "steps"), CultureInfo.InvariantCulture);

        switch (name)
        {
            case RemediationPolicy.AgentStateStuck:
                // "More than 3600 s since the last transition" at every evaluation of for: = more than 3600 s + for: now.
                Assert.Equal("GreaterThan", (string?)criterion["operator"]);
                Assert.Equal(alert.Threshold + alert.For.TotalSeconds, threshold);
                break;
            case RemediationPolicy.WorkItemsStuck:
                // The measure counts the evaluations at which the team was stuck: all of them.
                Assert.Equal("GreaterThanOrEqual", (string?)criterion["operator"]);
                Assert.Equal(steps, threshold);
                break;
            default:
                Assert.Equal("GreaterThan", (string?)criterion["operator"]);
                Assert.Equal(alert.Threshold, threshold);
                break;
        }

        Assert.Equal(alert.Severity == "critical" ? 1 : 2, (int)rule["properties"]!["severity"]!);
        Assert.Equal(alert.Severity, (string?)rule["properties"]!["actions"]!["customProperties"]!["severity"]);
    }

    [Fact]
    public void The_queries_read_the_application_insights_rows_of_this_app_only()
    {
        var appInsights = (string)Snapshot.Single("Microsoft.Insights/components")["id"]!;

        Assert.All(Rules, rule =>
        {
            var query = Query(rule);
            Assert.StartsWith($"let appInsights = '{appInsights}';", query, StringComparison.Ordinal);
            Assert.Contains("| where _ResourceId =~ appInsights", query, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^(AppMetrics|AppDependencies)$", query);
        });
    }

    [Fact]
    public void The_queries_name_only_instruments_and_attributes_the_app_really_emits()
    {
        var instruments = typeof(SwarmTelemetry).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => typeof(Instrument).IsAssignableFrom(f.FieldType))
            .Select(f => ((Instrument)f.GetValue(null)!).Name)
            .ToHashSet(StringComparer.Ordinal);
        var attributes = typeof(SwarmAttributes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        var queries = string.Join('\n', Rules.Select(Query));

        var named = MetricName().Matches(queries).Select(m => m.Groups[1].Value).ToHashSet();
        var keys = PropertyKey().Matches(queries).Select(m => m.Groups[1].Value).ToHashSet();

        Assert.Equal(3, named.Count);
        Assert.Subset(instruments, named);
        Assert.Subset(attributes, keys);
        Assert.Contains("swarm.agent.last_transition.timestamp", named);
    }

    [Fact]
    public void The_action_group_posts_the_common_alert_schema_to_api_alerts_of_the_function_app()
    {
        var group = Snapshot.Single("Microsoft.Insights/actionGroups");
        var receiver = Assert.Single(group["properties"]!["webhookReceivers"]!.AsArray())!;
        var uri = (string)receiver["serviceUri"]!;
        var app = (string)Snapshot.Single("Microsoft.Web/sites")["id"]!;

        Assert.Equal("global", (string?)group["location"]);
        Assert.True((bool)receiver["useCommonAlertSchema"]!, "AlertPayloads accepts Azure Monitor alerts in the common alert schema only");
        Assert.True((bool)group["properties"]!["enabled"]!);
        // https://<the app's default host name>/api/alerts?code=<function key>
        Assert.StartsWith("[format('https://{0}/api/alerts?code={1}', ", uri, StringComparison.Ordinal);
        Assert.Contains($"reference('{app}', '2024-04-01').defaultHostName", uri, StringComparison.Ordinal);
        Assert.Contains("unknown()", uri, StringComparison.Ordinal); // the key: a secure value, known only when deploying
        Assert.All(Rules, rule => Assert.Equal(
            (string?)group["id"],
            (string?)Assert.Single(rule["properties"]!["actions"]!["actionGroups"]!.AsArray())));
    }

    [Fact]
    public void The_function_key_is_a_given_named_host_key_or_else_the_host_default_key_read_at_deployment()
    {
        var key = Snapshot.Single("Microsoft.Web/sites/host/functionKeys");
        var template = Bicep.Build.Stdout;

        Assert.Equal("[not(empty(parameters('alertsFunctionKey')))]", (string?)key["condition"]);
        Assert.EndsWith("/default/azure-monitor-alerts", (string?)key["name"], StringComparison.Ordinal);
        Assert.Equal("[parameters('alertsFunctionKey')]", (string?)key["properties"]!["value"]);
        Assert.Contains(
            "\"functionKey\": \"[if(empty(parameters('alertsFunctionKey')), createObject('value', listKeys(format('{0}/host/default', resourceId('Microsoft.Web/sites', variables('names').functionApp)), '2024-04-01').functionKeys.default), createObject('value', parameters('alertsFunctionKey')))]\"",
            template,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RemediationPolicy.HighDefectRate, "alpha", RemediationKind.LeanProject)]
    [InlineData(RemediationPolicy.WorkItemsStuck, "alpha", RemediationKind.NotifyOnly)]
    [InlineData(RemediationPolicy.AgentStateStuck, "roberts-agent", RemediationKind.RecoverStuckAgent)]
    [InlineData(RemediationPolicy.AgentHighErrorRate, "scrum", RemediationKind.ShedLoad)]
    [InlineData(RemediationPolicy.SlowTransitions, "lean", RemediationKind.ShedLoad)]
    public void A_fired_alert_of_each_rule_as_azure_delivers_it_drives_the_intended_remediation(string name, string value, RemediationKind kind)
    {
        var rule = Rule(name);
        var criterion = Criterion(rule);
        var dimension = (string)criterion["dimensions"]![0]!["name"]!;

        var alert = Assert.Single(AlertPayloads.Parse(CommonAlertSchemaPayload(rule, criterion, dimension, value)));
        var plan = RemediationPolicy.Desk(alert, new Swarm.Domain.RemediationOptions(), new Swarm.Domain.ScrumOptions());

        Assert.Equal(name, alert.Name);
        Assert.Equal(kind, plan.Kind);
        Assert.Equal((string?)rule["properties"]!["actions"]!["customProperties"]!["severity"], alert.Label("severity"));
        switch (dimension)
        {
            case "team":
                Assert.Equal(value, plan.Team);
                break;
            case "agent":
                Assert.Equal(value, plan.Agent);
                break;
            default:
                Assert.Equal("swarm_framework", dimension);
                Assert.Equal(value, alert.Label("swarm_framework"));
                Assert.Equal(RemediationPolicy.AllTeams, plan.Team);
                break;
        }
    }

    /// <summary>The label a Prometheus alert is split by: its <c>by (…)</c> grouping, or what label_replace names it.</summary>
    private static string ExpectedLabel(PrometheusAlert alert)
    {
        var replaced = Regex.Match(alert.Expression, @"label_replace\([\s\S]*?,\s*""(\w+)""");
        return replaced.Success
            ? replaced.Groups[1].Value
            : Regex.Matches(alert.Expression, @"by \(([^)]*)\)").SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries)).Where(l => l != "le").Distinct().Single();
    }

    /// <summary>A "Log Alerts V2" notification in the common alert schema, as Azure Monitor posts it for a firing dimension.</summary>
    private static JsonElement CommonAlertSchemaPayload(JsonObject rule, JsonObject criterion, string dimension, string value)
    {
        var payload = new JsonObject
        {
            ["schemaId"] = "azureMonitorCommonAlertSchema",
            ["data"] = new JsonObject
            {
                ["essentials"] = new JsonObject
                {
                    ["alertId"] = $"/subscriptions/{Snapshot.SubscriptionId}/providers/Microsoft.AlertsManagement/alerts/{Guid.NewGuid()}",
                    ["alertRule"] = (string)rule["name"]!,
                    ["severity"] = $"Sev{(int)rule["properties"]!["severity"]!}",
                    ["signalType"] = "Log",
                    ["monitorCondition"] = "Fired",
                    ["monitoringService"] = "Log Alerts V2",
                    ["alertTargetIDs"] = new JsonArray((string)rule["properties"]!["scopes"]![0]!),
                    ["firedDateTime"] = "2026-11-24T12:00:00.000Z",
                    ["description"] = (string)rule["properties"]!["description"]!,
                    ["essentialsVersion"] = "1.0",
                    ["alertContextVersion"] = "1.0",
                },
                ["alertContext"] = new JsonObject
                {
                    ["conditionType"] = "LogQueryCriteria",
                    ["condition"] = new JsonObject
                    {
                        ["windowSize"] = (string)rule["properties"]!["windowSize"]!,
                        ["allOf"] = new JsonArray(new JsonObject
                        {
                            ["searchQuery"] = (string)criterion["query"]!,
                            ["metricMeasureColumn"] = (string)criterion["metricMeasureColumn"]!,
                            ["operator"] = (string)criterion["operator"]!,
                            ["threshold"] = ((double)criterion["threshold"]!).ToString(CultureInfo.InvariantCulture),
                            ["timeAggregation"] = (string)criterion["timeAggregation"]!,
                            ["dimensions"] = new JsonArray(new JsonObject { ["name"] = dimension, ["value"] = value }),
                            ["metricValue"] = (double)criterion["threshold"]! + 1,
                        }),
                    },
                },
                ["customProperties"] = rule["properties"]!["actions"]!["customProperties"]!.DeepClone(),
            },
        };
        return JsonDocument.Parse(payload.ToJsonString()).RootElement.Clone();
    }

    private static string Let(string query, string name)
    {
        var match = Regex.Match(query, $@"(?m)^let {name} = ([^;]+);");
        Assert.True(match.Success, $"the query does not define {name}:\n{query}");
        return match.Groups[1].Value;
    }

    /// <summary>A KQL timespan literal (5m, 1h, 1d).</summary>
    private static TimeSpan Timespan(string literal)
    {
        var number = int.Parse(literal[..^1], CultureInfo.InvariantCulture);
        return literal[^1] switch
        {
            'm' => TimeSpan.FromMinutes(number),
            'h' => TimeSpan.FromHours(number),
            'd' => TimeSpan.FromDays(number),
            _ => throw new FormatException($"unexpected timespan {literal}"),
        };
    }

    private static TimeSpan XmlDuration(string iso) => System.Xml.XmlConvert.ToTimeSpan(iso);

    [GeneratedRegex(@"Name == '([^']+)'")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"Properties\['([^']+)'\]")]
    private static partial Regex PropertyKey();
}
