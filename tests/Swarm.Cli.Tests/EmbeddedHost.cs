using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Swarm.Domain;
using Swarm.Local;
using Swarm.Local.Web;

namespace Swarm.Cli.Tests;

/// <summary>
/// The embedded host in the test process, on a free loopback port, with windows in seconds: objections 3 s (long
/// enough to object from a test), planning 1 s. Telemetry is on (so requests are traced) but exports nowhere.
/// </summary>
public sealed class EmbeddedHost : IAsyncLifetime
{
    private readonly string? _apiKey;
    private WebApplication? _app;

    public EmbeddedHost()
        : this(null)
    {
    }

    private readonly Action<SwarmOptions>? _timers;

    private EmbeddedHost(string? apiKey, Action<SwarmOptions>? timers = null)
    {
        _apiKey = apiKey;
        _timers = timers;
    }

    public string Url { get; private set; } = string.Empty;

    public static async Task<EmbeddedHost> StartAsync(string? apiKey, Action<SwarmOptions>? timers = null)
    {
        var host = new EmbeddedHost(apiKey, timers);
        await host.InitializeAsync();
        return host;
    }

    public static SwarmOptions Timers()
    {
        var options = SwarmOptions.Demo();
        options.Governance.ObjectionWindow = TimeSpan.FromSeconds(3);
        options.Scrum.PlanningWindow = TimeSpan.FromSeconds(1);
        options.Scrum.SprintLength = TimeSpan.FromSeconds(30);
        return options;
    }

    public async Task InitializeAsync()
    {
        _app = SwarmWebApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [SwarmWebApp.PortSetting] = "0",
                [FunctionKeys.Setting] = _apiKey,
                ["Swarm:Telemetry:JsonConsole"] = "false",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
                ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = null,
            });
            builder.Logging.ClearProviders();
            builder.Services.Configure<SwarmOptions>(o =>
            {
                Timers().CopyTo(o);
                _timers?.Invoke(o);
            });
        });
        await _app.StartAsync();
        Url = _app.Urls.Single();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(stopping.Token);
            await _app.DisposeAsync();
        }
    }
}
