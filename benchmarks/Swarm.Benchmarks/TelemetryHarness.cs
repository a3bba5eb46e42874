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
/// dashboard ("on"). Configurations alternate round by round so drift hits both alike; the first <c>--warmup</c> rounds
/// (default 2: in one round the "on" code paths are still being compiled up the JIT's tiers, and the second round ran
/// about 60 % above the steady state's CPU per chain in a six-round run) only warm up.
/// The headline is the swarm process's own CPU time per chain, off vs on (efficiency off/on, target ≥ 0.95), with the
/// items and bytes one chain exports (<see cref="TelemetryCensus"/>). The dashboard shares this machine's two cores, so
/// the throughput ratio mostly measures the receiver's ingest; it is printed after the headline, as information.
/// </summary>
public static class TelemetryHarness
{
    private static int InFlight = 16;

    public static async Task<int> RunAsync(string[] args)
    {
        var window = TimeSpan.FromSeconds(BenchmarkArgs.Option(args, "--seconds", 10));
        var rounds = BenchmarkArgs.Option(args, "--rounds", 3);
        var warmup = Math.Max(1, BenchmarkArgs.Option(args, "--warmup", 2));
        InFlight = Math.Max(1, BenchmarkArgs.Option(args, "--in-flight", 16));

        // --signals traces,logs,metrics (default: all three) exports only those over OTLP in the "on" runs against the
        // null sink, so that what each signal costs can be measured on its own.
        var at = Array.IndexOf(args, "--signals");
        var signals = at >= 0 && at + 1 < args.Length
            ? args[at + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : ["traces", "logs", "metrics"];
        Console.WriteLine($"signals exported in the null-sink runs: {string.Join(", ", signals)}");
        var census = await TelemetryCensus.CountAsync(40);

        // The headline: off vs on with a receiver that costs next to nothing (a Node process that reads and discards
        // OTLP/HTTP bodies), so the swarm's CPU per chain is its own, not the receiver's contention.
        List<Sample> sinkOff, sinkOn;
        await using (var sink = await NullOtlpSink.StartAsync())
        {
            (sinkOff, sinkOn) = await AlternateAsync(
                "null-sink",
                warmup,
                rounds,
                0,
                (slots, on) => on
                    ? MeasureAsync(sink.Endpoint, window, slots, dashboard: null, protocol: "http/protobuf", signals)
                    : MeasureAsync(null, window, slots, dashboard: null),
                d => string.Empty);
        }

        var offCpu = CpuPerChain(sinkOff, s => s.Cpu);
        var onCpu = CpuPerChain(sinkOn, s => s.Cpu);
        var efficiency = sinkOff.Zip(sinkOn, (o, d) => o.CpuPerChain / d.CpuPerChain).Order().ToList();
        var label = $"swarm-chain {InFlight}-in-flight";
        if (args.Contains("--no-dashboard"))
        {
            // The headline alone, without the information part (the Aspire dashboard as the receiver).
            foreach (var line in Headline())
            {
                Console.WriteLine(line);
            }

            return 0;
        }

        // Information: the Aspire dashboard as the receiver, on the same two cores.
        await using var dashboard = await AspireDashboard.StartAsync();
        using var dashboardProcess = Process.GetProcessById(dashboard.ProcessId);
        Console.WriteLine($"dashboard {dashboard.Frontend} (OTLP/gRPC {dashboard.OtlpGrpc})");
        var (off, on) = await AlternateAsync(
            "dashboard",
            warmup,
            rounds,
            10_000,
            (slots, on) => MeasureAsync(on ? dashboard.OtlpGrpc : null, window, slots, dashboardProcess),
            d => FormattableString.Invariant($"; dashboard {d.DashboardCpuPerChain:0.00} ms per chain, busy {d.DashboardCpu / d.Seconds:P0} of a core"));

        using var traces = JsonDocument.Parse(await dashboard.Api.GetStringAsync("/api/telemetry/traces?limit=1"));
        var received = traces.RootElement.GetProperty("totalCount").GetInt32();
        var dashboardCpu = CpuPerChain(on, s => s.DashboardCpu);
        foreach (var line in Headline().Concat(new[]
                 {
                     BenchmarkArgs.Figure($"{label} swarm cpu per chain, telemetry on to the dashboard (same cores)", CpuPerChain(on, s => s.Cpu), "ms", "0.00"),
                     // Information: the receiver on the same cores.
                     BenchmarkArgs.Figure($"{label} telemetry-off throughput", Throughput(off), "chains/s"),
                     BenchmarkArgs.Figure($"{label} telemetry-on throughput (dashboard on the same cores)", Throughput(on), "chains/s"),
                     BenchmarkArgs.Figure($"{label} telemetry on/off throughput ratio (information)", Throughput(on) / Throughput(off), "ratio", "0.000"),
                     BenchmarkArgs.Figure($"{label} telemetry-off p95", Percentile(off), "ms"),
                     BenchmarkArgs.Figure($"{label} telemetry-on p95", Percentile(on), "ms"),
                     BenchmarkArgs.Figure($"{label} dashboard cpu per chain", dashboardCpu, "ms", "0.00"),
                     BenchmarkArgs.Figure("dashboard cpu per span or log record ingested", 1000 * dashboardCpu / (census.Spans + census.Logs), "µs"),
                     BenchmarkArgs.Figure($"{label} dashboard cpu while receiving", on.Sum(s => s.DashboardCpu) / on.Sum(s => s.Seconds), "cores", "0.00"),
                     BenchmarkArgs.Figure("telemetry traces received by the dashboard", received, "traces", "0"),
                 }))
        {
            Console.WriteLine(line);
        }

        return 0;

        // The headline: the swarm's own telemetry cost.
        IEnumerable<string> Headline() =>
        [
            BenchmarkArgs.Figure($"{label} swarm cpu per chain, telemetry off", offCpu, "ms", "0.00"),
            BenchmarkArgs.Figure($"{label} swarm cpu per chain, telemetry on", onCpu, "ms", "0.00"),
            BenchmarkArgs.Figure($"{label} swarm cpu efficiency off/on (target >= 0.95)", offCpu / onCpu, "ratio", "0.000"),
            BenchmarkArgs.Figure($"{label} swarm cpu efficiency off/on, median of rounds", efficiency[efficiency.Count / 2], "ratio", "0.000"),
            Interval($"{label} swarm cpu efficiency off/on", efficiency),
            BenchmarkArgs.Figure("telemetry spans per chain", census.Spans, "spans"),
            BenchmarkArgs.Figure("telemetry log records per chain", census.Logs, "records"),
            BenchmarkArgs.Figure("telemetry otlp bytes per chain (traces + logs, protobuf)", census.OtlpTraceBytes + census.OtlpLogBytes, "bytes", "0"),
            BenchmarkArgs.Figure("telemetry azure monitor bytes per chain (track NDJSON)", census.AzureMonitorBytes, "bytes", "0"),
        ];
    }

    /// <summary>
    /// <paramref name="warmup"/> rounds, then <paramref name="rounds"/> measured ones, each measuring telemetry off and
    /// then on; returns the samples of the measured rounds. Each round's chains use their own slots, from <paramref name="slotBase"/>.
    /// </summary>
    private static async Task<(List<Sample> Off, List<Sample> On)> AlternateAsync(
        string label, int warmup, int rounds, int slotBase, Func<int, bool, Task<Sample>> measure, Func<Sample, string> more)
    {
        var off = new List<Sample>();
        var on = new List<Sample>();
        var round = 0;
        async Task<(Sample Off, Sample On)> PairAsync(string tag)
        {
            var slots = slotBase + (1000 * ++round);
            var o = await measure(slots, false);
            var d = await measure(slots + 300, true);
            Console.WriteLine(FormattableString.Invariant(
                $"{label} round {round}{tag}: off {o.Throughput:0.0}, on {d.Throughput:0.0} chains/s; swarm cpu per chain off {o.CpuPerChain:0.00}, on {d.CpuPerChain:0.00} ms; jit off {o.Jit.TotalMilliseconds:0}, on {d.Jit.TotalMilliseconds:0} ms; reads per chain off {(double)o.Reads / o.Chains:0.0}, on {(double)d.Reads / d.Chains:0.0}; gc off {o.Gc.PerChain(o.Chains)}, on {d.Gc.PerChain(d.Chains)}; kernel off {o.Usage.PerChain(o.Chains)}, on {d.Usage.PerChain(d.Chains)}{more(d)}"));
            return (o, d);
        }

        // Warm-up rounds: at least `warmup`, and more (up to 6 in all) while either configuration still spent over 100 ms
        // of a round compiling — the JIT's cost is the process's start-up, not the chains'.
        for (var settled = false; round < warmup || (!settled && round < Math.Max(warmup, 6));)
        {
            var (o, d) = await PairAsync(" (warm-up)");
            settled = o.Jit < TimeSpan.FromMilliseconds(100) && d.Jit < TimeSpan.FromMilliseconds(100);
        }

        while (off.Count < rounds)
        {
            var (o, d) = await PairAsync(string.Empty);
            off.Add(o);
            on.Add(d);
        }

        return (off, on);
    }

    private sealed record Sample(int Chains, double Seconds, List<double> Latencies, double Cpu, double DashboardCpu)
    {
        /// <summary>Time the process spent compiling methods (all threads) while the sample was measured.</summary>
        public TimeSpan Jit { get; init; }

        /// <summary>What the garbage collector did while the sample was measured.</summary>
        public GcSnapshot Gc { get; init; }

        /// <summary>Kernel time and context switches of the process (all threads) while the sample was measured.</summary>
        public ResourceUsage Usage { get; init; }

        /// <summary>State reads the chains' waits made while the sample was measured.</summary>
        public long Reads { get; init; }

        public double Throughput => Chains / Seconds;

        public double CpuPerChain => 1000 * Cpu / Chains;

        public double DashboardCpuPerChain => 1000 * DashboardCpu / Chains;
    }

    private static async Task<Sample> MeasureAsync(
        Uri? exportTo, TimeSpan window, int slotBase, Process? dashboard, string protocol = "grpc", string[]? signals = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        if (exportTo is not null)
        {
            var settings = new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
                ["OTEL_TRACES_SAMPLER"] = "always_on",
            };
            if (signals is null || signals.Length == 3)
            {
                settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = exportTo.ToString();
            }
            else
            {
                // Each chosen signal to its own OTLP/HTTP path; the others are not exported at all.
                foreach (var signal in signals)
                {
                    settings[$"OTEL_EXPORTER_OTLP_{signal.ToUpperInvariant()}_ENDPOINT"] = $"{exportTo}v1/{signal}";
                }
            }

            builder.Configuration.AddInMemoryCollection(settings);
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
        dashboard?.Refresh();
        var dashboardCpu = dashboard?.TotalProcessorTime ?? TimeSpan.Zero;
        var compiling = System.Runtime.JitInfo.GetCompilationTime();
        var reads = SwarmChain.Reads;
        var gc = GcSnapshot.Take();
        var usage = ResourceUsage.Take();
        var (chains, seconds, latencies) = await ClosedLoop.RunAsync(InFlight, window, (slot, i) => SwarmChain.RunOnceAsync(commands, client, slotBase + slot, i));
        self.Refresh();
        dashboard?.Refresh();
        var sample = new Sample(chains, seconds, latencies, (self.TotalProcessorTime - cpu).TotalSeconds, ((dashboard?.TotalProcessorTime ?? TimeSpan.Zero) - dashboardCpu).TotalSeconds)
        {
            Jit = System.Runtime.JitInfo.GetCompilationTime() - compiling,
            Reads = SwarmChain.Reads - reads,
            Gc = GcSnapshot.Take() - gc,
            Usage = ResourceUsage.Take() - usage,
        };
        await host.StopAsync();
        return sample;
    }

    /// <summary>
    /// getrusage(2) of the whole process: CPU time in the kernel and context switches, voluntary (a thread waited) and
    /// involuntary (preempted); Linux x64 layout of <c>struct rusage</c> as 18 longs. Zero elsewhere.
    /// </summary>
    private readonly record struct ResourceUsage(TimeSpan Kernel, long Voluntary, long Involuntary)
    {
        public static ResourceUsage Take()
        {
            var usage = new long[18];
            if (!OperatingSystem.IsLinux() || getrusage(0, usage) != 0)
            {
                return default;
            }

            return new(TimeSpan.FromSeconds(usage[2]) + TimeSpan.FromMicroseconds(usage[3]), usage[16], usage[17]);
        }

        public static ResourceUsage operator -(ResourceUsage a, ResourceUsage b) =>
            new(a.Kernel - b.Kernel, a.Voluntary - b.Voluntary, a.Involuntary - b.Involuntary);

        /// <summary>Kernel ms and context switches (voluntary + involuntary) per chain.</summary>
        public string PerChain(int chains) => FormattableString.Invariant(
            $"{Kernel.TotalMilliseconds / chains:0.00} ms/chain, switches {(double)Voluntary / chains:0.0}+{(double)Involuntary / chains:0.0}/chain");

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
        private static extern int getrusage(int who, long[] usage);
    }

    /// <summary>Counters of the garbage collector: bytes allocated, collections by generation, time paused.</summary>
    private readonly record struct GcSnapshot(long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Paused)
    {
        public static GcSnapshot Take() => new(
            GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

        public static GcSnapshot operator -(GcSnapshot a, GcSnapshot b) =>
            new(a.Allocated - b.Allocated, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Paused - b.Paused);

        /// <summary>Allocated KiB and paused ms per chain, and the collections of the sample by generation.</summary>
        public string PerChain(int chains) => FormattableString.Invariant(
            $"{Allocated / 1024.0 / chains:0} KiB/chain, paused {Paused.TotalMilliseconds / chains:0.00} ms/chain, gen0/1/2 {Gen0}/{Gen1}/{Gen2}");
    }

    /// <summary>
    /// The 95 % confidence interval of the mean of the rounds' ratios (Student's t with n − 1 degrees of freedom), so that
    /// a headline is read with the spread of its own run: one round of this chain varies by about ±10 % on two cores.
    /// </summary>
    private static string Interval(string name, IReadOnlyList<double> ratios)
    {
        if (ratios.Count < 2)
        {
            return $"figure: {name}, 95 % interval of the mean round = n/a (one round)";
        }

        // Student's t(0.975, df) for df = 1..30 (standard tables); above 30 the normal quantile 1.96 (at most 0.06 low).
        double[] t =
        [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ];
        var n = ratios.Count;
        var mean = ratios.Average();
        var sd = Math.Sqrt(ratios.Sum(r => (r - mean) * (r - mean)) / (n - 1));
        var half = (n - 1 <= t.Length ? t[n - 2] : 1.96) * sd / Math.Sqrt(n);
        return FormattableString.Invariant($"figure: {name}, 95 % interval of the mean round = {mean - half:0.000}-{mean + half:0.000} ratio (mean {mean:0.000}, {n} rounds)");
    }

    private static double Throughput(List<Sample> samples) => samples.Sum(s => s.Chains) / samples.Sum(s => s.Seconds);

    private static double CpuPerChain(List<Sample> samples, Func<Sample, double> cpu) => 1000 * samples.Sum(cpu) / samples.Sum(s => s.Chains);

    private static double Percentile(List<Sample> samples) =>
        ClosedLoop.Percentile(samples.SelectMany(s => s.Latencies).Order().ToList(), 0.95);

    /// <summary>
    /// An OTLP/HTTP receiver that reads each request body and answers 200 with an empty body, in a Node process of its
    /// own on 127.0.0.1 (Node is a prerequisite of the repository's scripts); stopped with its process tree on dispose.
    /// </summary>
    private sealed class NullOtlpSink : IAsyncDisposable
    {
        private const string Script = "const s=require('http').createServer((q,r)=>{q.on('data',()=>{});q.on('end',()=>{r.writeHead(200,{'content-type':'application/x-protobuf'});r.end();});});s.listen(0,'127.0.0.1',()=>console.log(s.address().port));";

        private readonly Process _process;

        private NullOtlpSink(Process process, Uri endpoint)
        {
            _process = process;
            Endpoint = endpoint;
        }

        public Uri Endpoint { get; }

        public static async Task<NullOtlpSink> StartAsync()
        {
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add(Script);
            var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var port = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the OTLP sink printed no port");
            return new NullOtlpSink(process, new Uri($"http://127.0.0.1:{port.Trim()}/"));
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
