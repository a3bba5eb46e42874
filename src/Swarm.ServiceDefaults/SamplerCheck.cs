using System.Reflection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using Swarm.Domain.Telemetry;

namespace Swarm.ServiceDefaults;

/// <summary>
/// Proves at start that <see cref="SwarmSampler"/> is the sampler in effect. A tracer provider has one sampler and the
/// one set last wins, so a library that sets its own — the Azure Monitor exporter's registration installs a rate-limited
/// one (azure-sdk-for-net issue 61703) — silently decides for every exporter. The check starts a probe span that only
/// Swarm's sampler recognises (and drops); if no Swarm sampler saw it, the host logs an error naming the sampler in
/// effect and the health check <c>telemetry</c> — part of <c>GET /api/health</c> — reports <c>degraded</c>.
/// </summary>
public sealed partial class SamplerCheck(IServiceProvider services, ILogger<SamplerCheck> logger) : IHostedService, IHealthCheck
{
    /// <summary>The name of the health check and of the probe span.</summary>
    public const string Name = "telemetry";

    private string? _problem;
    private bool _checked;

    /// <summary>Why telemetry is degraded, or null when Swarm's sampler is in effect (or tracing is off).</summary>
    public string? Problem => _problem;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Check();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs the probe; safe to repeat.</summary>
    public void Check()
    {
        if (services.GetService<TracerProvider>() is not { } provider)
        {
            _checked = true;
            return;
        }

        var probe = Guid.NewGuid().ToString("N");
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            using var span = SwarmTelemetry.Source.StartActivity(
                "swarm.telemetry.sampler_probe", ActivityKind.Internal, default(ActivityContext), [new(SwarmSampler.ProbeTag, probe)]);
        }
        finally
        {
            Activity.Current = previous;
        }

        if (SwarmSampler.SawProbe(probe))
        {
            _problem = null;
        }
        else
        {
            var name = SamplerOf(provider);
            _problem = $"The sampler in effect is {name}, not Swarm's SwarmSampler: a library replaced it after Swarm set it, so it " +
                       "decides which traces every exporter (OTLP and Azure Monitor) receives. Set Swarm's sampler last, or remove the other.";
            SamplerReplaced(logger, name);
        }

        _checked = true;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!_checked)
        {
            Check();
        }

        return Task.FromResult(_problem is null
            ? HealthCheckResult.Healthy("SwarmSampler in effect")
            : HealthCheckResult.Degraded(_problem));
    }

    /// <summary>The sampler's description, read from the SDK's provider (internal property), else its type.</summary>
    private static string SamplerOf(TracerProvider provider)
    {
        var sampler = provider.GetType().GetProperty("Sampler", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)?.GetValue(provider) as Sampler;
        return sampler is null ? "another sampler" : $"{sampler.GetType().Name} ({sampler.Description})";
    }

    [LoggerMessage(1401, LogLevel.Error, "Telemetry sampler replaced: the sampler in effect is {Sampler}, not Swarm's SwarmSampler; it now decides which traces every exporter receives", EventName = "SamplerReplaced")]
    private static partial void SamplerReplaced(ILogger logger, string sampler);
}
