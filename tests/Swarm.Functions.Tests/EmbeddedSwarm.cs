using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Local;
using Swarm.Api;

namespace Swarm.Functions.Tests;

/// <summary>A running embedded swarm (agents, in-process bus, embedded Durable backend) whose services the functions use.</summary>
public sealed class EmbeddedSwarm : IAsyncLifetime
{
    private IHost? _host;

    public IServiceProvider Services => _host!.Services;
    public DurableTaskClient Client => Services.GetRequiredService<DurableTaskClient>();

    /// <summary>Timings short enough for tests, long enough that a test can act inside each window.</summary>
    public static SwarmOptions FastOptions() => new()
    {
        Governance = new GovernanceOptions
        {
            SecondingDeadline = TimeSpan.FromSeconds(1),
            ObjectionWindow = TimeSpan.FromSeconds(1),
            VotingDeadline = TimeSpan.FromSeconds(10),
        },
        Scrum = new ScrumOptions { PlanningWindow = TimeSpan.FromSeconds(2), SprintLength = TimeSpan.FromSeconds(60) },
    };

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddEmbeddedSwarm(configureSwarm: FastOptions().CopyTo);
        builder.Services.AddSwarmApi();
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10));
            _host.Dispose();
        }
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="condition"/> holds, failing after <paramref name="timeout"/>.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = Stopwatch.StartNew();
        var budget = timeout ?? TimeSpan.FromSeconds(45);
        var last = default(T);
        while (limit.Elapsed < budget)
        {
            last = await read();
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{what} did not happen within {budget.TotalSeconds} s; last seen: {JsonSerializer.Serialize(last)}");
    }
}
