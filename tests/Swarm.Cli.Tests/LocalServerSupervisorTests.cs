using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Local.Servers;

namespace Swarm.Cli.Tests;

/// <summary>
/// The supervisor's restart budget, probe by probe on a clock the test moves: a server that stops answering is
/// restarted once and reported degraded; after <see cref="LocalServerSupervisor.RecoveryPeriod"/> of answering it is
/// healthy again and may be restarted once more; a second failure within the period is final.
/// </summary>
public sealed class LocalServerSupervisorTests
{
    [Fact]
    public async Task A_restarted_server_is_degraded_until_it_has_answered_for_the_recovery_period_then_healthy_with_a_fresh_restart()
    {
        var time = new ManualTime();
        var supervisor = new LocalServerSupervisor(NullLogger<LocalServerSupervisor>.Instance, time: time);
        var answers = true;
        var restarts = 0;
        var restartedEvents = new List<string>();
        supervisor.Restarted += restartedEvents.Add;
        supervisor.Watch("prometheus", _ => Task.FromResult(answers), _ =>
        {
            restarts++;
            answers = true;
            return Task.CompletedTask;
        }, essential: false);
        var check = supervisor.CheckOf("prometheus");

        await supervisor.CheckOnceAsync(CancellationToken.None);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        answers = false;
        await supervisor.CheckOnceAsync(CancellationToken.None);
        var restarted = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal((1, HealthStatus.Degraded), (restarts, restarted.Status));
        Assert.Contains("restarted at", restarted.Description, StringComparison.Ordinal);
        Assert.Equal(["prometheus"], restartedEvents);

        time.Advance(LocalServerSupervisor.RecoveryPeriod - TimeSpan.FromSeconds(1));
        await supervisor.CheckOnceAsync(CancellationToken.None);
        Assert.Equal(HealthStatus.Degraded, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        time.Advance(TimeSpan.FromSeconds(1));
        await supervisor.CheckOnceAsync(CancellationToken.None);
        var recovered = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, recovered.Status);
        Assert.Contains("restarted at", recovered.Description, StringComparison.Ordinal);

        // Recovered: the next failure is restarted again, not final.
        answers = false;
        await supervisor.CheckOnceAsync(CancellationToken.None);
        Assert.Equal((2, HealthStatus.Degraded), (restarts, (await check.CheckHealthAsync(new HealthCheckContext())).Status));

        // A failure within the period after that restart is final: unhealthy, no third restart.
        time.Advance(TimeSpan.FromMinutes(1));
        answers = false;
        await supervisor.CheckOnceAsync(CancellationToken.None);
        var lost = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal((2, HealthStatus.Unhealthy), (restarts, lost.Status));
        Assert.Contains("stopped answering again after its restart", lost.Description, StringComparison.Ordinal);
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
