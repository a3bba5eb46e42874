using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Trace;
using Swarm.Cli.Client;
using Swarm.Cli.Local;
using Swarm.Cli.Output;
using Swarm.Domain;
using Swarm.Local;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;
using Swarm.Local.Web;

namespace Swarm.Cli.Commands;

/// <summary>
/// <c>swarm up</c>: the local stack in one command — the embedded host (the Functions app's <c>/api</c> routes, the
/// embedded Durable backend, the in-process bus) on <c>127.0.0.1</c>, and the Aspire dashboard as its OTLP receiver and
/// telemetry UI. Ctrl+C (or SIGTERM) stops both and removes what they left.
/// </summary>
public static class UpCommand
{
    public const int DefaultDashboardPort = 18888;
    public const int DefaultOtlpPort = 18889;
    public const int DefaultOtlpHttpPort = 18890;

    public static Command Create(CliContext cli)
    {
        var port = new Option<int>("--port") { Description = "API port on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => SwarmWebApp.DefaultPort };
        var dashboardPort = new Option<int>("--dashboard-port") { Description = "Dashboard UI and telemetry API port (0 picks a free one)", DefaultValueFactory = _ => DefaultDashboardPort };
        var otlpPort = new Option<int>("--otlp-port") { Description = "Dashboard OTLP/gRPC port (0 picks a free one)", DefaultValueFactory = _ => DefaultOtlpPort };
        var otlpHttpPort = new Option<int>("--otlp-http-port") { Description = "Dashboard OTLP/HTTP port (0 picks a free one)", DefaultValueFactory = _ => DefaultOtlpHttpPort };
        var noDashboard = new Option<bool>("--no-dashboard") { Description = "Do not start the dashboard (telemetry goes where OTEL_EXPORTER_OTLP_ENDPOINT says, or nowhere)" };
        var demoTimers = new Option<bool>("--demo-timers")
        {
            Description = "Governance and Scrum windows in seconds (objection 2 s, planning 4 s, sprints 60 s; team alpha from sprint 42), as `swarm demo` needs",
        };
        var apiKey = new Option<string?>("--api-key") { Description = $"Require this function key on every route but health [{FunctionKeys.Setting}]" };
        var command = new Command("up", "Run the local stack: the API on 127.0.0.1:7071 (like `func start`) and the Aspire dashboard; Ctrl+C stops everything.")
        {
            port, dashboardPort, otlpPort, otlpHttpPort, noDashboard, demoTimers, apiKey,
        };
        command.SetAction((parse, ct) =>
        {
            var settings = new UpSettings(
                Port(parse.GetValue(port), "--port"),
                Port(parse.GetValue(dashboardPort), "--dashboard-port"),
                Port(parse.GetValue(otlpPort), "--otlp-port"),
                Port(parse.GetValue(otlpHttpPort), "--otlp-http-port"),
                !parse.GetValue(noDashboard) && !cli.Environment.HasOtlpEndpoint,
                parse.GetValue(demoTimers),
                parse.GetValue(apiKey));
            return RunAsync(cli, settings, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext cli, UpSettings settings, CancellationToken cancellationToken)
    {
        var io = cli.Io;
        var started = Stopwatch.GetTimestamp();
        AspireDashboard? dashboard = null;
        WebApplication? app = null;
        LocalStack? stack = null;
        try
        {
            var failure = await io.Out.Status().StartAsync("starting the swarm…", async status =>
            {
                // Ports are settled first so the host can be told where to export while the dashboard is still starting.
                var otlpPort = settings.Dashboard ? LoopbackPort.FreeIfZero(settings.OtlpPort) : 0;
                var dashboardStart = settings.Dashboard
                    ? AspireDashboard.StartAsync(settings.DashboardPort, otlpPort, settings.OtlpHttpPort, TimeSpan.FromSeconds(60), cancellationToken)
                    : Task.FromResult<AspireDashboard>(null!);
                try
                {
                    app = BuildHost(cli, settings, settings.Dashboard ? new Uri($"http://127.0.0.1:{otlpPort}") : null);
                    await app.StartAsync(cancellationToken);
                }
                catch (IOException error)
                {
                    await Settle(dashboardStart, d => dashboard = d);
                    return $"the API cannot listen on 127.0.0.1:{settings.Port} ({error.Message}); is another `swarm up` running? Choose another port with --port.";
                }

                status.Status(settings.Dashboard ? "starting the Aspire dashboard…" : "starting…");
                try
                {
                    dashboard = await dashboardStart;
                }
                catch (Exception error) when (error is FileNotFoundException or InvalidOperationException or TimeoutException)
                {
                    return $"the dashboard did not start: {error.Message}\nRun with --no-dashboard to go without it.";
                }

                return null;
            });
            if (failure is not null)
            {
                io.Fail($"swarm: {failure}");
                return ExitCodes.Failure;
            }

            var api = new Uri(app!.Urls.First());
            stack = new LocalStack(Environment.ProcessId, api, dashboard?.Frontend, dashboard?.OtlpGrpc, dashboard?.ProcessId, DateTimeOffset.UtcNow);
            var statePath = stack.Write(cli.Environment.Home);
            Announce(cli, settings, stack, app, statePath, Stopwatch.GetElapsedTime(started));

            await WaitForStopAsync(app, cancellationToken);
            return ExitCodes.Ok;
        }
        finally
        {
            if (app is not null || dashboard is not null)
            {
                io.Out.MarkupLine("[grey]stopping…[/]");
            }

            stack?.Remove(cli.Environment.Home);
            if (app is not null)
            {
                using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await app.StopAsync(stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    io.Fail("swarm: the host did not stop within 15 s");
                }

                // Disposing the host flushes its telemetry, while the dashboard still listens.
                await app.DisposeAsync();
            }

            if (dashboard is not null)
            {
                await dashboard.DisposeAsync();
            }

            if (stack is not null)
            {
                io.Out.MarkupLine("[green]stopped[/]: API, embedded backend" + (stack.Dashboard is null ? string.Empty : ", dashboard") + "; state file removed");
            }
        }
    }

    private static WebApplication BuildHost(CliContext cli, UpSettings settings, Uri? otlp)
    {
        var configuration = new Dictionary<string, string?>
        {
            [SwarmWebApp.PortSetting] = settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        // The console is the CLI's: narrated transitions and warnings, not JSON lines — unless asked for.
        if (cli.Environment["Swarm__Telemetry__JsonConsole"] is null)
        {
            configuration["Swarm:Telemetry:JsonConsole"] = "false";
        }

        if (otlp is not null)
        {
            configuration[CliEnvironment.OtlpEndpointVariable] = otlp.ToString();
            configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
            // A local dashboard is watched live: batches every second rather than every five.
            configuration["OTEL_BSP_SCHEDULE_DELAY"] = cli.Environment["OTEL_BSP_SCHEDULE_DELAY"] ?? "1000";
            configuration["OTEL_BLRP_SCHEDULE_DELAY"] = cli.Environment["OTEL_BLRP_SCHEDULE_DELAY"] ?? "1000";
            configuration["OTEL_METRIC_EXPORT_INTERVAL"] = cli.Environment["OTEL_METRIC_EXPORT_INTERVAL"] ?? "5000";
        }

        if (!string.IsNullOrWhiteSpace(settings.ApiKey))
        {
            configuration[FunctionKeys.Setting] = settings.ApiKey;
        }

        return SwarmWebApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders()
                .AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss ";
                })
                .AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning)
                // The sidecar warns of races the agents settle by design (an orchestration already started by a concurrent hand-off).
                .AddFilter<ConsoleLoggerProvider>("Microsoft.DurableTask", LogLevel.Error);
            // Signals are the CLI's: it stops the host and then the dashboard, in that order.
            builder.Services.AddSingleton<IHostLifetime, CliLifetime>();
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new TransitionNarrator(cli.Io.Out, timestamps: true)));
            if (settings.DemoTimers)
            {
                builder.Services.Configure<SwarmOptions>(SwarmOptions.Demo().CopyTo);
            }
        });
    }

    private static void Announce(CliContext cli, UpSettings settings, LocalStack stack, WebApplication app, string statePath, TimeSpan elapsed)
    {
        var io = cli.Io;
        var api = stack.Api;
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("what").AddColumn("where");
        table.AddRow("[bold]API[/]", $"[link]{new Uri(api, "api")}[/]");
        table.AddRow("[bold]metrics[/]", $"[link]{new Uri(api, "metrics")}[/]");
        if (stack.Dashboard is { } dashboard)
        {
            table.AddRow("[bold]dashboard[/]", $"[link]{dashboard}[/]");
            table.AddRow("[bold]traces[/]", $"[link]{new Uri(dashboard, "traces")}[/]");
            table.AddRow("[bold]OTLP[/]", $"{stack.Otlp} [grey](gRPC)[/]");
        }
        else
        {
            var options = app.Services.GetRequiredService<SwarmTelemetryOptions>();
            var exporting = options.OtlpTraces ? $"OTLP to {cli.Environment[CliEnvironment.OtlpEndpointVariable] ?? "the OTEL_EXPORTER_OTLP_*_ENDPOINT"}" : "not exported";
            table.AddRow("[bold]telemetry[/]", Markup.Escape(options.Disabled ? "off (OTEL_SDK_DISABLED)" : exporting));
        }

        table.AddRow("[bold]timers[/]", settings.DemoTimers ? "demo (seconds)" : "production (days; --demo-timers for seconds)");
        table.AddRow("[bold]function key[/]", string.IsNullOrWhiteSpace(app.Configuration[FunctionKeys.Setting]) ? "not required" : "required");
        io.Out.MarkupLineInterpolated($"[bold green]swarm up[/] — ready in {elapsed.TotalSeconds:0.0} s");
        io.Out.Write(table);
        io.Out.MarkupLineInterpolated($"[grey]state: {statePath}[/]");
        io.Out.MarkupLine("try [bold]swarm work claim feature \"Sprint 42\" high --team alpha[/] or [bold]swarm demo[/]");
        io.Out.MarkupLine("[grey]Ctrl+C stops everything[/]");
    }

    private static async Task WaitForStopAsync(WebApplication app, CancellationToken cancellationToken)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var signal = cancellationToken.Register(() => stopped.TrySetResult());
        using var stopping = app.Lifetime.ApplicationStopping.Register(() => stopped.TrySetResult());
        await stopped.Task;
    }

    private static async Task Settle(Task<AspireDashboard> start, Action<AspireDashboard> keep)
    {
        try
        {
            if (await start is { } dashboard)
            {
                keep(dashboard);
            }
        }
        catch (Exception error) when (error is FileNotFoundException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            // It is being abandoned anyway.
        }
    }

    private static int Port(int port, string option) =>
        port is >= 0 and <= 65535 ? port : throw new UsageException(option, $"{option}: {port} is not a port (0-65535; 0 picks a free one).");


    private sealed record UpSettings(int Port, int DashboardPort, int OtlpPort, int OtlpHttpPort, bool Dashboard, bool DemoTimers, string? ApiKey);

    /// <summary>Leaves Ctrl+C and SIGTERM to the CLI, which stops the host and then the dashboard.</summary>
    private sealed class CliLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
