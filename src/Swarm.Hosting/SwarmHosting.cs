using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Swarm.Domain;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Swarm.Domain.Events;
using Swarm.Domain.Remediation;
using Swarm.Hosting.Remediation;
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
        services.AddRemediationNotices();
        return services;
    }

    /// <summary>Remediation notices go to <c>Swarm:Remediation:NotificationWebhook</c> when it is set, to the log otherwise.</summary>
    public static IServiceCollection AddRemediationNotices(this IServiceCollection services)
    {
        services.AddHttpClient<WebhookNotifier>();
        services.AddSingleton<LoggedNotifier>();
        services.Replace(ServiceDescriptor.Singleton<IRemediationNotifier>(sp =>
            string.IsNullOrWhiteSpace(sp.GetRequiredService<IOptions<SwarmOptions>>().Value.Remediation.NotificationWebhook)
                ? sp.GetRequiredService<LoggedNotifier>()
                : sp.GetRequiredService<WebhookNotifier>()));
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
