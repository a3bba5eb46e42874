using Microsoft.Extensions.Configuration;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Swarm.Domain;
using Swarm.Domain.Telemetry;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;

namespace Swarm.Telemetry.Tests;

public sealed class AzureMonitorTests
{
    public AzureMonitorTests() => AzureMonitorLocal.Ensure();

    [Fact]
    public async Task Azure_Monitor_export_delivers_requests_dependencies_messages_and_metrics_in_its_track_format()
    {
        await using var ingestion = await FakeIngestion.StartAsync();
        using var storage = new TemporaryDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(TelemetryHost.Isolated(new()
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ingestion.ConnectionString,
            ["Swarm:Telemetry:AzureMonitorStorageDirectory"] = storage.Path,
        })).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSwarmTelemetry(configuration, "swarm-functions", o =>
        {
            o.JsonConsole = false;
            o.Prometheus = false;
        });
        await using (var provider = services.BuildServiceProvider())
        {
            var tracer = provider.GetRequiredService<TracerProvider>();
            var meter = provider.GetRequiredService<MeterProvider>();
            var logger = provider.GetRequiredService<ILogger<AzureMonitorTests>>();
            using (var request = SwarmTelemetry.Source.StartActivity("POST /api/work", ActivityKind.Server, parentContext: default))
            {
                using var command = CommandTelemetry.Start(logger, "scrum.work.claim", Framework.Scrum, "work item am-1");
                command.Transitioned(new Transition("none", "claimed"));
            }

            Assert.True(tracer.ForceFlush(10_000));
            Assert.True(meter.ForceFlush(10_000));
            Assert.True(provider.GetRequiredService<LoggerProvider>().ForceFlush(10_000));

            var names = await Otlp.EventuallyAsync(
                () => Task.FromResult(ingestion.Names),
                n => new[] { "Request", "RemoteDependency", "Message", "Metric" }.All(n.Contains),
                TimeSpan.FromSeconds(20));
            Assert.Contains("Request", names);
            Assert.Contains("RemoteDependency", names);
            Assert.Contains("Message", names);
            Assert.Contains("Metric", names);
        }

        var envelopes = ingestion.Envelopes;
        Assert.All(envelopes, e => Assert.Equal(FakeIngestion.InstrumentationKey, e.GetProperty("iKey").GetString()));
        var dependency = envelopes.First(e => e.GetProperty("name").GetString() == "RemoteDependency");
        Assert.Equal("scrum.work.claim", dependency.GetProperty("data").GetProperty("baseData").GetProperty("name").GetString());
        Assert.Equal("[swarm]/swarm-functions", dependency.GetProperty("tags").GetProperty("ai.cloud.role").GetString());
        var message = envelopes.First(e => e.GetProperty("name").GetString() == "Message");
        Assert.Equal(dependency.GetProperty("tags").GetProperty("ai.operation.id").GetString(), message.GetProperty("tags").GetProperty("ai.operation.id").GetString());
        Assert.Contains(envelopes, e => e.GetProperty("name").GetString() == "Metric"
            && e.GetProperty("data").GetProperty("baseData").GetProperty("metrics")[0].GetProperty("name").GetString() == "swarm.agent.state_transitions");
    }

    [Fact]
    public void An_Entra_authentication_string_selects_a_managed_identity()
    {
        Assert.Null(AzureMonitorCredential.From(null));
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(AzureMonitorCredential.From("Authorization=AAD"));
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(AzureMonitorCredential.From("Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000002"));
        Assert.Throws<InvalidOperationException>(() => AzureMonitorCredential.From("Authorization=Basic"));
    }
}

/// <summary>The Azure Monitor exporter reports its own health to a fixed Microsoft endpoint unless told not to; tests stay on this machine.</summary>
public static class AzureMonitorLocal
{
    public static void Ensure()
    {
        Environment.SetEnvironmentVariable("APPLICATIONINSIGHTS_STATSBEAT_DISABLED", "true");
        Environment.SetEnvironmentVariable("APPLICATIONINSIGHTS_SDKSTATS_DISABLED", "true");
    }
}

/// <summary>A directory of its own under the temp folder, deleted with everything in it on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"swarm-am-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
