using OpenTelemetry;
using OpenTelemetry.Logs;

namespace Swarm.ServiceDefaults;

/// <summary>
/// Azure Monitor's share of the traces Swarm keeps. OTLP receives every sampled trace; Azure Monitor receives a trace
/// when it is marked <c>swarm=keep</c> in its W3C tracestate (high or critical work, marked at the root by
/// <see cref="SwarmSampler"/> and carried by every hop: HTTP, the Durable Task SDK, Service Bus application properties)
/// or when its trace id's sampling score is below the share. The score is the one Application Insights SDKs and the
/// Azure Monitor exporter's own <c>ApplicationInsightsSampler</c> compute — DJB2 over the trace id's upper-case hex,
/// made non-negative and divided by <see cref="int.MaxValue"/> — so every host decides the same way for the same trace
/// and a trace reaches Azure Monitor whole or not at all.
/// </summary>
/// <remarks>
/// Items of traces kept by the share carry the envelope field <c>sampleRate</c> (a percentage: 100 × the host's ratio ×
/// the share), from which Application Insights extrapolates counts (<c>itemCount</c> = 100 / sampleRate); items of
/// <c>swarm=keep</c> traces were kept with certainty and carry none. Log envelopes carry none (the exporter sets it
/// on spans only).
/// Log records follow their trace: a record in a span that is not sampled, or in a trace outside the share, is not sent;
/// a record outside any trace is always sent. Metrics are never sampled.
/// </remarks>
public static class AzureMonitorSampling
{
    /// <summary>The tracestate member marking a trace every exporter keeps whatever its ratio: <c>swarm=keep</c>.</summary>
    public const string KeepTraceState = "swarm=keep";

    /// <summary>The Application Insights sampling score of a trace id, in [0, 1].</summary>
    public static double Score(ActivityTraceId traceId)
    {
        Span<char> hex = stackalloc char[32];
        traceId.ToHexString().AsSpan().ToUpperInvariant(hex);
        var hash = 5381;
        foreach (var c in hex)
        {
            hash = unchecked((hash << 5) + hash + c);
        }

        hash = hash == int.MinValue ? int.MaxValue : Math.Abs(hash);
        return (double)hash / int.MaxValue;
    }

    /// <summary>True when <paramref name="traceState"/> (a W3C tracestate header value) holds the member <c>swarm=keep</c>.</summary>
    public static bool MarkedKeep(string? traceState)
    {
        if (string.IsNullOrEmpty(traceState))
        {
            return false;
        }

        foreach (var member in traceState.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (member.Equals(KeepTraceState, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a trace with this id and tracestate goes to Azure Monitor under <paramref name="share"/> (0–1).</summary>
    public static bool Keeps(ActivityTraceId traceId, string? traceState, double share) =>
        share >= 1 || MarkedKeep(traceState) || (share > 0 && Score(traceId) < share);

    /// <summary>
    /// The share processor inside a plain <see cref="CompositeProcessor{T}"/>, which is what a provider should be given:
    /// a provider whose first processor is a composite appends every later processor (the OTLP exporter's, for one) to
    /// that composite, and a share processor there would filter them too. The provider's parent-provider reference still
    /// reaches the exporter through both composites, so Azure Monitor gets the resource (cloud role name, version).
    /// </summary>
    public static CompositeProcessor<T> Wrap<T>(CompositeProcessor<T> share) where T : class => new([share]);

    /// <summary>
    /// The span processor in front of Azure Monitor: spans of <c>swarm=keep</c> traces go to <paramref name="certain"/>
    /// (an exporter whose items carry no sample rate: they were kept with certainty), spans of traces under the share to
    /// <paramref name="sampled"/> (an exporter created with <c>SamplingRatio</c> = the host's ratio × the share, which it
    /// stamps on every envelope as <c>sampleRate</c>), and the rest nowhere. The Azure Monitor exporter takes one sample
    /// rate per exporter instance, hence two.
    /// </summary>
    public sealed class TraceShare(BaseProcessor<Activity> certain, BaseProcessor<Activity> sampled, double share)
        : CompositeProcessor<Activity>([certain, sampled])
    {
        /// <summary>Share of sampled traces sent, 0–1.</summary>
        public double Share { get; } = share;

        public override void OnStart(Activity data)
        {
            // The export processors act at end only.
        }

        public override void OnEnd(Activity data)
        {
            if (!data.Recorded)
            {
                return;
            }

            if (MarkedKeep(data.TraceStateString))
            {
                certain.OnEnd(data);
            }
            else if (Share > 0 && Score(data.TraceId) < Share)
            {
                sampled.OnEnd(data);
            }
        }
    }

    /// <summary>The log processor in front of Azure Monitor's: a record follows the decision taken for its trace.</summary>
    public sealed class LogShare(BaseProcessor<LogRecord> export, double share) : CompositeProcessor<LogRecord>([export])
    {
        public double Share { get; } = share;

        public override void OnEnd(LogRecord data)
        {
            if (data.TraceId == default)
            {
                base.OnEnd(data);
                return;
            }

            if ((data.TraceFlags & ActivityTraceFlags.Recorded) == 0)
            {
                return;
            }

            // A record is emitted inside its span, so the span's tracestate is at hand while the record is processed.
            var traceState = Activity.Current is { } current && current.TraceId == data.TraceId ? current.TraceStateString : null;
            if (Keeps(data.TraceId, traceState, Share))
            {
                base.OnEnd(data);
            }
        }
    }
}
