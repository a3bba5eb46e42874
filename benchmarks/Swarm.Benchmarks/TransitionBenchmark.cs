using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Swarm.Domain.Roberts;
using Swarm.Domain.Telemetry;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;

namespace Swarm.Benchmarks;

/// <summary>
/// One instrumented agent transition as the agents make it — <see cref="CommandTelemetry.Start"/>, <c>Transitioned</c>,
/// <c>Dispose</c>: a span, three instruments and a log record — through the real Swarm pipeline sampling everything,
/// with batch export processors in front of exporters that discard, so the cost measured is the process's, not a network's.
/// </summary>
[MemoryDiagnoser]
public class TransitionBenchmark
{
    private ServiceProvider? _provider;
    private ILogger _logger = null!;

    [GlobalSetup]
    public void Setup()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = "always_on" }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Information));
        services.AddSwarmTelemetry(configuration, "swarm-bench", o => o.JsonConsole = false);
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new BatchActivityExportProcessor(new Discard<Activity>())));
        services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddProcessor(new BatchLogRecordExportProcessor(new Discard<LogRecord>())));
        _provider = services.BuildServiceProvider();
        _ = _provider.GetRequiredService<TracerProvider>();
        _ = _provider.GetRequiredService<MeterProvider>();
        _logger = _provider.GetRequiredService<ILogger<TransitionBenchmark>>();
    }

    [GlobalCleanup]
    public void Cleanup() => _provider?.Dispose();

    [Benchmark]
    public void Transition()
    {
        using var command = CommandTelemetry.Start(_logger, "roberts.motion.open", Framework.Roberts, "motion m-1");
        command.Transitioned(MotionState.Idle, MotionState.MotionOpen);
    }

    public static int Run(string[] args)
    {
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(20))
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<TransitionBenchmark>(config, args);
        var report = summary.Reports.SingleOrDefault();
        if (report?.ResultStatistics is not { } statistics)
        {
            Console.Error.WriteLine("the transition benchmark produced no result");
            return 1;
        }

        Console.WriteLine(FormattableString.Invariant($"figure: instrumented transition time = {statistics.Mean / 1000:0.000} µs"));
        Console.WriteLine(FormattableString.Invariant($"figure: instrumented transition allocated = {report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0} bytes"));
        return 0;
    }

    private sealed class Discard<T> : BaseExporter<T>
        where T : class
    {
        public override ExportResult Export(in Batch<T> batch) => ExportResult.Success;
    }
}
