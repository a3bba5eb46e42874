using Swarm.Domain.Composition;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
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
/// category and level — counted by processors on the real pipeline, one chain after another — and the bytes that
/// leaves the process per chain: OTLP/HTTP protobuf bodies (traces and logs) and Azure Monitor's track request bodies
/// (NDJSON, sent uncompressed by exporter 1.10), as received by a local endpoint that counts request bodies.
/// </summary>
public static class TelemetryCensus
{
    /// <summary>Per-chain counts: items, and bytes sent (OTLP trace and log request bodies; Azure Monitor track bodies, all signals).</summary>
    public sealed record Result(
        double Spans,
        double Logs,
        IReadOnlyDictionary<string, double> SpansByName,
        IReadOnlyDictionary<string, double> LogsByCategory,
        double OtlpTraceBytes = 0,
        double OtlpLogBytes = 0,
        double AzureMonitorBytes = 0);

    public static async Task<int> RunAsync(string[] args)
    {
        var result = await CountAsync(Math.Max(1, BenchmarkArgs.Option(args, "--chains", 40)));
        Print("spans", result.Spans, result.SpansByName);
        Print("log records", result.Logs, result.LogsByCategory);
        Console.WriteLine(BenchmarkArgs.Figure("telemetry otlp trace bytes per chain", result.OtlpTraceBytes, "bytes", "0"));
        Console.WriteLine(BenchmarkArgs.Figure("telemetry otlp log bytes per chain", result.OtlpLogBytes, "bytes", "0"));
        Console.WriteLine(BenchmarkArgs.Figure("telemetry azure monitor track bytes per chain", result.AzureMonitorBytes, "bytes", "0"));
        return 0;
    }

    /// <summary>Runs <paramref name="chains"/> chains one after another (after a short warm-up) and returns the per-chain counts.</summary>
    public static async Task<Result> CountAsync(int chains)
    {
        var spans = new ConcurrentDictionary<string, int>();
        var logs = new ConcurrentDictionary<string, int>();
        await using var receiver = await ByteCounter.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Information);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_TRACES_SAMPLER"] = "always_on",
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = $"{receiver.Address}v1/traces",
            ["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"] = $"{receiver.Address}v1/logs",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = $"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint={receiver.Address}",
        });
        Environment.SetEnvironmentVariable("APPLICATIONINSIGHTS_STATSBEAT_DISABLED", "true");
        Environment.SetEnvironmentVariable("APPLICATIONINSIGHTS_SDKSTATS_DISABLED", "true");
        builder.Services.AddSwarmTelemetry(builder.Configuration, "swarm-census", o => o.JsonConsole = false);
        // Counted as exported: recorded spans, except the counting endpoint's own requests.
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(new Count<Activity>(
            a => a.Recorded && a.Source.Name != "Microsoft.AspNetCore" ? $"{a.Source.Name} {a.Kind} {a.DisplayName}" : null, spans)));
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

        Flush(host.Services);
        spans.Clear();
        logs.Clear();
        receiver.Reset();
        for (var i = 0; i < chains; i++)
        {
            await SwarmChain.RunOnceAsync(commands, client, 1, i);
        }

        Flush(host.Services);
        await host.StopAsync();
        return new Result(
            spans.Values.Sum() / (double)chains,
            logs.Values.Sum() / (double)chains,
            spans.ToDictionary(c => c.Key, c => c.Value / (double)chains),
            logs.ToDictionary(c => c.Key, c => c.Value / (double)chains),
            receiver.Bytes("/v1/traces") / (double)chains,
            receiver.Bytes("/v1/logs") / (double)chains,
            receiver.Bytes("/v2.1/track") / (double)chains);
    }

    private static void Flush(IServiceProvider services)
    {
        services.GetService<TracerProvider>()?.ForceFlush(10_000);
        services.GetService<LoggerProvider>()?.ForceFlush(10_000);
    }

    private static void Print(string what, double perChain, IReadOnlyDictionary<string, double> counts)
    {
        Console.WriteLine(BenchmarkArgs.Figure($"telemetry {what} per chain", perChain, what));
        foreach (var (name, count) in counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal))
        {
            Console.WriteLine(FormattableString.Invariant($"  {count,6:0.00}  {name}"));
        }
    }

    private sealed class Count<T>(Func<T, string?> key, ConcurrentDictionary<string, int> counts) : BaseProcessor<T>
    {
        public override void OnEnd(T data)
        {
            if (key(data) is { } name)
            {
                counts.AddOrUpdate(name, 1, (_, n) => n + 1);
            }
        }
    }

    /// <summary>A loopback HTTP endpoint that answers every POST with success and counts the bytes of each path's request bodies.</summary>
    private sealed class ByteCounter : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

        private ByteCounter(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<ByteCounter> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            ByteCounter? counter = null;
            app.MapPost("/{**path}", async (HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                counter!._bytes.AddOrUpdate(request.Path.Value ?? "/", body.Length, (_, n) => n + body.Length);
                if (!request.Path.StartsWithSegments("/v2.1/track"))
                {
                    return Results.Bytes([], "application/x-protobuf");
                }

                // Azure Monitor sends NDJSON (gzip'd if it ever compresses) and retries what the answer does not count as accepted.
                body.Position = 0;
                using var reader = new StreamReader(request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase)
                    ? new System.IO.Compression.GZipStream(body, System.IO.Compression.CompressionMode.Decompress)
                    : body);
                var items = 0;
                while (await reader.ReadLineAsync() is { } line)
                {
                    items += line.Length > 0 ? 1 : 0;
                }

                return Results.Json(new { itemsReceived = items, itemsAccepted = items, errors = Array.Empty<object>() });
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            counter = new ByteCounter(app, new Uri(address + "/"));
            return counter;
        }

        public long Bytes(string path) => _bytes.GetValueOrDefault(path);

        public void Reset() => _bytes.Clear();

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
