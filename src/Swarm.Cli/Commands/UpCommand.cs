using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Trace;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Swarm.Cli.Client;
using Swarm.Cli.Local;
using Swarm.Cli.Output;
using Swarm.Domain;
using Swarm.Local;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;
using Swarm.Local.Web;
using Swarm.Local.Durable;
using Swarm.Local.Servers;

namespace Swarm.Cli.Commands;

/// <summary>
/// <c>swarm up</c>: the local stack in one command — the embedded host (the Functions app's <c>/api</c> routes, the
/// embedded Durable backend, the in-process bus) on <c>127.0.0.1</c>, and the Aspire dashboard as its OTLP receiver and
/// telemetry UI. Ctrl+C (or SIGTERM) stops both and removes what they left.
/// </summary>
public static class UpCommand
{
    /// <summary>
    /// How long the host may take to stop before the servers are stopped anyway: 30 s (the Durable backend's own
    /// stop is bounded at 10 s, its dispatchers at 3 s, the sidecar's host at 5 s).
    /// </summary>
    private static readonly TimeSpan HostStopTimeout = TimeSpan.FromSeconds(30);

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
        var inMemory = new Option<bool>("--in-memory")
        {
            Description = "Run the orchestrations in memory instead of on Azure Storage (Azurite): quicker to start, but every work item, vote, sprint and remediation is lost on exit",
        };
        var join = new Option<bool>("--join")
        {
            Description = "Join the swarm up already running in SWARM_HOME: same storage and task hub, its dashboard; the two share the work through the task hub's partition leases",
        };
        var noAlerting = new Option<bool>("--no-alerting") { Description = "Do not start Prometheus and Alertmanager" };
        var prometheusPort = new Option<int>("--prometheus-port") { Description = "Prometheus port (0: 9090 when free, else a free one)" };
        var alertmanagerPort = new Option<int>("--alertmanager-port") { Description = "Alertmanager port (0: 9093 when free, else a free one)" };
        var command = new Command("up", "Run the local stack: the API on 127.0.0.1:7071 (like `func start`) on the Durable Task Azure Storage backend with Azurite, the Aspire dashboard, Prometheus and Alertmanager; Ctrl+C stops everything.")
        {
            port, dashboardPort, otlpPort, otlpHttpPort, noDashboard, demoTimers, apiKey, inMemory, join, noAlerting, prometheusPort, alertmanagerPort,
        };
        command.SetAction((parse, ct) =>
        {
            if (parse.GetValue(join) && parse.GetValue(inMemory))
            {
                throw new UsageException("--join", "--join shares another swarm up's storage; it cannot be combined with --in-memory.");
            }

            var settings = new UpSettings(
                Port(parse.GetValue(port), "--port"),
                Port(parse.GetValue(dashboardPort), "--dashboard-port"),
                Port(parse.GetValue(otlpPort), "--otlp-port"),
                Port(parse.GetValue(otlpHttpPort), "--otlp-http-port"),
                !parse.GetValue(noDashboard) && !cli.Environment.HasOtlpEndpoint && !parse.GetValue(join),
                parse.GetValue(demoTimers),
                parse.GetValue(apiKey))
            {
                InMemory = parse.GetValue(inMemory),
                Join = parse.GetValue(join),
                Alerting = !parse.GetValue(noAlerting) && !parse.GetValue(join),
                PrometheusPort = Port(parse.GetValue(prometheusPort), "--prometheus-port"),
                AlertmanagerPort = Port(parse.GetValue(alertmanagerPort), "--alertmanager-port"),
            };
            return RunAsync(cli, settings, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext cli, UpSettings settings, CancellationToken cancellationToken)
    {
        var io = cli.Io;
        var home = cli.Environment.Home;
        var started = Stopwatch.GetTimestamp();
        AspireDashboard? dashboard = null;
        AlertingServers? alerting = null;
        Azurite? azurite = null;
        WebApplication? app = null;
        LocalStack? stack = null;
        var stateRemoved = false;
        LeftoverAlertmanager? handover = null;
        AlertingServers.WebhookRequests? handoverBaseline = null;
        string? lost = null;
        using var lostSignal = new CancellationTokenSource();
        try
        {
            var failure = await io.Out.Status().StartAsync("starting the swarm…", async status =>
            {
                handover = await StopLeftoversAsync(io, home, settings.Port, keepAlertmanager: settings.Alerting);
                // Before anything is started: a taken port is the commonest failure, and Kestrel's own report of it is a stack trace.
                if (LoopbackPort.Unavailable(settings.Port) is { } taken)
                {
                    return PortTaken(settings.Port, taken);
                }

                // Azurite, the sidecar and the other servers are given free ports before the API binds its own.
                LoopbackPort.Reserve(settings.Port);

                Uri? otlp = null;
                if (settings.Join)
                {
                    var running = LocalStack.Live(home).FirstOrDefault(s => s.Api.Port != settings.Port);
                    if (running is null)
                    {
                        return $"--join: no swarm up is running in {home} to join; start one first (or set {CliEnvironment.HomeVariable}).";
                    }

                    otlp = running.Otlp;
                }

                DurableStorageOptions? storage = null;
                if (!settings.InMemory)
                {
                    (storage, azurite, var problem) = await StorageAsync(cli, settings, doing => status.Status(doing), cancellationToken);
                    if (problem is not null)
                    {
                        return problem;
                    }
                }

                // Ports are settled first so the host can be told where to export while the dashboard is still starting.
                var otlpPort = settings.Dashboard ? LoopbackPort.FreeIfZero(settings.OtlpPort) : 0;
                otlp ??= settings.Dashboard ? new Uri($"http://127.0.0.1:{otlpPort}") : null;
                var dashboardStart = settings.Dashboard
                    ? AspireDashboard.StartAsync(settings.DashboardPort, otlpPort, settings.OtlpHttpPort, TimeSpan.FromSeconds(60), cancellationToken)
                    : Task.FromResult<AspireDashboard>(null!);
                status.Status("starting the host…");
                try
                {
                    app = BuildHost(cli, settings, otlp, storage, ServerNames(settings, azurite is not null));
                    if (settings.Alerting)
                    {
                        // Nothing runs until Prometheus has seen the completion counters of open work at 0 (DispatchHold).
                        app.Services.GetRequiredService<EmbeddedDurableBackend>().Dispatch.Hold();
                    }

                    // The crashed run's Alertmanager can deliver to this host once it listens: what it sent so far is the baseline.
                    handoverBaseline = handover is null ? null : await AlertingServers.WebhookRequestsAsync(handover.Url, cancellationToken);
                    await app.StartAsync(cancellationToken);
                }
                catch (IOException error)
                {
                    await Settle(dashboardStart, d => dashboard = d);
                    return PortTaken(settings.Port, error.Message);
                }

                var supervisor = app.Services.GetRequiredService<LocalServerSupervisor>();
                supervisor.Lost += reason =>
                {
                    lost = reason;
                    lostSignal.Cancel();
                };
                if (azurite is not null)
                {
                    var watched = azurite;
                    supervisor.Watch("azurite", watched.IsReachableAsync, ct => watched.RestartAsync(TimeSpan.FromSeconds(30), ct), essential: true);
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

                if (dashboard is not null)
                {
                    // The board's trace links open this dashboard's trace pages.
                    app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Swarm.Board.BoardOptions>>().Value.TraceUiUrl = dashboard.Frontend;
                    var frontend = new Uri(dashboard.Frontend, "/api/telemetry/traces");
                    supervisor.Watch("dashboard", ct => LocalProcess.AnswersAsync(frontend, ct), dashboard.Process.RestartAsync, essential: false);
                }

                if (settings.Alerting)
                {
                    status.Status("starting Prometheus and Alertmanager…");
                    try
                    {
                        alerting = await AlertingServers.StartAsync(
                            home, new Uri(app.Urls.First()).Port, settings.ApiKey, settings.DemoTimers, settings.PrometheusPort, settings.AlertmanagerPort, cancellationToken);
                    }
                    catch (Exception error) when (error is InvalidOperationException or TimeoutException)
                    {
                        return $"alerting did not start: {error.Message.Split('\n')[0]}\nRun with --no-alerting to go without Prometheus and Alertmanager.";
                    }

                    var servers = alerting;
                    supervisor.Watch("prometheus", servers.Prometheus.IsReadyAsync, servers.Prometheus.RestartAsync, essential: false);
                    supervisor.Watch("alertmanager", servers.Alertmanager.IsReadyAsync, servers.Alertmanager.RestartAsync, essential: false);
                    status.Status("waiting for Prometheus to scrape the host…");
                    await ReleaseDispatchAfterFirstScrapeAsync(io, app, alerting, cancellationToken);
                }

                if (handover is not null)
                {
                    status.Status("letting the crashed run's Alertmanager deliver what it holds…");
                    await HandOverAsync(io, handover, handoverBaseline, cancellationToken);
                    handover = null;
                }

                return null;
            });
            if (failure is not null)
            {
                io.Fail($"swarm: {failure}");
                return ExitCodes.Failure;
            }

            var api = new Uri(app!.Urls.First());
            stack = new LocalStack(Environment.ProcessId, api, dashboard?.Frontend, dashboard?.OtlpGrpc, dashboard?.ProcessId, DateTimeOffset.UtcNow)
            {
                Prometheus = alerting?.PrometheusUrl,
                Alertmanager = alerting?.AlertmanagerUrl,
                PrometheusProcessId = alerting?.Prometheus.ProcessId,
                AlertmanagerProcessId = alerting?.Alertmanager.ProcessId,
                Backend = app.Services.GetRequiredService<EmbeddedDurableBackend>().Kind,
            };
            var statePath = stack.Write(home);
            // A restarted server has a new process id: the state file names it, so a run after a crash stops that one.
            app.Services.GetRequiredService<LocalServerSupervisor>().Restarted += _ =>
            {
                if (stack is { } written && !stateRemoved)
                {
                    stack = written with
                    {
                        DashboardProcessId = dashboard?.ProcessId,
                        PrometheusProcessId = alerting?.Prometheus.ProcessId,
                        AlertmanagerProcessId = alerting?.Alertmanager.ProcessId,
                    };
                    try
                    {
                        stack.Write(home);
                    }
                    catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                    {
                        io.Fail($"swarm: could not rewrite the state file after a restart: {error.Message}");
                    }
                }
            };
            Announce(cli, settings, stack, app, azurite, statePath, Stopwatch.GetElapsedTime(started));

            using var stopOrLost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lostSignal.Token);
            using var replayStop = CancellationTokenSource.CreateLinkedTokenSource(stopOrLost.Token, app.Lifetime.ApplicationStopping);
            var replay = alerting is null ? Task.CompletedTask : DeliverWhatAlertmanagerCannotAsync(io, alerting, replayStop.Token);
            await WaitForStopAsync(app, stopOrLost.Token);
            await replayStop.CancelAsync();
            await replay;
            if (lost is not null)
            {
                io.Fail($"swarm: {lost}; stopping, since the Durable backend cannot run without it.");
                return ExitCodes.Failure;
            }

            return ExitCodes.Ok;
        }
        finally
        {
            if (app is not null || dashboard is not null || azurite is not null)
            {
                io.Out.MarkupLine("[grey]stopping…[/]");
            }

            stateRemoved = true;
            if (handover is not null)
            {
                // The start failed before the crashed run's Alertmanager was handed over: it is stopped with the rest.
                await LocalProcess.StopLeftoverAsync(handover.ProcessId, "alertmanager");
            }

            stack?.Remove(home);
            if (app is not null)
            {
                // Bounded whatever a hosted service does with its token, so the servers below are always stopped.
                using var stopping = new CancellationTokenSource(HostStopTimeout);
                try
                {
                    await app.StopAsync(stopping.Token).WaitAsync(HostStopTimeout + TimeSpan.FromSeconds(5), CancellationToken.None);
                }
                catch (Exception error) when (error is OperationCanceledException or TimeoutException)
                {
                    io.Fail($"swarm: the host did not stop within {HostStopTimeout.TotalSeconds:0} s");
                }

                // Disposing the host flushes its telemetry, while the dashboard still listens.
                try
                {
                    await app.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
                }
                catch (TimeoutException)
                {
                    io.Fail("swarm: the host was not disposed within 10 s; some of its last telemetry may not have been sent");
                }
            }

            // The servers stop side by side: each gets SIGTERM and up to 5 s before it is killed.
            var azuriteStopped = azurite is null ? Task.FromResult(false) : ReleaseAsync(azurite, home);
            await Task.WhenAll(
                alerting is null ? Task.CompletedTask : alerting.DisposeAsync().AsTask(),
                dashboard is null ? Task.CompletedTask : dashboard.DisposeAsync().AsTask(),
                azuriteStopped);

            if (stack is not null)
            {
                var stoppedWhat = new List<string> { "API", "embedded backend" };
                stoppedWhat.AddRange(stack.Dashboard is null ? [] : ["dashboard"]);
                stoppedWhat.AddRange(stack.Prometheus is null ? [] : ["Prometheus", "Alertmanager"]);
                stoppedWhat.AddRange(azurite is null ? [] : [azuriteStopped.Result ? "Azurite" : "Azurite kept for another swarm up of this home"]);
                io.Out.Write(Unwrapped.Line($"[green]stopped[/]: {Markup.Escape(string.Join(", ", stoppedWhat))}; state file removed"));
            }
        }
    }

    /// <summary>
    /// The Durable backend's storage: a storage account when <c>AzureWebJobsStorage</c> (a connection string) or
    /// <c>AzureWebJobsStorage__accountName</c> (identity) is set, as in the Functions app; else this home's Azurite,
    /// started or reused. The third item is why it could not be had. <paramref name="doing"/> is told what it is doing
    /// (the console's status line).
    /// </summary>
    private static async Task<(DurableStorageOptions? Storage, Azurite? Azurite, string? Problem)> StorageAsync(
        CliContext cli, UpSettings settings, Action<string> doing, CancellationToken cancellationToken)
    {
        const string Connecting = "connecting to the Durable backend's storage account…";
        var workerId = $"swarm-{Environment.MachineName}-{settings.Port}";
        if (cli.Environment["AzureWebJobsStorage"] is { } connectionString)
        {
            doing(Connecting);
            return (new DurableStorageOptions { ConnectionString = connectionString, WorkerId = workerId }, null, null);
        }

        if (cli.Environment["AzureWebJobsStorage__accountName"] is { } accountName)
        {
            doing(Connecting);
            return (new DurableStorageOptions { AccountName = accountName, ClientId = cli.Environment["AzureWebJobsStorage__clientId"], WorkerId = workerId }, null, null);
        }

        try
        {
            doing("starting Azurite for the Durable backend (or reusing the one this home still runs)…");
            var azurite = await Azurite.StartOrReuseAsync(cli.Environment.Home, TimeSpan.FromSeconds(30), cancellationToken);
            return (new DurableStorageOptions { ConnectionString = azurite.ConnectionString, WorkerId = workerId }, azurite, null);
        }
        catch (Exception error) when (error is FileNotFoundException or InvalidOperationException or TimeoutException)
        {
            return (null, null, $"Azurite did not start: {error.Message.Split('\n')[0]}\nRun with --in-memory to go without durable state, or set AzureWebJobsStorage.");
        }
    }

    /// <summary>Stops this run's Azurite — unless another swarm up of this home uses it, which then takes it over.</summary>
    private static async Task<bool> ReleaseAsync(Azurite azurite, string home)
    {
        var stopped = await azurite.ReleaseAsync(LocalStack.Live(home).Select(s => s.ProcessId));
        await azurite.DisposeAsync();
        return stopped;
    }

    /// <summary>
    /// Stops what a killed <c>swarm up</c> on <paramref name="port"/> left running (its state file names it). With
    /// <paramref name="keepAlertmanager"/>, its Alertmanager is left running and returned: it may hold an alert it could
    /// not deliver to the dead host, which it delivers to this run's host on the same port (<see cref="HandOverAsync"/>).
    /// </summary>
    private static async Task<LeftoverAlertmanager?> StopLeftoversAsync(Output.CliIo io, string home, int port, bool keepAlertmanager)
    {
        if (LocalStack.Leftover(home, port) is not { } leftover)
        {
            return null;
        }

        LeftoverAlertmanager? kept = null;
        if (keepAlertmanager && leftover is { AlertmanagerProcessId: { } alertmanagerPid, Alertmanager: { } alertmanagerUrl }
            && LocalProcess.CommandLineOf(alertmanagerPid)?.Contains("alertmanager", StringComparison.Ordinal) == true)
        {
            kept = new LeftoverAlertmanager(alertmanagerPid, alertmanagerUrl);
            leftover = leftover with { AlertmanagerProcessId = null };
        }

        // Side by side: each gets SIGTERM and up to its grace period (Prometheus flushes its samples, so its successor
        // evaluates the rules on what the crashed run's Prometheus had seen).
        var stops = new (string Name, int? ProcessId, string Marker)[]
            {
                ("dashboard", leftover.DashboardProcessId, "Aspire.Dashboard"),
                ("Prometheus", leftover.PrometheusProcessId, "prometheus"),
                ("Alertmanager", leftover.AlertmanagerProcessId, "alertmanager"),
            }
            .Select(async server => server.ProcessId is { } pid && await LocalProcess.StopLeftoverAsync(pid, server.Marker)
                ? $"{server.Name} (pid {pid})"
                : null);
        var stopped = (await Task.WhenAll(stops)).OfType<string>().ToList();

        File.Delete(LocalStack.PathFor(home, port));
        if (stopped.Count > 0)
        {
            io.Out.Write(Unwrapped.Line($"[grey]stopped what the swarm up of pid {leftover.ProcessId} left running: {Markup.Escape(string.Join(", ", stopped))}[/]"));
        }

        return kept;
    }

    /// <summary>
    /// The crashed run's Alertmanager, kept running until this run's host answers on the same port: an alert it could not
    /// deliver to the dead host reaches this one instead of being lost with it (<see cref="AlertingServers.WaitForDeliveryAsync"/>,
    /// from <paramref name="before"/>, its webhook requests read before this host began to listen); then stopped.
    /// </summary>
    private static async Task HandOverAsync(
        Output.CliIo io, LeftoverAlertmanager leftover, AlertingServers.WebhookRequests? before, CancellationToken cancellationToken)
    {
        var delivered = await AlertingServers.WaitForDeliveryAsync(leftover.Url, before, HandOverWait, cancellationToken);
        var stopped = await LocalProcess.StopLeftoverAsync(leftover.ProcessId, "alertmanager");
        io.Out.Write(Unwrapped.Line(delivered
            ? $"[grey]the crashed run's Alertmanager (pid {leftover.ProcessId}) delivered what it held to this host{(stopped ? " and was stopped" : string.Empty)}[/]"
            : $"[grey]stopped the crashed run's Alertmanager (pid {leftover.ProcessId}){(stopped ? string.Empty : " (already gone)")}[/]"));
    }

    /// <summary>The longest a crashed run's Alertmanager is given to deliver to this run's host: 20 s (it retries every group interval, 1 s with demo timers).</summary>
    private static readonly TimeSpan HandOverWait = TimeSpan.FromSeconds(20);

    /// <summary>A crashed run's Alertmanager kept for <see cref="HandOverAsync"/>.</summary>
    private sealed record LeftoverAlertmanager(int ProcessId, Uri Url);

    private static WebApplication BuildHost(CliContext cli, UpSettings settings, Uri? otlp, DurableStorageOptions? storage, IEnumerable<string> servers)
    {
        var configuration = new Dictionary<string, string?>
        {
            [SwarmWebApp.PortSetting] = settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"{SwarmHosting.DurableSection}:TaskHub"] = TaskHub(cli),
        };
        if (storage is not null)
        {
            configuration[$"{SwarmHosting.DurableSection}:AzureStorage:ConnectionString"] = storage.ConnectionString;
            configuration[$"{SwarmHosting.DurableSection}:AzureStorage:AccountName"] = storage.AccountName;
            configuration[$"{SwarmHosting.DurableSection}:AzureStorage:ClientId"] = storage.ClientId;
            configuration[$"{SwarmHosting.DurableSection}:AzureStorage:WorkerId"] = storage.WorkerId;
        }

        // Spans lead back to the board this host serves, unless another board is named.
        configuration["Swarm:Telemetry:BoardUrl"] = cli.Environment["Swarm__Telemetry__BoardUrl"]
            ?? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"http://127.0.0.1:{settings.Port}{Swarm.Board.BoardHosting.Path}/");

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
                .AddFilter<ConsoleLoggerProvider>("Microsoft.DurableTask", LogLevel.Error)
                // The Azure Storage provider warns of messages it discards by design (an event to an instance that has completed).
                .AddFilter<ConsoleLoggerProvider>("DurableTask.AzureStorage", LogLevel.Error)
                // Every /api/health answered while a server is still starting (or down) logged a warning per check; the
                // supervisor already reports a server that stops answering, once, in its own words.
                .AddFilter<ConsoleLoggerProvider>("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Error)
                // Levels configured for the console (Logging:Console:LogLevel:{category}, e.g. from the environment) win over these defaults.
                .AddConfiguration(builder.Configuration.GetSection("Logging"));
            // Signals are the CLI's: it stops the host and then the dashboard, in that order.
            builder.Services.AddSingleton<IHostLifetime, OwnerStoppedLifetime>();
            builder.Services.AddSingleton<LocalServerSupervisor>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<LocalServerSupervisor>());
            var checks = builder.Services.AddHealthChecks();
            foreach (var server in servers)
            {
                checks.Add(new HealthCheckRegistration(server, sp => sp.GetRequiredService<LocalServerSupervisor>().CheckOf(server), HealthStatus.Unhealthy, null));
            }

            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new TransitionNarrator(cli.Io.Out, timestamps: true)));
            if (settings.DemoTimers)
            {
                builder.Services.Configure<SwarmOptions>(SwarmOptions.Demo().CopyTo);
            }
        });
    }

    /// <summary>The task hub: <c>SWARM_TASK_HUB</c> as in host.json, else <c>swarmlocal</c> (local.settings.example.json's).</summary>
    private static string TaskHub(CliContext cli) =>
        cli.Environment["SWARM_TASK_HUB"] is { } hub
            ? TaskHubName.IsValid(hub) ? hub : throw new UsageException("SWARM_TASK_HUB", $"SWARM_TASK_HUB: {TaskHubName.Rule(hub)}")
            : "swarmlocal";

    /// <summary>The local servers this run watches, named as <c>/api/health</c> reports them.</summary>
    private static IEnumerable<string> ServerNames(UpSettings settings, bool azurite)
    {
        if (azurite)
        {
            yield return "azurite";
        }

        if (settings.Dashboard)
        {
            yield return "dashboard";
        }

        if (settings.Alerting)
        {
            yield return "prometheus";
            yield return "alertmanager";
        }
    }

    private static void Announce(CliContext cli, UpSettings settings, LocalStack stack, WebApplication app, Azurite? azurite, string statePath, TimeSpan elapsed)
    {
        var io = cli.Io;
        var api = stack.Api;
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("what").AddColumn("where");
        table.AddRow("[bold]API[/]", $"[link]{new Uri(api, "api")}[/]");
        table.AddRow("[bold]metrics[/]", $"[link]{new Uri(api, "metrics")}[/]");
        table.AddRow("[bold]board[/]", $"[link]{new Uri(api, "board")}[/]");
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

        var backend = app.Services.GetRequiredService<EmbeddedDurableBackend>();
        table.AddRow("[bold]backend[/]", backend.Storage is null
            ? "[yellow]in memory — every orchestration is lost on exit[/]"
            : Markup.Escape($"Durable Task Azure Storage, task hub {backend.TaskHub}, "
                + (azurite is not null
                    ? $"Azurite {azurite.BlobEndpoint.GetLeftPart(UriPartial.Authority)} (data {azurite.Location}{(azurite.Reused ? "; reused" : string.Empty)})"
                    : app.Services.GetRequiredService<Swarm.Api.DurableBackendInfo>().Storage)));
        var bus = Swarm.ServiceBus.ServiceBusRegistration.EndpointOf(app.Configuration);
        table.AddRow("[bold]bus[/]", bus is null
            ? "in-process [grey](routed in the publishing activity; swarm bus)[/]"
            : Markup.Escape($"Service Bus {bus.FullyQualifiedNamespace} ({bus.Credential}), consumed by a processor; swarm bus"));
        if (stack.Prometheus is { } prometheus)
        {
            table.AddRow("[bold]Prometheus[/]", $"[link]{prometheus}[/] [grey](scrapes /metrics, rules.yml{(settings.DemoTimers ? " in seconds" : string.Empty)})[/]");
            table.AddRow("[bold]Alertmanager[/]", $"[link]{stack.Alertmanager}[/] [grey](delivers to /api/alerts)[/]");
        }

        table.AddRow("[bold]timers[/]", settings.DemoTimers ? "demo (seconds)" : "production (days; --demo-timers for seconds)");
        table.AddRow("[bold]function key[/]", string.IsNullOrWhiteSpace(app.Configuration[FunctionKeys.Setting]) ? "not required" : "required");
        io.Out.MarkupLineInterpolated($"[bold green]swarm up[/] — ready in {elapsed.TotalSeconds:0.0} s");
        if (backend.Storage is null)
        {
            io.Out.MarkupLine("[yellow]--in-memory: the orchestrations' state lives in this process only and is lost when it stops[/]");
        }

        io.Out.Write(table);
        io.Out.MarkupLineInterpolated($"[grey]state: {statePath}[/]");
        // Other commands find the API at the default URL or SWARM_URL: on another port the hint says how to reach this one.
        var authority = api.GetLeftPart(UriPartial.Authority);
        var usual = authority == CliEnvironment.DefaultUrl.GetLeftPart(UriPartial.Authority);
        var target = usual ? string.Empty : Markup.Escape($" --url {authority}");
        io.Out.Write(Unwrapped.Line(
            $"try [bold]swarm work claim feature \"Sprint 42\" high --team alpha{target}[/] or [bold]swarm demo{target}[/]" +
            (usual ? string.Empty : $" [grey](or export {CliEnvironment.UrlVariable}={Markup.Escape(authority)})[/]")));
        io.Out.MarkupLine("[grey]Ctrl+C stops everything[/]");
    }

    /// <summary>
    /// Lets the held backend run work once Prometheus can see every completion counter that resumed work may move: at
    /// once when the task hub has no open work, else after Prometheus' first successful scrape that began after the
    /// counters of open work were set to 0 — at most <see cref="FirstScrapeWait"/>, then it goes on regardless (a
    /// warning says so). Work resumed after a crash would otherwise complete before Prometheus' first sample, and its
    /// increment would never reach <c>increase()</c>.
    /// </summary>
    private static async Task ReleaseDispatchAfterFirstScrapeAsync(Output.CliIo io, WebApplication app, AlertingServers alerting, CancellationToken cancellationToken)
    {
        var dispatch = app.Services.GetRequiredService<EmbeddedDurableBackend>().Dispatch;
        var baselineSet = false;
        try
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(FirstScrapeWait);
            var openPairs = await app.Services.GetRequiredService<WorkCounterBaselineService>().Started.WaitAsync(wait.Token);
            baselineSet = true;
            var counted = DateTimeOffset.UtcNow;
            while (openPairs > 0 && !(await alerting.LastScrapeAsync(wait.Token) > counted))
            {
                await Task.Delay(100, wait.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            io.Out.MarkupLineInterpolated(
                $"[yellow]{(baselineSet ? $"Prometheus had not scraped {app.Urls.First()}/metrics" : "the completion counters of open work were not set")} within {FirstScrapeWait.TotalSeconds:0} s: work resumes anyway, and an alert on work that completes before Prometheus' first scrape may not fire[/]");
        }
        finally
        {
            dispatch.Release();
        }
    }

    /// <summary>
    /// In the background while the host runs, what Alertmanager cannot deliver, from Prometheus' history: first the alerts
    /// that fired and resolved while the host was down (<see cref="AlertingServers.ReplayMissedAlertsAsync"/>), then,
    /// every <see cref="AlertingServers.ResolutionCheckInterval"/>, the resolutions of open incidents that an Alertmanager
    /// which replaced another never sends (<see cref="AlertingServers.DeliverLostResolutionsAsync"/>). Each delivery is
    /// named on the console; a replay that fell short is a warning (the next <c>swarm up</c> tries again), and so is the
    /// first failing resolution check of a run of them.
    /// </summary>
    private static async Task DeliverWhatAlertmanagerCannotAsync(Output.CliIo io, AlertingServers alerting, CancellationToken cancellationToken)
    {
        try
        {
            var replay = await alerting.ReplayMissedAlertsAsync(cancellationToken);
            foreach (var alert in replay.Delivered)
            {
                io.Out.Write(Unwrapped.Line(
                    $"[grey]delivered from Prometheus' history an alert that fired and resolved while the host was down: {Markup.Escape($"{alert.Name} {alert.Describe()}")} {alert.FiredAt:HH:mm:ss}Z–{alert.ResolvedAt:HH:mm:ss}Z[/]"));
            }

            if (replay.Problem is { } problem)
            {
                io.Out.Write(Unwrapped.Line($"[yellow]alerts that fired while the host was down were not all delivered: {Markup.Escape(problem)}; the next swarm up tries again[/]"));
            }

            var settled = new HashSet<string>(StringComparer.Ordinal);
            var failing = false;
            while (true)
            {
                await Task.Delay(alerting.ResolutionCheckInterval, cancellationToken);
                var check = await alerting.DeliverLostResolutionsAsync(settled, cancellationToken);
                foreach (var alert in check.Delivered)
                {
                    io.Out.Write(Unwrapped.Line(
                        $"[grey]delivered a resolution Alertmanager did not send: {Markup.Escape($"{alert.Name} {alert.Describe()}")} resolved at {alert.ResolvedAt:HH:mm:ss}Z in Prometheus[/]"));
                }

                if (check.Problem is { } trouble && !failing)
                {
                    io.Out.Write(Unwrapped.Line($"[yellow]{Markup.Escape(trouble)}; trying again every {alerting.ResolutionCheckInterval.TotalSeconds:0} s[/]"));
                }

                failing = check.Problem is not null;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the next swarm up replays from the same point.
        }
    }

    /// <summary>The longest <c>swarm up</c> holds resumed work for Prometheus' first scrape: 20 s (its demo scrape interval is 1 s, its production one 15 s).</summary>
    private static readonly TimeSpan FirstScrapeWait = TimeSpan.FromSeconds(20);

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


    private sealed record UpSettings(int Port, int DashboardPort, int OtlpPort, int OtlpHttpPort, bool Dashboard, bool DemoTimers, string? ApiKey)
    {
        public bool InMemory { get; init; }
        public bool Join { get; init; }
        public bool Alerting { get; init; }
        public int PrometheusPort { get; init; }
        public int AlertmanagerPort { get; init; }
    }

    private static string PortTaken(int port, string reason) =>
        $"the API cannot listen on 127.0.0.1:{port} ({reason}); is another `swarm up` running? Choose another port with --port.";
}
