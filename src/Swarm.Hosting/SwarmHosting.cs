using Azure.Identity;
using Azure.Messaging.ServiceBus;
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

        services.AddAgentEventBus(configuration);
        services.AddEmbeddedDurableTask(registry => registry.AddSwarmTasks(), configureBackend);
        services.AddSingleton<SeedScenario>();
        services.AddRemediationNotices();
        return services;
    }

    /// <summary>
    /// The bus between agents: Service Bus when <c>ServiceBusConnection__fullyQualifiedNamespace</c> (managed identity,
    /// optionally <c>ServiceBusConnection__clientId</c>) or a <c>ServiceBusConnection</c> connection string is set;
    /// the in-process bus otherwise.
    /// </summary>
    public static IServiceCollection AddAgentEventBus(this IServiceCollection services, IConfiguration? configuration)
    {
        var connection = configuration?.GetSection("ServiceBusConnection");
        var fullyQualifiedNamespace = connection?["fullyQualifiedNamespace"];
        var connectionString = connection?.Value;
        if (string.IsNullOrWhiteSpace(fullyQualifiedNamespace) && string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddSingleton<InProcessAgentEventBus>();
            services.AddSingleton<IAgentEventBus>(sp => sp.GetRequiredService<InProcessAgentEventBus>());
            services.AddHostedService(sp => sp.GetRequiredService<InProcessAgentEventBus>());
            return services;
        }

        var clientId = connection?["clientId"];
        services.AddOptions<ServiceBusBusOptions>().Bind(configuration!.GetSection(ServiceBusBusOptions.Section));
        services.AddSingleton(_ => string.IsNullOrWhiteSpace(fullyQualifiedNamespace)
            ? new ServiceBusClient(connectionString)
            : new ServiceBusClient(
                fullyQualifiedNamespace,
                new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId })));
        services.AddSingleton<ServiceBusAgentEventBus>();
        services.AddSingleton<IAgentEventBus>(sp => sp.GetRequiredService<ServiceBusAgentEventBus>());
        services.AddHostedService(sp => sp.GetRequiredService<ServiceBusAgentEventBus>());
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
