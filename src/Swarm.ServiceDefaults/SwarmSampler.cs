using OpenTelemetry.Trace;
using Swarm.Domain.Telemetry;

namespace Swarm.ServiceDefaults;

/// <summary>
/// Parent-based: a span with a parent follows the parent's decision, remote or local, so a trace is kept or dropped
/// whole. A root is always kept when it starts with <c>swarm.work.priority</c> <c>high</c> or <c>critical</c>
/// among its tags, and marked <c>swarm=keep</c> in its W3C tracestate so that every span of the trace, in any host,
/// is kept by exporters that sample further (<see cref="AzureMonitorSampling"/>); any other root is kept by trace-id ratio.
/// </summary>
/// <remarks>
/// A span that is not kept is still created, recorded-only and never exported (<see cref="SamplingDecision.RecordOnly"/>),
/// rather than dropped. The SDK creates no span at all for a dropped child of a local span, and the Durable Task SDK
/// then has no context to store with the orchestration it schedules: the orchestration would start a fresh trace,
/// sampled on its own, and fragments of a dropped trace would be exported as traces of their own.
/// </remarks>
public sealed class SwarmSampler : Sampler
{
    /// <summary>The tag of the probe span <see cref="SamplerCheck"/> starts to learn whether this sampler is in effect.</summary>
    public const string ProbeTag = "swarm.telemetry.sampler_probe";

    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult KeepMarked = new(SamplingDecision.RecordAndSample, AzureMonitorSampling.KeepTraceState);
    private static readonly SamplingResult NotKept = new(SamplingDecision.RecordOnly);
    private static readonly SamplingResult Dropped = new(SamplingDecision.Drop);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> Probes = new(StringComparer.Ordinal);

    private readonly TraceIdRatioBasedSampler _ratio;

    /// <summary>
    /// <paramref name="ratio"/>: share of ordinary roots kept (0–1). <paramref name="durableTaskClientSpans"/>: keep the
    /// Durable Task SDK's client-side activity spans (<c>activity:X</c>, kind Client) and raised-event spans
    /// (<c>orchestration_event:X</c>, kind Producer); when false (the default of the hosts that parent activity
    /// executions on their orchestration, see <see cref="SwarmTelemetryOptions.DurableTaskClientSpans"/>) they are
    /// dropped before they exist.
    /// </summary>
    public SwarmSampler(double ratio, bool durableTaskClientSpans = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ratio, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ratio, 1);
        Ratio = ratio;
        DurableTaskClientSpans = durableTaskClientSpans;
        _ratio = new TraceIdRatioBasedSampler(ratio);
        Description = FormattableString.Invariant(
            $"SwarmSampler{{parent-based; high/critical work kept; ratio {ratio}{(durableTaskClientSpans ? string.Empty : "; Durable Task client and raised-event spans dropped")}}}");
    }

    public double Ratio { get; }

    /// <summary>Whether the Durable Task SDK's client-side activity and raised-event spans are kept.</summary>
    public bool DurableTaskClientSpans { get; }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var parent = samplingParameters.ParentContext;
        if (!DurableTaskClientSpans && IsDurableTaskPlumbing(samplingParameters.Name, samplingParameters.Kind))
        {
            return Dropped;
        }

        if (parent.TraceId != default)
        {
            return (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? Keep : NotKept;
        }

        var (urgent, probe) = Read(samplingParameters.Tags);
        if (probe is not null)
        {
            // The start-up check's probe: noted, never exported.
            Probes[probe] = 0;
            return Dropped;
        }

        if (urgent)
        {
            return KeepMarked;
        }

        return _ratio.ShouldSample(samplingParameters).Decision == SamplingDecision.RecordAndSample ? Keep : NotKept;
    }

    /// <summary>
    /// The Durable Task SDK's span names (durabletask-dotnet <c>TraceHelper</c>): <c>activity:{name}</c> of kind Client is
    /// the orchestrator's view of a scheduled activity, emitted on replay when the result arrives and spanning schedule to
    /// result; <c>orchestration_event:{name}</c> of kind Producer is a raised event. Neither has children of its own
    /// once activity executions are parented on their orchestration; the execution span (<c>activity:{name}</c>, kind
    /// Server) and the orchestration span carry what they told.
    /// </summary>
    public static bool IsDurableTaskPlumbing(string name, ActivityKind kind) =>
        (kind == ActivityKind.Client && name.StartsWith("activity:", StringComparison.Ordinal))
        || (kind == ActivityKind.Producer && name.StartsWith("orchestration_event:", StringComparison.Ordinal));

    /// <summary>True, once, when a SwarmSampler has seen the probe span tagged <paramref name="probe"/>.</summary>
    public static bool SawProbe(string probe) => Probes.TryRemove(probe, out _);

    private static (bool Urgent, string? Probe) Read(IEnumerable<KeyValuePair<string, object?>>? tags)
    {
        var urgent = false;
        string? probe = null;
        if (tags is null)
        {
            return (urgent, probe);
        }

        foreach (var (key, value) in tags)
        {
            if (key == SwarmAttributes.WorkPriority && value is string priority)
            {
                urgent = priority.Equals("high", StringComparison.OrdinalIgnoreCase) || priority.Equals("critical", StringComparison.OrdinalIgnoreCase);
            }
            else if (key == ProbeTag && value is string id)
            {
                probe = id;
            }
        }

        return (urgent, probe);
    }
}
