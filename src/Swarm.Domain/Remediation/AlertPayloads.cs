using System.Globalization;

namespace Swarm.Domain.Remediation;

/// <summary>One webhook delivery as read: which system sent it, its alerts, and how many it left out.</summary>
/// <param name="Source"><c>azure-monitor</c>, <c>alertmanager</c> or <c>grafana</c>.</param>
/// <param name="Alerts">The alerts it carries, at least one.</param>
/// <param name="TruncatedAlerts">Alerts the sender left out of this delivery (Alertmanager's and Grafana's <c>truncatedAlerts</c>, when it caps a group's size); 0 otherwise.</param>
public sealed record AlertDelivery(string Source, IReadOnlyList<AlertNotification> Alerts, int TruncatedAlerts);

/// <summary>
/// Reads the alert webhooks Swarm accepts into <see cref="AlertNotification"/>s, naming the field that is wrong
/// otherwise (an <see cref="InvalidInputException"/>, a 400 at the HTTP edge):
/// <list type="bullet">
/// <item>the Azure Monitor common alert schema (<c>schemaId: azureMonitorCommonAlertSchema</c>) from every monitoring
/// service that reaches an action group: metric alerts and Log Alerts V2 (dimensions under
/// <c>alertContext.condition.allOf[].dimensions</c>, custom properties), managed Prometheus (<c>monitoringService:
/// Prometheus</c>: labels and annotations in <c>alertContext</c>, the name is the rule's <c>alertname</c>, the rule group
/// kept as the label <c>rule_group</c>), activity log, service health and resource health (one-shot: they never send a
/// resolution), smart detection and any other service (read from the essentials);</item>
/// <item>the Prometheus Alertmanager webhook (<c>version: "4"</c>), with or without <c>fingerprint</c> (releases before
/// 0.19 have none: the identity is then the sorted label set);</item>
/// <item>Grafana unified alerting's webhook contact point (<c>version: "1"</c>, Alertmanager-like, extra fields ignored).</item>
/// </list>
/// Sources: Azure Monitor common alert schema definitions; Prometheus Alertmanager webhook_config; Grafana webhook notifier.
/// </summary>
public static class AlertPayloads
{
    public const string AzureMonitorSchema = "azureMonitorCommonAlertSchema";
    public const string AzureMonitorSource = "azure-monitor";
    public const string AlertmanagerSource = "alertmanager";
    public const string GrafanaSource = "grafana";

    /// <summary>
    /// How the summary of an Alertmanager-format alert that <c>swarm up</c> replayed from Prometheus' rule history ends
    /// (an alert that fired and resolved while the host was down, which Alertmanager never sends), so that a reader —
    /// <c>swarm demo</c> — can tell it from one Alertmanager delivered.
    /// </summary>
    public const string ReplayedSummaryNote = "replayed from Prometheus' rule history (ALERTS)";

    /// <summary>The label that keeps a managed Prometheus alert's rule group (the part of <c>alertRule</c> before '/').</summary>
    public const string RuleGroupLabel = "rule_group";

    /// <summary>Azure Monitor services whose alerts never resolve (activity-log based): handled as one-shot.</summary>
    private static readonly string[] OneShotServices = ["Activity Log", "ServiceHealth", "Service Health", "Resource Health", "ResourceHealth"];

    /// <summary>The alerts of one delivery; see <see cref="Read"/>.</summary>
    public static IReadOnlyList<AlertNotification> Parse(JsonElement body) => Read(body).Alerts;

    /// <summary>Reads one delivery of any accepted kind; a payload of another kind is an <see cref="InvalidInputException"/> naming the field.</summary>
    public static AlertDelivery Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInputException("$", "An alert payload is a JSON object.");
        }

        if (body.TryGetProperty("schemaId", out var schema))
        {
            return schema.ValueKind == JsonValueKind.String && schema.GetString() == AzureMonitorSchema
                ? new AlertDelivery(AzureMonitorSource, [ParseAzureMonitor(body)], 0)
                : throw new InvalidInputException("schemaId", $"schemaId must be '{AzureMonitorSchema}'; enable the common alert schema on the action group.");
        }

        if (body.TryGetProperty("version", out var version))
        {
            var text = version.ValueKind == JsonValueKind.String ? version.GetString() : null;
            return text switch
            {
                "4" => ParseAlertmanagerLike(body, AlertmanagerSource),
                "1" => ParseAlertmanagerLike(body, GrafanaSource),
                _ => throw new InvalidInputException(
                    "version", $"version '{version}' is not an accepted webhook: Alertmanager sends \"4\", Grafana unified alerting \"1\"."),
            };
        }

        if (body.TryGetProperty("data", out _))
        {
            throw new InvalidInputException("schemaId", $"schemaId is missing; Azure Monitor alerts must use the common alert schema ('{AzureMonitorSchema}').");
        }

        if (body.TryGetProperty("alerts", out _))
        {
            throw new InvalidInputException("version", "version is missing; Alertmanager webhooks carry version \"4\", Grafana's \"1\".");
        }

        throw new InvalidInputException(
            "$", "Unknown alert payload: expected the Azure Monitor common alert schema (schemaId), an Alertmanager webhook (version \"4\") or a Grafana webhook (version \"1\").");
    }

    private static AlertNotification ParseAzureMonitor(JsonElement body)
    {
        var data = Object(body, "data", "data");
        var essentials = Object(data, "essentials", "data.essentials");
        var condition = RequiredString(essentials, "monitorCondition", "data.essentials.monitorCondition");
        var status = condition switch
        {
            "Fired" => AlertStatus.Firing,
            "Resolved" => AlertStatus.Resolved,
            _ => throw new InvalidInputException("data.essentials.monitorCondition", $"monitorCondition '{condition}' is neither Fired nor Resolved."),
        };
        var service = OptionalString(essentials, "monitoringService") ?? "unknown";
        var rule = RequiredString(essentials, "alertRule", "data.essentials.alertRule");
        var name = rule;
        string? summary = null;
        var labels = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (data.TryGetProperty("alertContext", out var context) && context.ValueKind == JsonValueKind.Object)
        {
            CollectDimensions(context, labels);
            if (service == "Prometheus")
            {
                // Managed Prometheus: the rule's own labels and annotations; alertRule is "{rule group}/{alertname}".
                CollectStrings(context, "labels", labels);
                var annotations = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                CollectStrings(context, "annotations", annotations);
                summary = annotations.GetValueOrDefault("summary") ?? annotations.GetValueOrDefault("description");
                var slash = rule.LastIndexOf('/');
                name = labels.TryGetValue("alertname", out var alertName) && !string.IsNullOrWhiteSpace(alertName)
                    ? alertName
                    : slash >= 0 ? rule[(slash + 1)..] : rule;
                if (slash > 0)
                {
                    labels[RuleGroupLabel] = rule[..slash];
                }
            }
        }

        // Log Alerts V2 and metric alerts carry custom properties here (the action group's or the rule's).
        CollectStrings(data, "customProperties", labels);
        labels["alertname"] = name;
        labels["monitoring_service"] = service;
        return new AlertNotification
        {
            Source = AzureMonitorSource,
            Id = RequiredString(essentials, "alertId", "data.essentials.alertId"),
            Name = name,
            Status = status,
            Severity = OptionalString(essentials, "severity") ?? "unknown",
            Labels = labels,
            Summary = summary ?? OptionalString(essentials, "description"),
            StartsAt = Time(essentials, "firedDateTime", "data.essentials.firedDateTime")
                ?? throw new InvalidInputException("data.essentials.firedDateTime", "firedDateTime is required."),
            EndsAt = Time(essentials, "resolvedDateTime", "data.essentials.resolvedDateTime"),
            OneShot = OneShotServices.Any(s => service.StartsWith(s, StringComparison.OrdinalIgnoreCase)),
        };
    }

    /// <summary>Metric and log alert conditions list their dimensions (team, agent) under condition.allOf[].dimensions.</summary>
    private static void CollectDimensions(JsonElement context, Dictionary<string, string> labels)
    {
        if (!context.TryGetProperty("condition", out var condition) || condition.ValueKind != JsonValueKind.Object
            || !condition.TryGetProperty("allOf", out var allOf) || allOf.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var criterion in allOf.EnumerateArray())
        {
            if (criterion.ValueKind == JsonValueKind.Object && criterion.TryGetProperty("dimensions", out var dimensions) && dimensions.ValueKind == JsonValueKind.Array)
            {
                foreach (var dimension in dimensions.EnumerateArray())
                {
                    if (OptionalString(dimension, "name") is { } name && OptionalString(dimension, "value") is { } value)
                    {
                        labels[name] = value;
                    }
                }
            }
        }
    }

    /// <summary>Copies the string members of the object <paramref name="name"/> (absent or null: nothing; other values are skipped).</summary>
    private static void CollectStrings(JsonElement parent, string name, Dictionary<string, string> into)
    {
        if (parent.TryGetProperty(name, out var map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in map.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
            {
                into[property.Name] = property.Value.GetString()!;
            }
        }
    }

    /// <summary>
    /// Alertmanager's webhook (v4) and Grafana's (v1, the same shape plus extra fields): one notification per alert,
    /// each with its own <c>status</c>. Without a <c>fingerprint</c> the alert's identity is its sorted label set.
    /// </summary>
    private static AlertDelivery ParseAlertmanagerLike(JsonElement body, string source)
    {
        if (!body.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidInputException("alerts", "alerts must be an array.");
        }

        var result = new List<AlertNotification>();
        var index = 0;
        foreach (var alert in alerts.EnumerateArray())
        {
            var path = $"alerts[{index++}]";
            if (alert.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException(path, $"{path} must be an object.");
            }

            var statusText = RequiredString(alert, "status", $"{path}.status");
            var status = statusText switch
            {
                "firing" => AlertStatus.Firing,
                "resolved" => AlertStatus.Resolved,
                _ => throw new InvalidInputException($"{path}.status", $"status '{statusText}' is neither firing nor resolved."),
            };
            var labels = StringMap(alert, "labels", $"{path}.labels");
            var annotations = alert.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object
                ? StringMap(alert, "annotations", $"{path}.annotations")
                : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var name = labels.TryGetValue("alertname", out var alertName) && !string.IsNullOrWhiteSpace(alertName)
                ? alertName
                : throw new InvalidInputException($"{path}.labels.alertname", "labels.alertname is required.");
            var endsAt = Time(alert, "endsAt", $"{path}.endsAt");
            var fingerprint = OptionalString(alert, "fingerprint");
            result.Add(new AlertNotification
            {
                Source = source,
                Id = string.IsNullOrWhiteSpace(fingerprint) ? LabelIdentity(labels) : fingerprint,
                Name = name,
                Status = status,
                Severity = labels.TryGetValue("severity", out var severity) ? severity : "unknown",
                Labels = labels,
                Summary = annotations.TryGetValue("summary", out var summary) ? summary : annotations.GetValueOrDefault("description"),
                StartsAt = Time(alert, "startsAt", $"{path}.startsAt") ?? throw new InvalidInputException($"{path}.startsAt", "startsAt is required."),
                EndsAt = endsAt is { Year: > 1 } ? endsAt : null,
            });
        }

        var truncated = body.TryGetProperty("truncatedAlerts", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out var n) ? n : 0;
        return result.Count > 0 ? new AlertDelivery(source, result, truncated) : throw new InvalidInputException("alerts", "alerts is empty.");
    }

    /// <summary>An alert's identity from its labels, as Alertmanager derives fingerprints: <c>labels:</c> and a hash of the sorted name=value pairs.</summary>
    public static string LabelIdentity(IReadOnlyDictionary<string, string> labels) =>
        "labels:" + InstanceIds.Key(string.Join("\n", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")));

    private static JsonElement Object(JsonElement parent, string name, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : throw new InvalidInputException(path, $"{path} is required and must be an object.");

    private static string RequiredString(JsonElement parent, string name, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!
            : throw new InvalidInputException(path, $"{path} is required and must be a non-empty string.");

    private static string? OptionalString(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Dictionary<string, string> StringMap(JsonElement parent, string name, string path)
    {
        var map = Object(parent, name, path);
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in map.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw new InvalidInputException($"{path}.{property.Name}", $"{path}.{property.Name} must be a string.");
        }

        return result;
    }

    private static DateTimeOffset? Time(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
               && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new InvalidInputException(path, $"{path} must be an ISO 8601 timestamp.");
    }
}
