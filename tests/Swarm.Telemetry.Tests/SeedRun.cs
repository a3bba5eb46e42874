using System.Net.Http.Headers;
using Swarm.Api.Client;
using Swarm.Local.Durable;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;

namespace Swarm.Telemetry.Tests;

/// <summary>
/// The seed scenario once, on the embedded host exporting OTLP over gRPC to a real receiver (the Aspire dashboard),
/// with what the receiver returned and what <c>/metrics</c> served at the end.
/// </summary>
public sealed class SeedRun : IAsyncLifetime
{
    private AspireDashboard? _dashboard;

    /// <summary>The board the host's spans link to (<c>Swarm:Telemetry:BoardUrl</c>).</summary>
    public const string Board = "http://127.0.0.1:7071/board/";

    public AspireDashboard Dashboard => _dashboard!;
    public DemoReport Report { get; private set; } = null!;
    public int SidecarPort { get; private set; }
    public int HostPort { get; private set; }
    public string Metrics { get; private set; } = string.Empty;
    public string OpenMetrics { get; private set; } = string.Empty;
    public IReadOnlyList<ReceivedSpan> Trace { get; private set; } = [];
    public IReadOnlyDictionary<string, string> Resource { get; private set; } = new Dictionary<string, string>();
    public IReadOnlyList<ReceivedSpan> AllSpans { get; private set; } = [];
    public IReadOnlyList<ReceivedLog> Logs { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _dashboard = await AspireDashboard.StartAsync(startTimeout: TimeSpan.FromSeconds(60));
        await using (var host = await TelemetryHost.StartAsync(new()
                     {
                         ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Dashboard.OtlpGrpc.ToString(),
                         ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
                         ["Swarm:Telemetry:BoardUrl"] = Board,
                     }))
        {
            SidecarPort = host.Services.GetRequiredService<EmbeddedDurableBackend>().Port;
            HostPort = host.Address.Port;
            Report = await host.RunSeedScenarioAsync(TimeSpan.FromSeconds(90));

            using var http = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(10) };
            Metrics = await http.GetStringAsync(SwarmTelemetryHosting.MetricsPath);
            using var openMetrics = new HttpRequestMessage(HttpMethod.Get, SwarmTelemetryHosting.MetricsPath);
            openMetrics.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/openmetrics-text; version=1.0.0"));
            using var response = await http.SendAsync(openMetrics);
            OpenMetrics = await response.Content.ReadAsStringAsync();
            host.Flush();
        }

        var api = Dashboard.Api;
        var traceId = Report.TraceId ?? throw new InvalidOperationException("The seed scenario's root span was not sampled.");
        (Trace, Resource) = await Otlp.EventuallyAsync(
            () => Otlp.TracesAsync(api, $"/api/telemetry/traces/{traceId}"),
            t => t.Spans.Any(s => s.Name == "lean.project.close") && t.Spans.Any(s => s.Name == "orchestration:LeanProjectOrchestrator"),
            TimeSpan.FromSeconds(20));
        AllSpans = (await Otlp.TracesAsync(api, "/api/telemetry/traces")).Spans;
        Logs = await Otlp.LogsAsync(api);
    }

    public async Task DisposeAsync()
    {
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }
    }
}
