using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using Swarm.Domain;
using Swarm.Domain.Telemetry;
using Swarm.Hosting;
using Swarm.Hosting.Demo;

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
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddEmbeddedSwarm(builder.Configuration, SwarmOptions.Demo().CopyTo);
        using var transitions = new TransitionNarrator();
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            AnsiConsole.MarkupLine("[bold]Swarm seed scenario[/] — embedded Durable backend, demo timers in seconds");
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

    /// <summary>Prints every agent transition as its span ends, and keeps Durable Task spans alive so the trace propagates.</summary>
    private sealed class TransitionNarrator : IDisposable
    {
        private readonly ActivityListener _listener;

        public TransitionNarrator()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is SwarmTelemetry.Name or "Microsoft.DurableTask",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = Print,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public void Dispose() => _listener.Dispose();

        private static void Print(Activity span)
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
