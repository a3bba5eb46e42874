using Microsoft.Extensions.DependencyInjection.Extensions;
using Swarm.Api.Notifications;
using Swarm.Domain.Composition;
using Swarm.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Local.Bus;
using Swarm.Local.Durable;

namespace Swarm.Local;

/// <summary>Composition of the local host: the embedded swarm that <c>swarm up</c>, the tests and the benchmarks run.</summary>
public static class SwarmHosting
{
    /// <summary>
    /// Configuration section of the embedded Durable backend (<see cref="EmbeddedDurableOptions"/>): <c>TaskHub</c>,
    /// <c>Port</c>, <c>MaxConcurrentWorkItems</c> and, for the Azure Storage provider, <c>AzureStorage:ConnectionString</c>
    /// or <c>AzureStorage:AccountName</c> (+ <c>ClientId</c>), <c>WorkerId</c>, <c>PartitionCount</c>, <c>MaxQueuePollingInterval</c>, <c>MessageVisibilityTimeout</c>, <c>ExtendedSessionIdleTimeout</c>, <c>LogLevel</c>.
    /// Without <c>AzureStorage</c> the backend is in memory.
    /// </summary>
    public const string DurableSection = "Swarm:Durable";

    /// <summary>
    /// The embedded swarm: the agents, the in-process bus and the embedded Durable Task backend, configured from
    /// the <c>Swarm</c> section (or <paramref name="configureSwarm"/> when given) and <see cref="DurableSection"/>.
    /// </summary>
    public static IServiceCollection AddEmbeddedSwarm(
        this IServiceCollection services,
        IConfiguration? configuration = null,
        Action<SwarmOptions>? configureSwarm = null,
        Action<EmbeddedDurableOptions>? configureBackend = null)
    {
        services.AddSwarmAgents();
        // The sidecar's proxy holds an event for a Pending instance back until the instance has started
        // (docs/durable-backend.md, item 8), so the mailbox need not wait itself.
        services.TryAddSingleton(new MailboxOrdering(WaitForStart: false));
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
        services.AddEmbeddedDurableTask(registry => registry.AddSwarmTasks(), backend =>
        {
            configuration?.GetSection(DurableSection).Bind(backend);
            configureBackend?.Invoke(backend);
        });
        services.AddRemediationNotices();
        // After the backend (registered above), so that its query reaches a started sidecar.
        services.AddSingleton<WorkCounterBaselineService>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkCounterBaselineService>());
        return services;
    }

    /// <summary>
    /// The bus between agents: Service Bus when <c>ServiceBusConnection__fullyQualifiedNamespace</c> (managed identity,
    /// optionally <c>ServiceBusConnection__clientId</c>) or a <c>ServiceBusConnection</c> connection string is set;
    /// the in-process bus otherwise. Either way an <see cref="IAgentEventBusMonitor"/> reports on it (<c>GET /api/bus</c>).
    /// </summary>
    public static IServiceCollection AddAgentEventBus(this IServiceCollection services, IConfiguration? configuration)
    {
        if (configuration is not null && services.AddServiceBusAgentEventBus(configuration, ServiceBusEventProcessor.Consumer))
        {
            services.AddServiceBusProcessor();
            return services;
        }

        services.AddSingleton<InProcessAgentEventBus>();
        services.AddSingleton<IAgentEventBus>(sp => sp.GetRequiredService<InProcessAgentEventBus>());
        services.AddSingleton<IAgentEventBusMonitor, InProcessBusMonitor>();
        return services;
    }

    /// <summary>Copies every setting of <paramref name="source"/> onto the bound options (the demo's cadence, a test's).</summary>
    public static void CopyTo(this SwarmOptions source, SwarmOptions target)
    {
        target.Governance = source.Governance;
        target.Scrum = source.Scrum;
        target.Teams = source.Teams;
        target.Remediation = source.Remediation;
        target.RequestTimeout = source.RequestTimeout;
    }
}
