using OpenTelemetry.Trace;
using Swarm.Domain.Telemetry;

namespace Swarm.ServiceDefaults;

/// <summary>
/// Parent-based: a span with a parent follows the parent's decision, remote or local, so a trace is kept or dropped
/// whole. A root is always kept when it starts with <c>swarm.work.priority</c> <c>high</c> or <c>critical</c>
/// among its tags; any other root is kept by trace-id ratio.
/// </summary>
/// <remarks>
/// A span that is not kept is still created, recorded-only and never exported (<see cref="SamplingDecision.RecordOnly"/>),
/// rather than dropped. The SDK creates no span at all for a dropped child of a local span, and the Durable Task SDK
/// then has no context to store with the orchestration it schedules: the orchestration would start a fresh trace,
/// sampled on its own, and fragments of a dropped trace would be exported as traces of their own.
/// </remarks>
public sealed class SwarmSampler : Sampler
{
    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult NotKept = new(SamplingDecision.RecordOnly);

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

        return IsUrgent(samplingParameters.Tags) || _ratio.ShouldSample(samplingParameters).Decision == SamplingDecision.RecordAndSample ? Keep : NotKept;
    }

    private static bool IsUrgent(IEnumerable<KeyValuePair<string, object?>>? tags)
    {
        if (tags is null)
        {
            return false;
        }

        foreach (var (key, value) in tags)
        {
            if (key == SwarmAttributes.WorkPriority && value is string priority)
            {
                return priority.Equals("high", StringComparison.OrdinalIgnoreCase) || priority.Equals("critical", StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }
}
