using System.CommandLine;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Trace;
using Swarm.Cli.Client;
using Swarm.Cli.Local;
using Swarm.Cli.Output;
using Swarm.Domain;
using Swarm.Domain.Telemetry;
using Swarm.Local;
using Swarm.Api.Client;
using Swarm.Local.Web;

namespace Swarm.Cli.Commands;

/// <summary>
/// <c>swarm demo</c>: the seed scenario over the HTTP API — against the host at <c>--url</c> when one answers
/// (<c>swarm up --demo-timers</c>), else against an embedded host this command starts for the run.
/// </summary>
public static class DemoCommand
{
    public static Command Create(CliContext cli)
    {
        var timeout = new Option<int>("--timeout") { Description = "Seconds to allow the whole scenario", DefaultValueFactory = _ => 120 };
        var team = new Option<string>("--team")
        {
            Description = $"The team that runs it (the seed's is {SeedScenario.Team}, from sprint 42 with demo timers; another team keeps runs apart)",
            DefaultValueFactory = _ => SeedScenario.Team,
        };
        var command = new Command(
            "demo",
            "Run the seed scenario (claim → motion → sprint → Lean → process-change vote) against the host at --url, or an embedded one when none answers.")
        {
            timeout, team,
        };
        command.SetAction(async (parse, ct) =>
        {
            var seconds = parse.GetValue(timeout);
            if (seconds <= 0)
            {
                throw new UsageException("--timeout", $"--timeout: {seconds} is not a positive number of seconds.");
            }

            var teamName = (parse.GetValue(team) ?? SeedScenario.Team).Trim().ToLowerInvariant();
            if (!Swarm.Domain.Scrum.TeamName.IsValid(teamName))
            {
                throw new UsageException("--team", $"--team: '{parse.GetValue(team)}' must be 1-40 characters of a-z, 0-9 and '-'.");
            }

            var scenario = new ScenarioRun(teamName, TimeSpan.FromSeconds(seconds), parse.GetValue(cli.Json));
            var url = cli.UrlOf(parse);
            var unreachable = await ProbeAsync(url, cli.KeyOf(parse), ct);
            if (unreachable is null)
            {
                return await cli.RunClientAsync(
                    parse,
                    "swarm.cli.demo",
                    (call, token) => RunScenarioAsync(call.Api, call.Io, scenario, call.Stack?.Dashboard, remote: true, token),
                    ct,
                    tags: scenario.RootTags,
                    // A host that restarts mid-run (swarm up killed and started again) resumes the run where it was.
                    retryUnreachableFor: scenario.Timeout);
            }

            if (!LocalStack.IsLoopback(url))
            {
                throw unreachable;
            }

            return await RunEmbeddedAsync(cli, scenario, ct);
        });
        return command;
    }

    /// <summary>No host answers: one is started in this process for the run, with demo timers, narrating its agents' transitions.</summary>
    private static async Task<int> RunEmbeddedAsync(CliContext cli, ScenarioRun scenario, CancellationToken cancellationToken)
    {
        var io = cli.Io;
        var app = SwarmWebApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [SwarmWebApp.PortSetting] = "0",
                ["Swarm:Telemetry:JsonConsole"] = "false",
                ["Swarm:Telemetry:Prometheus"] = "false",
            });
            builder.Logging.ClearProviders().AddSimpleConsole().AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning)
                // The sidecar warns of races the agents settle by design (an orchestration already started by a concurrent hand-off).
                .AddFilter<ConsoleLoggerProvider>("Microsoft.DurableTask", LogLevel.Error);
            builder.Services.AddSingleton<IHostLifetime, OwnerStoppedLifetime>();
            builder.Services.Configure<SwarmOptions>(SwarmOptions.Demo().CopyTo);
            if (!scenario.Json)
            {
                builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new TransitionNarrator(io.Out, timestamps: false)));
            }
        });
        await app.StartAsync(cancellationToken);
        try
        {
            var url = new Uri(app.Urls.First());
            if (!scenario.Json)
            {
                io.Out.MarkupLineInterpolated($"[grey]no swarm answers at the URL given; started an embedded host for this run at {url} (demo timers)[/]");
            }

            using var api = new SwarmApiClient(url, null);
            // The embedded host's pipeline (swarm-local) records this span too: the agents and the driver are one local swarm.
            using var span = CliTelemetry.StartCommand("swarm.cli.demo", scenario.RootTags);
            return await RunScenarioAsync(api, io, scenario, null, remote: false, cancellationToken);
        }
        finally
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await app.StopAsync(stopping.Token);
            await app.DisposeAsync();
        }
    }

    private static async Task<int> RunScenarioAsync(
        SwarmApiClient api, Output.CliIo io, ScenarioRun scenario, Uri? dashboard, bool remote, CancellationToken cancellationToken)
    {
        var (team, timeout, json) = (scenario.Team, scenario.Timeout, scenario.Json);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var step = "starting";
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Against swarm up with Alertmanager the loop goes on past the vote: HighDefectRate → a remediation.
            var alerts = remote ? await AlertLoopWatch.StartAsync(api, team, deadline.Token) : null;
            async Task<DemoReport> RunAsync(Action<string> line, Action<string> waiting)
            {
                var done = await new SeedScenario(api, team, line, waiting).RunAsync(deadline.Token);
                if (alerts is null)
                {
                    return done;
                }

                waiting($"prometheus: waiting for {AlertLoopWatch.Alert} of team {team} and alertmanager's delivery…");
                return done with { Remediation = await alerts.WaitAsync(line, deadline.Token) };
            }

            DemoReport report;
            if (json)
            {
                report = await RunAsync(_ => { }, text => step = text);
            }
            else
            {
                io.Out.MarkupLineInterpolated($"[bold]Swarm seed scenario[/] — team {team}, over the API at {api.ApiRoot}");
                // Each milestone whole on one line (a log or pipe keeps it greppable; a terminal wraps it if it must).
                void Milestone(string line) => io.Out.Write(Unwrapped.Line($"[green]»[/] {Markup.Escape(line)}"));
                report = io.Out.Profile.Capabilities.Interactive
                    ? await io.Out.Status().StartAsync("claiming the scenario's work…", status => RunAsync(
                        Milestone,
                        text =>
                        {
                            step = text;
                            status.Status(Markup.Escape(text));
                        }))
                    // No spinner in a log or pipe: what the scenario waits for, each on a whole line of its own.
                    : await RunAsync(
                        Milestone,
                        text =>
                        {
                            step = text;
                            io.Out.Write(Unwrapped.Line($"[grey]… {Markup.Escape(text)}[/]"));
                        });
                if (alerts is null && remote)
                {
                    io.Out.MarkupLine("[grey]this host runs no Alertmanager (swarm up --no-alerting, or not swarm up): the alert → remediation end of the loop is left out[/]");
                }
            }

            if (json)
            {
                io.OutWriter.WriteLine(JsonSerializer.Serialize(report, Swarm.Domain.Events.SwarmJson.Options));
                return ExitCodes.Ok;
            }

            Summarise(io, report, dashboard, Stopwatch.GetElapsedTime(started));
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            io.Fail($"swarm: the scenario did not finish within {timeout.TotalSeconds:0} s; it was waiting for: {step}");
            if (remote)
            {
                if (step.Contains(" in review", StringComparison.Ordinal))
                {
                    // The usual cause on a demo-timers host: the team's sprint also holds an item someone else claimed.
                    io.Hint($"A sprint ends early only once every item in it is done: an item in it that the demo did not claim (swarm work list --team {team}) " +
                            "keeps it open to the end of its window (swarm agents shows when). Complete that item, run the demo for another team (--team), or allow more time (--timeout).");
                }

                if (step.StartsWith("prometheus:", StringComparison.Ordinal))
                {
                    // The scenario itself finished, so the host's windows are not the cause: the alert did not arrive.
                    io.Hint($"The scenario's own steps (sprint, Lean project, vote) are done; only the alert did not arrive. Prometheus's alerts page (its address is in swarm up's table) shows whether " +
                            $"{AlertLoopWatch.Alert} of team {team} fired, Alertmanager's whether it was sent, and `swarm remediations --team {team}` whether " +
                            "the swarm received it. A delivery lost while swarm up was down is sent again only while the rule still fires (20 s with demo " +
                            "timers); `swarm demo` again fails another item.");
                }
                else
                {
                    io.Hint("A host running production windows (days) cannot finish it: start it with `swarm up --demo-timers`, or run `swarm demo` with no host up.");
                }
            }

            return ExitCodes.Failure;
        }
    }

    /// <summary>Null when a host answers <c>GET /api/health</c> at <paramref name="url"/>; else why not.</summary>
    private static async Task<ServerUnreachableException?> ProbeAsync(Uri url, string? key, CancellationToken cancellationToken)
    {
        using var probe = new SwarmApiClient(url, key, TimeSpan.FromSeconds(5));
        try
        {
            await probe.GetAsync("health", cancellationToken);
            return null;
        }
        catch (ServerUnreachableException error)
        {
            return error;
        }
    }

    private static void Summarise(Output.CliIo io, DemoReport report, Uri? dashboard, TimeSpan elapsed)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("agent").AddColumn("outcome");
        table.AddRow("work", string.Join("\n", report.Work.Select(w =>
            Markup.Escape($"{w.Id} {Naming.Kebab(w.Type)} '{w.Title}': {Naming.Kebab(w.Status)} ({(w.Completion is { } c ? Naming.Kebab(c) : "-")})"))));
        table.AddRow("roberts (approval)", Markup.Escape($"{report.Feature.MotionId}: {report.Feature.Decision}"));
        var sprint = report.Sprint;
        table.AddRow("scrum", Markup.Escape(string.Create(
            CultureInfo.InvariantCulture,
            $"sprint {sprint.Number}: velocity {Render.Points(sprint.Velocity)}, defect rate {sprint.DefectRate:P1} ({sprint.Failed}/{sprint.Completed})")));
        table.AddRow("lean", Markup.Escape($"{report.Project.Id}: {Naming.Kebab(report.Project.Phase)}"));
        table.AddRow("roberts (process change)", Markup.Escape($"{report.ProcessChangeMotionId}: {(report.Ballots.Count > 0 ? string.Join(", ", report.Ballots) : "no ballots (closed before the vote)")}\n{report.Project.Outcome}"));
        if (report.Remediation is { } incident)
        {
            table.AddRow("remediation", Markup.Escape(
                $"{incident.Id}: {incident.Alert} → {Naming.Kebab(incident.Policy)}, {Naming.Kebab(incident.State)}" +
                (incident.LeanProjectId is { } project ? $"\nLean project {project}" : string.Empty) +
                (Render.Escalation(incident) is { } escalation ? $"\n{escalation}" : string.Empty)));
        }

        io.Out.Write(table);
        io.Out.MarkupLineInterpolated($"trace id [bold]{report.TraceId ?? "(not sampled)"}[/] — finished in {elapsed.TotalSeconds:0.0} s");
        if (dashboard is not null && report.TraceId is { } traceId)
        {
            io.Out.MarkupLine("[grey]in the dashboard:[/]");
            io.Out.Write(Unwrapped.Line($"[link]{Markup.Escape(new Uri(dashboard, $"traces/detail/{traceId}").ToString())}[/]"));
        }
    }

    private sealed record ScenarioRun(string Team, TimeSpan Timeout, bool Json)
    {
        /// <summary>The scenario's work is high priority, said at the start where the sampler reads it: the demo's trace is always kept.</summary>
        public KeyValuePair<string, object?>[] RootTags => SeedScenario.RootTags(Team);
    }
}
