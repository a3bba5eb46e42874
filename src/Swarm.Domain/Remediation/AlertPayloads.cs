using System.Globalization;

namespace Swarm.Domain.Remediation;

/// <summary>
/// Reads the two alert webhooks Swarm accepts — the Azure Monitor common alert schema and the Prometheus
/// Alertmanager webhook version 4 — into <see cref="AlertNotification"/>s, naming the field that is wrong otherwise.
/// </summary>
public static class AlertPayloads
{
    public const string AzureMonitorSchema = "azureMonitorCommonAlertSchema";
    public const string AzureMonitorSource = "azure-monitor";
    public const string AlertmanagerSource = "alertmanager";

    public static IReadOnlyList<AlertNotification> Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInputException("$", "An alert payload is a JSON object.");
        }

        if (body.TryGetProperty("schemaId", out var schema))
        {
            return schema.ValueKind == JsonValueKind.String && schema.GetString() == AzureMonitorSchema
                ? [ParseAzureMonitor(body)]
                : throw new InvalidInputException("schemaId", $"schemaId must be '{AzureMonitorSchema}'; enable the common alert schema on the action group.");
        }

        if (body.TryGetProperty("version", out var version))
        {
            return version.ValueKind == JsonValueKind.String && version.GetString() == "4"
                ? ParseAlertmanager(body)
                : throw new InvalidInputException("version", "Only Alertmanager webhook version \"4\" is supported.");
        }

        if (body.TryGetProperty("data", out _))
        {
            throw new InvalidInputException("schemaId", $"schemaId is missing; Azure Monitor alerts must use the common alert schema ('{AzureMonitorSchema}').");
        }

        if (body.TryGetProperty("alerts", out _))
        {
            throw new InvalidInputException("version", "version is missing; Alertmanager webhooks carry version \"4\".");
        }

        throw new InvalidInputException("$", "Unknown alert payload: expected the Azure Monitor common alert schema (schemaId) or an Alertmanager webhook (version \"4\").");
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
        var labels = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (data.TryGetProperty("alertContext", out var context) && context.ValueKind == JsonValueKind.Object)
        {
            CollectDimensions(context, labels);
        }

        foreach (var name in new[] { "customProperties" })
        {
            if (data.TryGetProperty(name, out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in properties.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
                {
                    labels[property.Name] = property.Value.GetString()!;
                }
            }
        }

        var rule = RequiredString(essentials, "alertRule", "data.essentials.alertRule");
        labels["alertname"] = rule;
        return new AlertNotification
        {
            Source = AzureMonitorSource,
            Id = RequiredString(essentials, "alertId", "data.essentials.alertId"),
            Name = rule,
            Status = status,
            Severity = OptionalString(essentials, "severity") ?? "unknown",
            Labels = labels,
            Summary = OptionalString(essentials, "description"),
            StartsAt = Time(essentials, "firedDateTime", "data.essentials.firedDateTime")
                ?? throw new InvalidInputException("data.essentials.firedDateTime", "firedDateTime is required."),
            EndsAt = Time(essentials, "resolvedDateTime", "data.essentials.resolvedDateTime"),
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

    private static List<AlertNotification> ParseAlertmanager(JsonElement body)
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
            result.Add(new AlertNotification
            {
                Source = AlertmanagerSource,
                Id = RequiredString(alert, "fingerprint", $"{path}.fingerprint"),
                Name = name,
                Status = status,
                Severity = labels.TryGetValue("severity", out var severity) ? severity : "unknown",
                Labels = labels,
                Summary = annotations.TryGetValue("summary", out var summary) ? summary : annotations.GetValueOrDefault("description"),
                StartsAt = Time(alert, "startsAt", $"{path}.startsAt") ?? throw new InvalidInputException($"{path}.startsAt", "startsAt is required."),
                EndsAt = endsAt is { Year: > 1 } ? endsAt : null,
            });
        }

        return result.Count > 0 ? result : throw new InvalidInputException("alerts", "alerts is empty.");
    }

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
