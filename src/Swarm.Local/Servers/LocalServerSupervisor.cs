using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Swarm.Local.Servers;

/// <summary>
/// Watches the local servers of <c>swarm up</c> (Azurite, the dashboard, Prometheus, Alertmanager): every
/// <see cref="Interval"/> each is probed; one that stops answering is reported (a warning on the console, and
/// <c>degraded</c> naming it in <c>/api/health</c>) and restarted once. When it cannot be restarted, or dies again,
/// it stays <c>unhealthy</c>; if it is essential (the backend's storage) <see cref="Lost"/> is raised so that
/// <c>swarm up</c> exits non-zero saying why.
/// </summary>
/// <remarks>
/// Watching ends as soon as the application begins to stop (<see cref="IHostApplicationLifetime.ApplicationStopping"/>),
/// not when this service's turn to stop comes: the servers are stopped right after the host, and a server that stops
/// answering meanwhile is being shut down, not lost.
/// </remarks>
public sealed partial class LocalServerSupervisor(ILogger<LocalServerSupervisor> logger, IHostApplicationLifetime? lifetime = null) : BackgroundService
{
    /// <summary>How often each server is probed: 2 s.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly List<Watched> _servers = [];

    /// <summary>Raised once per essential server that is gone for good, with the reason as a sentence.</summary>
    public event Action<string>? Lost;

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
            server.Detail = $"stopped answering at {DateTimeOffset.UtcNow:HH:mm:ss} UTC; restarting it";
            LogServerDown(logger, server.Name);
            server.Restarts++;
            try
            {
                await server.Restart(cancellationToken);
                server.State = ServerState.Restarted;
                server.Detail = $"stopped answering and was restarted at {DateTimeOffset.UtcNow:HH:mm:ss} UTC";
                LogServerRestarted(logger, server.Name);
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Lose(server, $"{server.Name} stopped answering and could not be restarted: {error.Message.Split('\n')[0]}");
            }
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
        public ServerState State { get; set; }
        public string? Detail { get; set; }

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(State switch
            {
                ServerState.Running => HealthCheckResult.Healthy("answers"),
                // Restarted once: it answers, but the run has lost it once — reported until swarm up restarts.
                ServerState.Restarted => HealthCheckResult.Degraded(Detail),
                ServerState.Restarting => HealthCheckResult.Degraded(Detail),
                _ => HealthCheckResult.Unhealthy(Detail),
            });
    }
}
