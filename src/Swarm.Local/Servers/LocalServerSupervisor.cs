using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Swarm.Local.Servers;

/// <summary>
/// Watches the local servers of <c>swarm up</c> (Azurite, the dashboard, Prometheus, Alertmanager): every
/// <see cref="Interval"/> each is probed; one that stops answering is reported (a warning on the console, and
/// <c>degraded</c> naming it in <c>/api/health</c>) and restarted once. When it cannot be restarted, or dies again,
/// it stays <c>unhealthy</c>; if it is essential (the backend's storage) <see cref="Lost"/> is raised so that
/// <c>swarm up</c> exits non-zero saying why. A restarted server stays <c>degraded</c> (it has used its one restart)
/// until it has answered for <see cref="RecoveryPeriod"/>; then it is <c>healthy</c> again, its detail still naming the
/// restart, and a later failure is again restarted once — as a service manager's restart limit per interval does.
/// </summary>
/// <remarks>
/// Watching ends as soon as the application begins to stop (<see cref="IHostApplicationLifetime.ApplicationStopping"/>),
/// not when this service's turn to stop comes: the servers are stopped right after the host, and a server that stops
/// answering meanwhile is being shut down, not lost.
/// </remarks>
public sealed partial class LocalServerSupervisor(
    ILogger<LocalServerSupervisor> logger, IHostApplicationLifetime? lifetime = null, TimeProvider? time = null) : BackgroundService
{
    /// <summary>How often each server is probed: 2 s.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a restarted server must answer before it counts as healthy again and may be restarted once more: 10 min
    /// (systemd's default <c>StartLimitIntervalSec</c> is 10 s for bursts; this is the slower pace of a local stack).
    /// </summary>
    public static readonly TimeSpan RecoveryPeriod = TimeSpan.FromMinutes(10);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private readonly List<Watched> _servers = [];

    /// <summary>Raised once per essential server that is gone for good, with the reason as a sentence.</summary>
    public event Action<string>? Lost;

    /// <summary>Raised with a server's name after it was restarted and answers again (its process id has changed).</summary>
    public event Action<string>? Restarted;

    /// <summary>
    /// Watches a server: <paramref name="probe"/> says whether it answers; <paramref name="restart"/> starts it again
    /// (throwing when it cannot); an <paramref name="essential"/> server's loss raises <see cref="Lost"/>.
    /// </summary>
    public void Watch(string name, Func<CancellationToken, Task<bool>> probe, Func<CancellationToken, Task> restart, bool essential)
    {
        lock (_servers)
        {
            _servers.Add(new Watched(name, probe, restart, essential));
        }
    }

    /// <summary>
    /// The health check of the server named <paramref name="name"/>, for registering before the server starts
    /// (<c>AddHealthChecks().Add(new HealthCheckRegistration(name, sp =&gt; supervisor.CheckOf(name), …))</c>):
    /// degraded ("starting") until it is watched.
    /// </summary>
    public IHealthCheck CheckOf(string name) => new NamedCheck(this, name);

    private Watched? Find(string name)
    {
        lock (_servers)
        {
            return _servers.FirstOrDefault(s => s.Name == name);
        }
    }

    /// <summary>Probes every server once: what <see cref="ExecuteAsync"/> does each <see cref="Interval"/>.</summary>
    public async Task CheckOnceAsync(CancellationToken cancellationToken)
    {
        Watched[] servers;
        lock (_servers)
        {
            servers = [.. _servers];
        }

        foreach (var server in servers.Where(s => s.State is not ServerState.Lost))
        {
            using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            probeTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            bool answers;
            try
            {
                answers = await server.Probe(probeTimeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                answers = false;
            }

            if (answers)
            {
                if (server.State is ServerState.Restarted && _time.GetUtcNow() - server.RestartedAt >= RecoveryPeriod)
                {
                    server.State = ServerState.Running;
                    server.Restarts = 0;
                    server.Detail = $"answers; restarted at {server.RestartedAt:HH:mm:ss} UTC after it stopped answering";
                }

                continue;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                // Stopping: a server that no longer answers is being shut down.
                return;
            }

            if (server.Restarts > 0)
            {
                Lose(server, $"{server.Name} stopped answering again after its restart");
                continue;
            }

            server.State = ServerState.Restarting;
            server.Detail = $"stopped answering at {_time.GetUtcNow():HH:mm:ss} UTC; restarting it";
            LogServerDown(logger, server.Name);
            server.Restarts++;
            try
            {
                await server.Restart(cancellationToken);
                server.State = ServerState.Restarted;
                server.RestartedAt = _time.GetUtcNow();
                server.Detail = $"stopped answering and was restarted at {server.RestartedAt:HH:mm:ss} UTC; degraded until it has answered for {RecoveryPeriod.TotalMinutes:0} min";
                LogServerRestarted(logger, server.Name);
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Lose(server, $"{server.Name} stopped answering and could not be restarted: {error.Message.Split('\n')[0]}");
                continue;
            }

            Restarted?.Invoke(server.Name);
        }
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime?.ApplicationStopping ?? CancellationToken.None);
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token))
            {
                await CheckOnceAsync(stopping.Token);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private void Lose(Watched server, string reason)
    {
        server.State = ServerState.Lost;
        server.Detail = reason;
        LogServerLost(logger, server.Name, reason);
        if (server.Essential)
        {
            Lost?.Invoke(reason);
        }
    }

    [LoggerMessage(EventId = 3101, EventName = "LocalServerDown", Level = LogLevel.Warning,
        Message = "{Server} stopped answering; restarting it once")]
    private static partial void LogServerDown(ILogger logger, string server);

    [LoggerMessage(EventId = 3102, EventName = "LocalServerRestarted", Level = LogLevel.Warning,
        Message = "{Server} was restarted and answers again")]
    private static partial void LogServerRestarted(ILogger logger, string server);

    [LoggerMessage(EventId = 3103, EventName = "LocalServerLost", Level = LogLevel.Error, Message = "{Reason}")]
    private static partial void LogServerLost(ILogger logger, string server, string reason);

    private sealed class NamedCheck(LocalServerSupervisor supervisor, string name) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            supervisor.Find(name) is { } watched
                ? watched.CheckHealthAsync(context, cancellationToken)
                : Task.FromResult(HealthCheckResult.Degraded("starting"));
    }

    private enum ServerState
    {
        Running,
        Restarting,
        Restarted,
        Lost,
    }

    private sealed class Watched(string name, Func<CancellationToken, Task<bool>> probe, Func<CancellationToken, Task> restart, bool essential)
        : IHealthCheck
    {
        public string Name { get; } = name;
        public Func<CancellationToken, Task<bool>> Probe { get; } = probe;
        public Func<CancellationToken, Task> Restart { get; } = restart;
        public bool Essential { get; } = essential;
        public int Restarts { get; set; }
        public DateTimeOffset RestartedAt { get; set; }
        public ServerState State { get; set; }
        public string? Detail { get; set; }

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(State switch
            {
                ServerState.Running => HealthCheckResult.Healthy(Detail ?? "answers"),
                // Restarted: it answers, but has used its one restart — reported until it has answered for RecoveryPeriod.
                ServerState.Restarted => HealthCheckResult.Degraded(Detail),
                ServerState.Restarting => HealthCheckResult.Degraded(Detail),
                _ => HealthCheckResult.Unhealthy(Detail),
            });
    }
}
