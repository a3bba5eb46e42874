using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Swarm.Domain;
using Swarm.Domain.Scrum;
using Swarm.Domain.Work;
using Swarm.Hosting;
using Swarm.Hosting.Telemetry;

namespace Swarm.Benchmarks;

/// <summary>
/// What telemetry costs the swarm, in one run: the swarm chain at 16 in flight with no telemetry pipeline ("off"), and
/// with the full pipeline sampling 100 % and exporting traces, metrics and logs over OTLP — to a running Aspire
/// dashboard ("on"), and to a receiver that discards what it gets ("on, discarding receiver"), which separates the
/// swarm's own cost from the dashboard's, since both share this machine's cores. Configurations alternate round by
/// round so drift hits all alike; the first round only warms up. CPU time per chain is reported beside throughput
/// because it does not depend on what else the machine is running.
/// </summary>
public static class TelemetryHarness
{
    private const int InFlight = 16;

    public static async Task<int> RunAsync(string[] args)
    {
        var window = TimeSpan.FromSeconds(Option(args, "--seconds", 10));
        var rounds = Option(args, "--rounds", 3);

        await using var dashboard = await AspireDashboard.StartAsync();
        using var dashboardProcess = Process.GetProcessById(dashboard.ProcessId);
        await using var discard = await DiscardingReceiver.StartAsync();
        Console.WriteLine($"dashboard {dashboard.Frontend} (OTLP/gRPC {dashboard.OtlpGrpc}); discarding receiver {discard.Endpoint}");

        var off = new List<Sample>();
        var on = new List<Sample>();
        var onDiscarding = new List<Sample>();
        for (var round = 0; round <= rounds; round++)
        {
            var slots = 1000 * round;
            var o = await MeasureAsync(null, "grpc", window, slots, dashboardProcess);
            var d = await MeasureAsync(dashboard.OtlpGrpc, "grpc", window, slots + 300, dashboardProcess);
            var x = await MeasureAsync(discard.Endpoint, "http/protobuf", window, slots + 600, dashboardProcess);
            Console.WriteLine(FormattableString.Invariant(
                $"round {round}{(round == 0 ? " (warm-up)" : string.Empty)}: off {o.Throughput:0.0}, on {d.Throughput:0.0}, on/discarding {x.Throughput:0.0} chains/s; dashboard busy {d.DashboardCpu / d.Seconds:P0} of a core"));
            if (round > 0)
            {
                off.Add(o);
                on.Add(d);
                onDiscarding.Add(x);
            }
        }

        using var traces = JsonDocument.Parse(await dashboard.Api.GetStringAsync("/api/telemetry/traces?limit=1"));
        var received = traces.RootElement.GetProperty("totalCount").GetInt32();
        var label = $"swarm-chain {InFlight}-in-flight";
        foreach (var line in new[]
                 {
                     Figure($"{label} telemetry-off throughput", Throughput(off), "chains/s"),
                     Figure($"{label} telemetry-on throughput", Throughput(on), "chains/s"),
                     Figure($"{label} telemetry on/off ratio", Throughput(on) / Throughput(off), "ratio", "0.000"),
                     Figure($"{label} telemetry-on (discarding receiver) throughput", Throughput(onDiscarding), "chains/s"),
                     Figure($"{label} telemetry on/off ratio (discarding receiver)", Throughput(onDiscarding) / Throughput(off), "ratio", "0.000"),
                     Figure($"{label} telemetry-off cpu per chain", CpuPerChain(off), "ms"),
                     Figure($"{label} telemetry-on cpu per chain", CpuPerChain(on), "ms"),
                     Figure($"{label} telemetry-on (discarding receiver) cpu per chain", CpuPerChain(onDiscarding), "ms"),
                     Figure($"{label} dashboard cpu while receiving", on.Sum(s => s.DashboardCpu) / on.Sum(s => s.Seconds), "cores", "0.00"),
                     Figure($"{label} telemetry-off p95", Percentile(off), "ms"),
                     Figure($"{label} telemetry-on p95", Percentile(on), "ms"),
                     Figure("telemetry traces received by the dashboard", received, "traces", "0"),
                 })
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    private sealed record Sample(int Chains, double Seconds, List<double> Latencies, double Cpu, double DashboardCpu)
    {
        public double Throughput => Chains / Seconds;
    }

    private static async Task<Sample> MeasureAsync(Uri? exportTo, string protocol, TimeSpan window, int slotBase, Process dashboard)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        if (exportTo is not null)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = exportTo.ToString(),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
                ["OTEL_TRACES_SAMPLER"] = "always_on",
            });
            // The agents' logs are part of "fully on"; the console stays at warnings so it does not measure the terminal.
            builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning);
            builder.Services.AddSwarmTelemetry(builder.Configuration, "swarm-bench", o => o.JsonConsole = false);
        }

        builder.Services.AddEmbeddedSwarm(configureSwarm: SwarmChain.Configure);
        using var host = builder.Build();
        await host.StartAsync();
        var commands = host.Services.GetRequiredService<SwarmCommands>();
        var client = host.Services.GetRequiredService<DurableTaskClient>();
        await ClosedLoop.RunAsync(InFlight, TimeSpan.FromSeconds(2), (slot, i) => SwarmChain.RunOnceAsync(commands, client, slotBase + 100 + slot, i));

        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        dashboard.Refresh();
        var dashboardCpu = dashboard.TotalProcessorTime;
        var (chains, seconds, latencies) = await ClosedLoop.RunAsync(InFlight, window, (slot, i) => SwarmChain.RunOnceAsync(commands, client, slotBase + slot, i));
        self.Refresh();
        dashboard.Refresh();
        var sample = new Sample(chains, seconds, latencies, (self.TotalProcessorTime - cpu).TotalSeconds, (dashboard.TotalProcessorTime - dashboardCpu).TotalSeconds);
        await host.StopAsync();
        return sample;
    }

    private static double Throughput(List<Sample> samples) => samples.Sum(s => s.Chains) / samples.Sum(s => s.Seconds);

    private static double CpuPerChain(List<Sample> samples) => 1000 * samples.Sum(s => s.Cpu) / samples.Sum(s => s.Chains);

    private static double Percentile(List<Sample> samples) =>
        ClosedLoop.Percentile(samples.SelectMany(s => s.Latencies).Order().ToList(), 0.95);

    private static string Figure(string name, double value, string unit, string format = "0.0") =>
        $"figure: {name} = {value.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} {unit}";

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) ? value : fallback;
    }

    /// <summary>An OTLP/HTTP receiver that accepts every export and keeps nothing: the cheapest receiver there can be.</summary>
    private sealed class DiscardingReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private DiscardingReceiver(WebApplication app, Uri endpoint)
        {
            _app = app;
            Endpoint = endpoint;
        }

        public Uri Endpoint { get; }

        public static async Task<DiscardingReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            // An empty body is a valid Export*ServiceResponse in protobuf.
            app.MapPost("/v1/{signal}", async (HttpRequest request) =>
            {
                await request.Body.CopyToAsync(Stream.Null);
                return Results.Bytes([], "application/x-protobuf");
            });
            await app.StartAsync();
            return new DiscardingReceiver(app, new Uri(app.Urls.First()));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
