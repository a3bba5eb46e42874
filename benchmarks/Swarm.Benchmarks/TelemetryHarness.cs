using Swarm.Domain.Composition;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Swarm.Domain;
using Swarm.Domain.Scrum;
using Swarm.Local;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;

namespace Swarm.Benchmarks;

/// <summary>
/// What telemetry costs the swarm, in one run: the swarm chain at 16 in flight with no telemetry pipeline ("off") and
/// with the full pipeline sampling 100 % and exporting traces, metrics and logs over OTLP/gRPC to a running Aspire
/// dashboard ("on"). Configurations alternate round by round so drift hits both alike; the first round only warms up.
/// The dashboard shares this machine's cores, so beside throughput the harness reports CPU time — the swarm process's
/// and the dashboard's — per chain, and what one chain hands the exporters (<see cref="TelemetryCensus"/>): together
/// they show how much of the ratio is the swarm's own telemetry and how much is the receiver ingesting it.
/// </summary>
public static class TelemetryHarness
{
    private const int InFlight = 16;

    public static async Task<int> RunAsync(string[] args)
    {
        var window = TimeSpan.FromSeconds(BenchmarkArgs.Option(args, "--seconds", 10));
        var rounds = BenchmarkArgs.Option(args, "--rounds", 3);

        var census = await TelemetryCensus.CountAsync(40);
        await using var dashboard = await AspireDashboard.StartAsync();
        using var dashboardProcess = Process.GetProcessById(dashboard.ProcessId);
        Console.WriteLine($"dashboard {dashboard.Frontend} (OTLP/gRPC {dashboard.OtlpGrpc})");

        var off = new List<Sample>();
        var on = new List<Sample>();
        for (var round = 0; round <= rounds; round++)
        {
            var slots = 1000 * round;
            var o = await MeasureAsync(null, window, slots, dashboardProcess);
            var d = await MeasureAsync(dashboard.OtlpGrpc, window, slots + 300, dashboardProcess);
            Console.WriteLine(FormattableString.Invariant(
                $"round {round}{(round == 0 ? " (warm-up)" : string.Empty)}: off {o.Throughput:0.0}, on {d.Throughput:0.0} chains/s; swarm cpu per chain off {o.CpuPerChain:0.00}, on {d.CpuPerChain:0.00} ms; dashboard {d.DashboardCpuPerChain:0.00} ms per chain, busy {d.DashboardCpu / d.Seconds:P0} of a core"));
            if (round > 0)
            {
                off.Add(o);
                on.Add(d);
            }
        }

        using var traces = JsonDocument.Parse(await dashboard.Api.GetStringAsync("/api/telemetry/traces?limit=1"));
        var received = traces.RootElement.GetProperty("totalCount").GetInt32();
        var offCpu = CpuPerChain(off, s => s.Cpu);
        var onCpu = CpuPerChain(on, s => s.Cpu);
        var dashboardCpu = CpuPerChain(on, s => s.DashboardCpu);
        var label = $"swarm-chain {InFlight}-in-flight";
        foreach (var line in new[]
                 {
                     BenchmarkArgs.Figure($"{label} telemetry-off throughput", Throughput(off), "chains/s"),
                     BenchmarkArgs.Figure($"{label} telemetry-on throughput", Throughput(on), "chains/s"),
                     BenchmarkArgs.Figure($"{label} telemetry on/off ratio", Throughput(on) / Throughput(off), "ratio", "0.000"),
                     BenchmarkArgs.Figure($"{label} telemetry-off p95", Percentile(off), "ms"),
                     BenchmarkArgs.Figure($"{label} telemetry-on p95", Percentile(on), "ms"),
                     BenchmarkArgs.Figure("telemetry spans per chain", census.Spans, "spans"),
                     BenchmarkArgs.Figure("telemetry log records per chain", census.Logs, "records"),
                     BenchmarkArgs.Figure($"{label} swarm cpu per chain, telemetry off", offCpu, "ms", "0.00"),
                     BenchmarkArgs.Figure($"{label} swarm cpu per chain, telemetry on", onCpu, "ms", "0.00"),
                     BenchmarkArgs.Figure($"{label} swarm cpu off/on ratio (the swarm's own telemetry cost)", offCpu / onCpu, "ratio", "0.000"),
                     BenchmarkArgs.Figure($"{label} dashboard cpu per chain", dashboardCpu, "ms", "0.00"),
                     BenchmarkArgs.Figure("dashboard cpu per span or log record ingested", 1000 * dashboardCpu / (census.Spans + census.Logs), "µs"),
                     BenchmarkArgs.Figure($"{label} dashboard cpu while receiving", on.Sum(s => s.DashboardCpu) / on.Sum(s => s.Seconds), "cores", "0.00"),
                     BenchmarkArgs.Figure($"{label} cpu-bound ceiling of the ratio, off / (on + dashboard)", offCpu / (onCpu + dashboardCpu), "ratio", "0.000"),
                     BenchmarkArgs.Figure("telemetry traces received by the dashboard", received, "traces", "0"),
                 })
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    private sealed record Sample(int Chains, double Seconds, List<double> Latencies, double Cpu, double DashboardCpu)
    {
        public double Throughput => Chains / Seconds;

        public double CpuPerChain => 1000 * Cpu / Chains;

        public double DashboardCpuPerChain => 1000 * DashboardCpu / Chains;
    }

    private static async Task<Sample> MeasureAsync(Uri? exportTo, TimeSpan window, int slotBase, Process dashboard)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        if (exportTo is not null)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = exportTo.ToString(),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
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

    private static double CpuPerChain(List<Sample> samples, Func<Sample, double> cpu) => 1000 * samples.Sum(cpu) / samples.Sum(s => s.Chains);

    private static double Percentile(List<Sample> samples) =>
        ClosedLoop.Percentile(samples.SelectMany(s => s.Latencies).Order().ToList(), 0.95);
}
