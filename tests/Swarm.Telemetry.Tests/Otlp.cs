namespace Swarm.Telemetry.Tests;

/// <summary>A span as the receiver returned it (OTLP JSON), flattened.</summary>
public sealed record ReceivedSpan(
    string Scope,
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    int Kind,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<(string TraceId, string SpanId)> Links)
{
    public string? this[string attribute] => Attributes.GetValueOrDefault(attribute);
}

/// <summary>A log record as the receiver returned it (OTLP JSON), flattened.</summary>
public sealed record ReceivedLog(string Scope, string? TraceId, string? SpanId, string? EventName, string Body, IReadOnlyDictionary<string, string> Attributes);

/// <summary>Reads what the Aspire dashboard's telemetry API returns.</summary>
public static class Otlp
{
    public static async Task<(IReadOnlyList<ReceivedSpan> Spans, IReadOnlyDictionary<string, string> Resource)> TracesAsync(HttpClient api, string path)
    {
        using var document = JsonDocument.Parse(await api.GetStringAsync(path));
        var spans = new List<ReceivedSpan>();
        var resource = new Dictionary<string, string>();
        foreach (var resourceSpans in document.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            foreach (var (key, value) in Attributes(resourceSpans.GetProperty("resource")))
            {
                resource[key] = value;
            }

            foreach (var scopeSpans in resourceSpans.GetProperty("scopeSpans").EnumerateArray())
            {
                var scope = scopeSpans.GetProperty("scope").GetProperty("name").GetString()!;
                foreach (var span in scopeSpans.GetProperty("spans").EnumerateArray())
                {
                    var links = span.TryGetProperty("links", out var l)
                        ? l.EnumerateArray().Select(x => (x.GetProperty("traceId").GetString()!, x.GetProperty("spanId").GetString()!)).ToList()
                        : [];
                    spans.Add(new ReceivedSpan(
                        scope,
                        span.GetProperty("traceId").GetString()!,
                        span.GetProperty("spanId").GetString()!,
                        span.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } p ? p : null,
                        span.GetProperty("name").GetString()!,
                        span.TryGetProperty("kind", out var kind) ? kind.GetInt32() : 0,
                        Attributes(span),
                        links));
                }
            }
        }

        return (spans, resource);
    }

    public static async Task<IReadOnlyList<ReceivedLog>> LogsAsync(HttpClient api, string path = "/api/telemetry/logs")
    {
        using var document = JsonDocument.Parse(await api.GetStringAsync(path));
        var logs = new List<ReceivedLog>();
        foreach (var resourceLogs in document.RootElement.GetProperty("data").GetProperty("resourceLogs").EnumerateArray())
        {
            foreach (var scopeLogs in resourceLogs.GetProperty("scopeLogs").EnumerateArray())
            {
                var scope = scopeLogs.GetProperty("scope").GetProperty("name").GetString()!;
                foreach (var record in scopeLogs.GetProperty("logRecords").EnumerateArray())
                {
                    logs.Add(new ReceivedLog(
                        scope,
                        record.TryGetProperty("traceId", out var t) && t.GetString() is { Length: > 0 } trace ? trace : null,
                        record.TryGetProperty("spanId", out var s) && s.GetString() is { Length: > 0 } span ? span : null,
                        record.TryGetProperty("eventName", out var e) ? e.GetString() : null,
                        record.TryGetProperty("body", out var body) && body.TryGetProperty("stringValue", out var text) ? text.GetString() ?? string.Empty : string.Empty,
                        Attributes(record)));
                }
            }
        }

        return logs;
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds, for at most <paramref name="timeout"/>; returns the last value read.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value) || limit.Elapsed > timeout)
            {
                return value;
            }

            await Task.Delay(200);
        }
    }

    private static Dictionary<string, string> Attributes(JsonElement owner)
    {
        var attributes = new Dictionary<string, string>();
        if (owner.TryGetProperty("attributes", out var list))
        {
            foreach (var attribute in list.EnumerateArray())
            {
                var value = attribute.GetProperty("value");
                attributes[attribute.GetProperty("key").GetString()!] = value.EnumerateObject().FirstOrDefault() is { Value: var v } ? v.ToString() : string.Empty;
            }
        }

        return attributes;
    }
}
