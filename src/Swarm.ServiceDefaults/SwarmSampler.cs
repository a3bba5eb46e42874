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

    public SwarmSampler(double ratio)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ratio, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ratio, 1);
        Ratio = ratio;
        _ratio = new TraceIdRatioBasedSampler(ratio);
        Description = FormattableString.Invariant($"SwarmSampler{{parent-based; high/critical work kept; ratio {ratio}}}");
    }

    public double Ratio { get; }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var parent = samplingParameters.ParentContext;
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
