namespace Swarm.Board;

/// <summary>Where the board reads and acts: a Swarm API (the local host's own, or a Functions app's) and the trace UI its links open.</summary>
public sealed class BoardOptions
{
    /// <summary>The configuration section: <c>Swarm:Board</c>.</summary>
    public const string Section = "Swarm:Board";

    /// <summary>The Swarm API's base URL (<c>http://127.0.0.1:7071/</c>, or <c>https://app.azurewebsites.net/</c>); <c>/api</c> is appended.</summary>
    public Uri ApiUrl { get; set; } = new("http://127.0.0.1:7071/");

    /// <summary>The function key (or the local host's <c>Swarm:ApiKey</c>), sent as <c>x-functions-key</c>; null when the API needs none.</summary>
    public string? Key { get; set; }

    /// <summary>The trace UI a trace link opens: the Aspire dashboard (<c>{url}traces/detail/{traceId}</c>); null hides the links.</summary>
    public Uri? TraceUiUrl { get; set; }

    /// <summary>How often an open page re-reads the API, in milliseconds (default 2,000; at least 500).</summary>
    public int RefreshMilliseconds { get; set; } = 2_000;

    /// <summary>
    /// The trace UI's page of <paramref name="traceId"/> with <paramref name="spanId"/> selected when given
    /// (<c>traces/detail/{traceId}?spanId={spanId}</c>, the Aspire dashboard's trace detail URL), or null without a
    /// trace UI or a trace id.
    /// </summary>
    public string? TraceLink(string? traceId, string? spanId = null) =>
        TraceUiUrl is null || string.IsNullOrWhiteSpace(traceId)
            ? null
            : new Uri(TraceUiUrl, string.IsNullOrWhiteSpace(spanId)
                ? $"traces/detail/{Uri.EscapeDataString(traceId)}"
                : $"traces/detail/{Uri.EscapeDataString(traceId)}?spanId={Uri.EscapeDataString(spanId)}").ToString();
}
