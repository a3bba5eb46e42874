using System.Net;
using System.Net.Sockets;
using Swarm.Domain.Scrum;
using Swarm.Api.Client;

namespace Swarm.Telemetry.Tests;

public sealed class DegradationTests
{
    public DegradationTests() => AzureMonitorLocal.Ensure();

    [Fact]
    public async Task The_seed_scenario_completes_when_neither_the_OTLP_endpoint_nor_Azure_Monitor_answers()
    {
        var closed = ClosedLoopbackPort();
        using var storage = new TemporaryDirectory();
        var elapsed = Stopwatch.StartNew();
        DemoReport report;
        await using (var host = await TelemetryHost.StartAsync(new()
                     {
                         ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{closed}",
                         ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
                         ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = $"InstrumentationKey={FakeIngestion.InstrumentationKey};IngestionEndpoint=http://127.0.0.1:{closed}/",
                         ["Swarm:Telemetry:AzureMonitorStorageDirectory"] = storage.Path,
                     }))
        {
            report = await host.RunSeedScenarioAsync(TimeSpan.FromSeconds(90));
            host.Flush();
        }

        Assert.Equal(5, report.Work.Count);
        Assert.All(report.Work, w => Assert.Equal(WorkStatus.Completed, w.Status));
        Assert.StartsWith("process change passed", report.Project.Outcome);
        Assert.NotNull(report.TraceId);
        // The demo's own timers account for most of this; exports that cannot connect run beside the workflow, not in it.
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(60), $"took {elapsed.Elapsed}");
        // What Azure Monitor could not deliver waits in the configured directory for the next attempt.
        Assert.True(Directory.Exists(storage.Path) && Directory.EnumerateFiles(storage.Path, "*", SearchOption.AllDirectories).Any(), $"nothing stored under {storage.Path}");
    }

    private static int ClosedLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
