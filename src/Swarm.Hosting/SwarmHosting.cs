using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Hosting.Bus;
using Swarm.Hosting.Demo;
using Swarm.Hosting.Durable;

namespace Swarm.Hosting;

/// <summary>Composition shared by the hosts.</summary>
public static class SwarmHosting
{
    /// <summary>
    /// The embedded swarm: the agents, the in-process bus and the embedded Durable Task backend, configured from
    /// the <c>Swarm</c> section (or <paramref name="configureSwarm"/> when given).
    /// </summary>
    public static IServiceCollection AddEmbeddedSwarm(
        this IServiceCollection services,
        IConfiguration? configuration = null,
        Action<SwarmOptions>? configureSwarm = null,
        Action<EmbeddedDurableOptions>? configureBackend = null)
    {
        services.AddSwarmAgents();
        var options = services.AddOptions<SwarmOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(SwarmOptions.Section));
        }

        if (configureSwarm is not null)
        {
            options.Configure(configureSwarm);
        }

        services.AddSingleton<InProcessAgentEventBus>();
        services.AddSingleton<IAgentEventBus>(sp => sp.GetRequiredService<InProcessAgentEventBus>());
        services.AddHostedService(sp => sp.GetRequiredService<InProcessAgentEventBus>());
        services.AddEmbeddedDurableTask(registry => registry.AddSwarmTasks(), configureBackend);
        services.AddSingleton<SeedScenario>();
        return services;
    }

    /// <summary>Copies every setting of <paramref name="source"/> onto the bound options (the demo's cadence, a test's).</summary>
    public static void CopyTo(this SwarmOptions source, SwarmOptions target)
    {
        target.Governance = source.Governance;
        target.Scrum = source.Scrum;
        target.Teams = source.Teams;
        target.Remediation = source.Remediation;
    }
}
