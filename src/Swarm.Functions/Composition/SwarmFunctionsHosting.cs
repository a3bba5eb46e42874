using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Swarm.Api;
using Swarm.Api.Notifications;
using Swarm.Domain.Composition;
using Swarm.Domain.Events;
using Swarm.ServiceBus;

namespace Swarm.Functions;

/// <summary>Composition of the Azure Functions app: the agents, their settings, the bus and the HTTP API's services.</summary>
public static class SwarmFunctionsHosting
{
    /// <summary>
    /// Registers the agents for the isolated worker with explicit lifetimes. Why every HTTP and activity trigger
    /// declares <c>[DurableClient]</c>: in the isolated worker the host hands out a Durable client only as a binding of
    /// one invocation, so services that hold a client are scoped to the invocation and resolve it from
    /// <see cref="InvocationDurableClient"/>; process-wide state (load shedding's cache, the clock, the notifier) stays a
    /// singleton and reaches the invocation's client through <see cref="IDurableClientSource"/>. The bus: Service Bus
    /// (publisher, timer consumer) when <c>ServiceBusConnection__fullyQualifiedNamespace</c> or <c>ServiceBusConnection</c>
    /// is set, else routing inside the publishing invocation (<see cref="DirectAgentEventBus"/>).
    /// </summary>
    public static IServiceCollection AddSwarmFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<InvocationDurableClient>();
        services.AddSingleton<IDurableClientSource>(sp => sp.GetRequiredService<InvocationDurableClient>());
        services.AddScoped<DurableTaskClient>(sp => sp.GetRequiredService<InvocationDurableClient>().Current);
        services.AddSwarmAgents(ServiceLifetime.Scoped);
        services.AddOptions<SwarmOptions>().Bind(configuration.GetSection(SwarmOptions.Section));
        services.AddRemediationNotices();
        if (services.AddServiceBusAgentEventBus(configuration, SubscriptionDrain.Consumer, ServiceLifetime.Scoped))
        {
            services.AddServiceBusDrain();
        }
        else
        {
            services.AddScoped<IAgentEventBus, DirectAgentEventBus>();
            services.AddSingleton<IAgentEventBusMonitor, InvocationBusMonitor>();
        }

        services.AddSwarmApi();
        // host.json names no storage provider, so the Functions host runs the Durable Task Framework's Azure Storage one.
        services.AddSingleton(new DurableBackendInfo("azure-storage", configuration["SWARM_TASK_HUB"] ?? "(SWARM_TASK_HUB unset)"));
        return services;
    }
}
