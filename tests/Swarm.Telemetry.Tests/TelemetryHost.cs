using Swarm.Local.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Swarm.Domain;
using Swarm.Local;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;
using Swarm.Api;
using Swarm.Api.Client;
using Swarm.Domain.Telemetry;

namespace Swarm.Telemetry.Tests;

/// <summary>The embedded host as <c>swarm up</c> composes it: the Swarm telemetry pipeline, <c>/metrics</c>, <c>/api</c> and the embedded swarm on 127.0.0.1.</summary>
public sealed class TelemetryHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TelemetryHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }
    public IServiceProvider Services => _app.Services;

    /// <summary>Settings no ambient OTEL_* variable of the machine running the tests may override.</summary>
    public static Dictionary<string, string?> Isolated(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = null,
            ["OTEL_SERVICE_NAME"] = null,
            ["OTEL_TRACES_SAMPLER"] = null,
            ["OTEL_TRACES_SAMPLER_ARG"] = null,
            ["OTEL_RESOURCE_ATTRIBUTES"] = null,
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = null,
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        return all;
    }

    public static async Task<TelemetryHost> StartAsync(
        Dictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        Action<SwarmTelemetryOptions>? telemetry = null,
        Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(Isolated(settings));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Information);
        builder.Services.AddLocalSwarmTelemetry(builder.Configuration, "swarm-local", o =>
        {
            o.JsonConsole = false;
            telemetry?.Invoke(o);
        });
        builder.Services.AddEmbeddedSwarm(configureSwarm: SwarmOptions.Demo().CopyTo);
        builder.Services.AddSwarmApi();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapSwarmMetrics();
        app.MapSwarmApi();
        map?.Invoke(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TelemetryHost(app, new Uri(address));
    }

    /// <summary>
    /// The seed scenario over this host's API, under a root span <c>swarm.demo.seed_scenario</c> of the Swarm source
    /// (high priority, so the sampler keeps it); fails after <paramref name="timeout"/>.
    /// </summary>
    public async Task<DemoReport> RunSeedScenarioAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var api = new SwarmApiClient(Address, null);
        using var root = SwarmTelemetry.Source.StartActivity(
            "swarm.demo.seed_scenario", ActivityKind.Client, parentContext: default, SeedScenario.RootTags(SeedScenario.Team));
        return await new SeedScenario(api, SeedScenario.Team).RunAsync(deadline.Token);
    }

    /// <summary>Hands every finished span and log record to the exporters now rather than at the next batch.</summary>
    public void Flush()
    {
        Services.GetService<TracerProvider>()?.ForceFlush(10_000);
        Services.GetService<LoggerProvider>()?.ForceFlush(10_000);
        Services.GetService<MeterProvider>()?.ForceFlush(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}
