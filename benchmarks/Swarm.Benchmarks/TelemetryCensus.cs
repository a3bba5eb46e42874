using Swarm.Domain.Composition;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
using Swarm.Domain;
using Swarm.Local;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;

namespace Swarm.Benchmarks;

/// <summary>
/// What one swarm chain hands the exporters with telemetry fully on: spans by source, kind and name, log records by
/// category and level — counted by processors on the real pipeline, one chain after another.
/// </summary>
public static class TelemetryCensus
{
    public sealed record Result(double Spans, double Logs, IReadOnlyDictionary<string, double> SpansByName, IReadOnlyDictionary<string, double> LogsByCategory);

    public static async Task<int> RunAsync(string[] args)
    {
        var result = await CountAsync(Math.Max(1, BenchmarkArgs.Option(args, "--chains", 40)));
        Print("spans", result.Spans, result.SpansByName);
        Print("log records", result.Logs, result.LogsByCategory);
        return 0;
    }

    /// <summary>Runs <paramref name="chains"/> chains one after another (after a short warm-up) and returns the per-chain counts.</summary>
    public static async Task<Result> CountAsync(int chains)
    {
        var spans = new ConcurrentDictionary<string, int>();
        var logs = new ConcurrentDictionary<string, int>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Information);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = "always_on" });
        builder.Services.AddSwarmTelemetry(builder.Configuration, "swarm-census", o => o.JsonConsole = false);
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(new Count<Activity>(a => $"{a.Source.Name} {a.Kind} {a.DisplayName}", spans)));
        builder.Services.ConfigureOpenTelemetryLoggerProvider(l => l.AddProcessor(new Count<LogRecord>(r => $"{r.CategoryName} {r.LogLevel}", logs)));
        builder.Services.AddEmbeddedSwarm(configureSwarm: SwarmChain.Configure);
        using var host = builder.Build();
        await host.StartAsync();
        var commands = host.Services.GetRequiredService<SwarmCommands>();
        var client = host.Services.GetRequiredService<DurableTaskClient>();
        for (var i = 0; i < 3; i++)
        {
            await SwarmChain.RunOnceAsync(commands, client, 0, i);
        }

        spans.Clear();
        logs.Clear();
        for (var i = 0; i < chains; i++)
        {
            await SwarmChain.RunOnceAsync(commands, client, 1, i);
        }

        await host.StopAsync();
        return new Result(
            spans.Values.Sum() / (double)chains,
            logs.Values.Sum() / (double)chains,
            spans.ToDictionary(c => c.Key, c => c.Value / (double)chains),
            logs.ToDictionary(c => c.Key, c => c.Value / (double)chains));
    }

    private static void Print(string what, double perChain, IReadOnlyDictionary<string, double> counts)
    {
        Console.WriteLine(BenchmarkArgs.Figure($"telemetry {what} per chain", perChain, what));
        foreach (var (name, count) in counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal))
        {
            Console.WriteLine(FormattableString.Invariant($"  {count,6:0.00}  {name}"));
        }
    }

    private sealed class Count<T>(Func<T, string> key, ConcurrentDictionary<string, int> counts) : BaseProcessor<T>
    {
        public override void OnEnd(T data) => counts.AddOrUpdate(key(data), 1, (_, n) => n + 1);
    }
}
