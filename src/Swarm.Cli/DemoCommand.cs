using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Spectre.Console;
using Swarm.Domain;
using Swarm.Domain.Telemetry;
using Swarm.Hosting;
using Swarm.Hosting.Demo;
using Swarm.Hosting.Telemetry;

namespace Swarm.Cli;

/// <summary><c>swarm demo</c>: the seed scenario on the embedded backend, narrated as it happens.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var timeout = new Option<int>("--timeout") { Description = "Seconds to allow the whole scenario.", DefaultValueFactory = _ => 120 };
        var command = new Command("demo", "Run the seed scenario (claim → motion → sprint → Lean → process-change vote) on the embedded backend.")
        {
            timeout,
        };
        command.SetAction((parse, ct) => RunAsync(TimeSpan.FromSeconds(parse.GetValue(timeout)), ct));
        return command;
    }

    private static async Task<int> RunAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            AnsiConsole.MarkupLine("[red]--timeout must be a positive number of seconds.[/]");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder();
        // The console shows the narration; the agents' Information logs go to the exporters only.
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Information)
            .AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning);
        // The agents run in this process, as in `swarm up`: they are the local swarm, whatever started them.
        builder.Services.AddSwarmTelemetry(builder.Configuration, "swarm-local", o =>
        {
            o.JsonConsole = false;
            o.Prometheus = false;
        });
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new TransitionNarrator()));
        builder.Services.AddEmbeddedSwarm(builder.Configuration, SwarmOptions.Demo().CopyTo);
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            AnsiConsole.MarkupLine("[bold]Swarm seed scenario[/] — embedded Durable backend, demo timers in seconds");
            AnsiConsole.MarkupLineInterpolated($"[grey]telemetry: {Destinations(host.Services.GetRequiredService<SwarmTelemetryOptions>(), builder.Configuration)}[/]");
            var scenario = host.Services.GetRequiredService<SeedScenario>();
            var started = Stopwatch.GetTimestamp();
            var report = await scenario.RunAsync(
                new Progress<string>(line => AnsiConsole.MarkupLineInterpolated($"[green]»[/] {line}")), timeout, cancellationToken);
            Summarise(report, Stopwatch.GetElapsedTime(started));
            return 0;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]The scenario did not finish within {timeout.TotalSeconds:0} s.[/]");
            return 1;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static string Destinations(SwarmTelemetryOptions options, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        if (options.Disabled)
        {
            return "off (OTEL_SDK_DISABLED)";
        }

        var destinations = new List<string>();
        if (options.OtlpTraces || options.OtlpMetrics || options.OtlpLogs)
        {
            destinations.Add($"OTLP {configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "(per signal)"} ({configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "grpc"})");
        }

        if (options.AzureMonitor)
        {
            destinations.Add("Azure Monitor");
        }

        var sampling = FormattableString.Invariant($"sampling {options.SamplingRatio:P0} of ordinary roots, high/critical always");
        return destinations.Count == 0
            ? $"not exported (set OTEL_EXPORTER_OTLP_ENDPOINT or APPLICATIONINSIGHTS_CONNECTION_STRING); {sampling}"
            : $"{string.Join(" and ", destinations)} as {options.ServiceName}; {sampling}";
    }

    private static void Summarise(ScenarioReport report, TimeSpan elapsed)
    {
        var table = new Table().AddColumn("Agent").AddColumn("Outcome");
        table.AddRow("work", string.Join("\n", report.Work.Select(w =>
            Markup.Escape($"{w.Id} {Naming.Kebab(w.Type)} '{w.Title}': {Naming.Kebab(w.Status)} ({(w.Completion is { } c ? Naming.Kebab(c) : "-")})"))));
        table.AddRow("roberts (approval)", Markup.Escape($"{report.Feature.MotionId}: {report.Feature.Decision}"));
        var review = report.Sprint.Review!;
        table.AddRow("scrum", Markup.Escape(
            $"sprint {report.Sprint.Number}: velocity {review.Velocity} points, defect rate {review.DefectRate:P1} " +
            $"({review.Failed}/{review.Completed}), threshold {review.Threshold:P0}\nretro: {string.Join(" | ", report.Sprint.Improvements)}"));
        var project = report.Project;
        table.AddRow("lean", Markup.Escape(
            $"{project.Id}: {project.Charter.Problem}\nroot causes: {string.Join(", ", project.RootCauses.Select(c => $"{c.Cause} ({c.Count})"))}\n" +
            $"proposal: {project.Proposal?.Title}\noutcome: {project.Outcome}"));
        var tally = report.ProcessChange.Tally;
        table.AddRow("roberts (process change)", Markup.Escape(
            $"{report.ProcessChange.Id}: {Naming.Kebab(report.ProcessChange.Result!.Value)} — " +
            (tally is null ? report.ProcessChange.Reason : $"{tally.Yes} yes, {tally.No} no, {tally.Abstain} abstain, quorum {tally.Quorum}/{tally.BoardSize}, {tally.Threshold}")));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"trace id [bold]{report.TraceId ?? "(not sampled)"}[/] — finished in {elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Prints every agent transition as its span ends, sampled or not: a processor sees every span the pipeline creates.</summary>
    private sealed class TransitionNarrator : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity span)
        {
            if (span.Source.Name != SwarmTelemetry.Name || span.GetTagItem(SwarmAttributes.TransitionTo) is not string to)
            {
                return;
            }

            var from = span.GetTagItem(SwarmAttributes.TransitionFrom) as string;
            var agent = span.GetTagItem(SwarmAttributes.AgentName) as string;
            var subject = span.GetTagItem(SwarmAttributes.MotionId) ?? span.GetTagItem(SwarmAttributes.LeanProjectId)
                ?? span.GetTagItem(SwarmAttributes.WorkId) ?? $"sprint {span.GetTagItem(SwarmAttributes.SprintNumber)}";
            AnsiConsole.MarkupLineInterpolated(
                $"  [grey]{agent,-14}[/] {span.DisplayName,-28} [yellow]{from} → {to}[/] [grey]{subject}[/]");
        }
    }
}
