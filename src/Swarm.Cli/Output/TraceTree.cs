using System.Globalization;
using Swarm.Domain.Telemetry;

namespace Swarm.Cli.Output;

/// <summary>A span as the dashboard's telemetry API returns it (OTLP JSON), flattened.</summary>
public sealed record TraceSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Service,
    DateTimeOffset Start,
    TimeSpan Duration,
    bool Failed,
    IReadOnlyDictionary<string, string> Attributes)
{
    public string? this[string attribute] => Attributes.GetValueOrDefault(attribute);
}

/// <summary>Reads OTLP JSON spans and draws a trace as a tree: name, duration, service, the transition and the swarm's keys.</summary>
public static class TraceTree
{
    /// <summary>Attributes shown next to a span's name, in this order.</summary>
    private static readonly string[] Shown =
    [
        SwarmAttributes.AgentName, SwarmAttributes.WorkId, SwarmAttributes.MotionId, SwarmAttributes.SprintNumber,
        SwarmAttributes.LeanProjectId, "swarm.event.type", "http.response.status_code",
    ];

    /// <summary>Every span in a telemetry API answer (<c>{data: {resourceSpans: […]}}</c>).</summary>
    public static IReadOnlyList<TraceSpan> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var spans = new List<TraceSpan>();
        var data = document.RootElement.TryGetProperty("data", out var wrapped) ? wrapped : document.RootElement;
        if (!data.TryGetProperty("resourceSpans", out var resources))
        {
            return spans;
        }

        foreach (var resource in resources.EnumerateArray())
        {
            var service = resource.TryGetProperty("resource", out var r) && Attributes(r).GetValueOrDefault("service.name") is { } name ? name : "?";
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    var start = Nanos(span, "startTimeUnixNano");
                    var end = Nanos(span, "endTimeUnixNano");
                    spans.Add(new TraceSpan(
                        span.GetProperty("traceId").GetString()!,
                        span.GetProperty("spanId").GetString()!,
                        span.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } p ? p : null,
                        span.GetProperty("name").GetString()!,
                        service,
                        DateTimeOffset.UnixEpoch.AddTicks(start / 100),
                        TimeSpan.FromTicks(Math.Max(0, end - start) / 100),
                        span.TryGetProperty("status", out var status) && status.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number && code.GetInt32() == 2,
                        Attributes(span)));
                }
            }
        }

        return spans;
    }

    /// <summary>
    /// The trace as a tree; spans whose parent is not among them (not received yet, or from elsewhere) are drawn as roots
    /// marked with an ellipsis.
    /// </summary>
    public static Tree Draw(string traceId, IReadOnlyList<TraceSpan> spans, string? workId)
    {
        var services = string.Join(", ", spans.Select(s => s.Service).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        var begin = spans.Min(s => s.Start);
        var end = spans.Max(s => s.Start + s.Duration);
        var tree = new Tree($"[bold]trace {traceId}[/] [grey]— {spans.Count} spans, {Markup.Escape(services)}, {Duration(end - begin)}[/]");
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var children = spans.Where(s => s.ParentSpanId is not null && ids.Contains(s.ParentSpanId))
            .ToLookup(s => s.ParentSpanId!, StringComparer.Ordinal);
        foreach (var root in spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderBy(s => s.Start))
        {
            // A parent not received is usually an orchestration still running: its span is exported when it ends.
            var label = root.ParentSpanId is null ? Label(root, workId) : $"[grey]…[/] {Label(root, workId)}";
            Add(tree.AddNode(label), root, children, workId);
        }

        return tree;
    }

    private static void Add(TreeNode node, TraceSpan span, ILookup<string, TraceSpan> children, string? workId)
    {
        foreach (var child in children[span.SpanId].OrderBy(s => s.Start))
        {
            Add(node.AddNode(Label(child, workId)), child, children, workId);
        }
    }

    private static string Label(TraceSpan span, string? workId)
    {
        var name = span.Failed ? $"[bold red]{Markup.Escape(span.Name)}[/]" : span[SwarmAttributes.WorkId] == workId && workId is not null
            ? $"[bold]{Markup.Escape(span.Name)}[/]"
            : Markup.Escape(span.Name);
        var label = $"{name} [grey]{Duration(span.Duration)}[/] [blue]{Markup.Escape(span.Service)}[/]";
        if (span[SwarmAttributes.TransitionTo] is { } to)
        {
            label += $" [yellow]{Markup.Escape(span[SwarmAttributes.TransitionFrom] ?? "?")} → {Markup.Escape(to)}[/]";
        }

        var keys = Shown.Where(k => span[k] is not null).Select(k => $"{k.Replace("swarm.", string.Empty, StringComparison.Ordinal)}={span[k]}").ToList();
        return keys.Count == 0 ? label : $"{label} [grey]{Markup.Escape(string.Join(' ', keys))}[/]";
    }

    private static string Duration(TimeSpan duration) => duration.TotalMilliseconds < 1000
        ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.00} s");

    private static long Nanos(JsonElement span, string name) =>
        span.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt64()
            : 0;

    private static Dictionary<string, string> Attributes(JsonElement owner)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (owner.TryGetProperty("attributes", out var list))
        {
            foreach (var attribute in list.EnumerateArray())
            {
                var value = attribute.GetProperty("value");
                attributes[attribute.GetProperty("key").GetString()!] = value.ValueKind == JsonValueKind.Object && value.EnumerateObject().FirstOrDefault() is { Value: var v }
                    ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : v.ToString()
                    : string.Empty;
            }
        }

        return attributes;
    }
}
