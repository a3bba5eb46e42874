using Swarm.Domain.Composition;
using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Domain;
using Swarm.Domain.Scrum;
using Swarm.Local;
using Swarm.Local.Durable;

namespace Swarm.Benchmarks;

/// <summary>
/// Throughput and latency on the embedded backend (<c>--backend memory|azurite</c>), side by side in one run: (a) a
/// bare five-activity orchestration and (b) the full swarm chain, each at 1 and at 16 in flight; on Azurite also (c)
/// the same bare chain on the Durable Task Framework's own worker and client without the sidecar, with the provider's
/// defaults and with extended sessions, and the ratios.
/// </summary>
public static class ThroughputHarness
{
    private const string BareChain = "BareChain";
    private const string Echo = "Echo";

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchmarkArgs.Option(args, "--seconds", 10);
        var window = TimeSpan.FromSeconds(seconds);
        var figures = new List<string>();
        await using var backend = await BenchmarkBackend.StartAsync(args);
        figures.Add($"figure: backend = {backend.Name}");

        // The sidecar as the host runs it, and on Azurite also without extended sessions (the proxy then releases every
        // session after one episode, as the sidecar's dispatcher does by itself), for their side-by-side ratio.
        var variants = backend.ConnectionString is null
            ? new[] { ("bare-chain", (TimeSpan?)null) }
            : [("bare-chain", null), ("bare-chain-no-sessions", TimeSpan.Zero)];
        foreach (var (name, idle) in variants)
        {
            using var bare = await StartAsync(services => services.AddEmbeddedDurableTask(
                registry =>
                {
                    registry.AddOrchestratorFunc<int, int>(BareChain, async (context, input) =>
                    {
                        var value = input;
                        for (var i = 0; i < 5; i++)
                        {
                            value = await context.CallActivityAsync<int>(Echo, value + 1);
                        }

                        return value;
                    });
                    registry.AddActivityFunc<int, int>(Echo, (_, value) => value);
                },
                options =>
                {
                    backend.Configure(options);
                    if (idle is { } timeout && options.AzureStorage is { } storageOptions)
                    {
                        storageOptions.ExtendedSessionIdleTimeout = timeout;
                    }
                }));
            var client = bare.Services.GetRequiredService<DurableTaskClient>();
            Func<int, int, Task> bareOnce = async (slot, iteration) =>
            {
                var id = await client.ScheduleNewOrchestrationInstanceAsync(BareChain, iteration);
                var done = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: false);
                if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
                {
                    throw new InvalidOperationException($"bare chain {id} ended {done.RuntimeStatus}");
                }
            };
            figures.Add(await WarmUpAsync(name, bareOnce));
            figures.AddRange(await MeasureAsync(name, 1, window, bareOnce, "orchestrations"));
            figures.AddRange(await MeasureAsync(name, 16, window, bareOnce, "orchestrations"));
            await bare.StopAsync();
        }

        if (backend.ConnectionString is { } storage)
        {
            // The same chain on the provider with the Durable Task Framework's own worker and client: the baseline, with
            // the provider's defaults (no extended sessions, as Durable Functions ships) and with extended sessions.
            foreach (var (name, sessions) in new[] { ("raw-dtfx-chain", false), ("raw-dtfx-sessions-chain", true) })
            {
                await using var raw = await RawAzureStorageChain.StartAsync(storage, backend.Polling, sessions, backend.Partitions);
                Func<int, int, Task> rawOnce = (_, iteration) => raw.RunOnceAsync(iteration);
                figures.Add(await WarmUpAsync(name, rawOnce));
                figures.AddRange(await MeasureAsync(name, 1, window, rawOnce, "orchestrations"));
                figures.AddRange(await MeasureAsync(name, 16, window, rawOnce, "orchestrations"));
            }
        }

        using (var swarm = await StartAsync(services => services.AddEmbeddedSwarm(configureSwarm: SwarmChain.Configure, configureBackend: backend.Configure)))
        {
            var commands = swarm.Services.GetRequiredService<SwarmCommands>();
            var client = swarm.Services.GetRequiredService<DurableTaskClient>();
            Func<int, int, Task> chainOnce = (slot, iteration) => SwarmChain.RunOnceAsync(commands, client, slot, iteration);
            await MeasureAsync("swarm-chain", 16, TimeSpan.FromSeconds(4), (slot, i) => chainOnce(100 + slot, i), null);
            figures.AddRange(await MeasureAsync("swarm-chain", 1, window, chainOnce, "chains"));
            figures.AddRange(await MeasureAsync("swarm-chain", 16, window, (slot, i) => chainOnce(200 + slot, i), "chains"));
            await swarm.StopAsync();
        }

        foreach (var figure in figures)
        {
            Console.WriteLine(figure);
        }

        if (Throughput(figures, "bare-chain 16-in-flight") is { } sidecar)
        {
            if (Throughput(figures, "raw-dtfx-chain 16-in-flight") is { } baseline)
            {
                Console.WriteLine(BenchmarkArgs.Figure("sidecar / raw throughput 16-in-flight", sidecar / baseline, "ratio", "0.00"));
            }

            if (Throughput(figures, "bare-chain-no-sessions 16-in-flight") is { } released)
            {
                Console.WriteLine(BenchmarkArgs.Figure("sidecar with / without extended sessions throughput 16-in-flight", sidecar / released, "ratio", "0.00"));
            }

            if (Throughput(figures, "raw-dtfx-sessions-chain 16-in-flight") is { } sessions)
            {
                Console.WriteLine(BenchmarkArgs.Figure("sidecar / raw-with-extended-sessions throughput 16-in-flight", sidecar / sessions, "ratio", "0.00"));
            }
        }

        return 0;
    }

    /// <summary>
    /// Runs the case at 16 in flight in rounds of 2 s until the JIT settles — the process spent under 40 ms compiling in
    /// the last round (2 % of one core), at most 20 rounds — then 1 s at 1 in flight. With a fixed 4 s warm-up, tiered
    /// compilation still took about 28 % of both cores while the first case was measured (perf), which favoured the
    /// cases measured later; Azurite's own JIT and the connection pools warm up in the same rounds.
    /// </summary>
    private static async Task<string> WarmUpAsync(string name, Func<int, int, Task> once)
    {
        var started = Stopwatch.StartNew();
        for (var round = 0; round < 20; round++)
        {
            var compiling = System.Runtime.JitInfo.GetCompilationTime();
            await MeasureAsync(name, 16, TimeSpan.FromSeconds(2), once, null);
            if (System.Runtime.JitInfo.GetCompilationTime() - compiling < TimeSpan.FromMilliseconds(40))
            {
                break;
            }
        }

        await MeasureAsync(name, 1, TimeSpan.FromSeconds(1), once, null);
        return BenchmarkArgs.Figure($"{name} warm-up", started.Elapsed.TotalSeconds, "s", "0");
    }

    private static double? Throughput(IEnumerable<string> figures, string label) =>
        figures.FirstOrDefault(f => f.StartsWith($"figure: {label} throughput = ", StringComparison.Ordinal)) is { } line
            ? double.Parse(line.Split(" = ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)
            : null;

    private static async Task<IReadOnlyList<string>> MeasureAsync(string name, int inFlight, TimeSpan window, Func<int, int, Task> once, string? unit)
    {
        var (runs, seconds, latencies) = await ClosedLoop.RunAsync(inFlight, window, once);
        if (unit is null)
        {
            return [];
        }

        var label = $"{name} {inFlight}-in-flight";
        return
        [
            $"figure: {label} throughput = {runs / seconds:0.0} {unit}/s",
            $"figure: {label} p50 = {ClosedLoop.Percentile(latencies, 0.50):0.00} ms",
            $"figure: {label} p95 = {ClosedLoop.Percentile(latencies, 0.95):0.00} ms",
            $"figure: {label} samples = {runs} runs",
        ];
    }

    private static async Task<IHost> StartAsync(Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        configure(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
