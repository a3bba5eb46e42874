using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Hosting.Http;

namespace Swarm.Hosting.Functions;

/// <summary>Composition of the Azure Functions app: the agents, their settings, the bus and the HTTP API's services.</summary>
public static class SwarmFunctionsHosting
{
    /// <summary>
    /// Registers the agents for the isolated worker. Every agent service reaches the Durable client, which in
    /// Functions belongs to one invocation (<see cref="InvocationDurableClient"/>), so the agents' services are
    /// scoped to the invocation instead of being singletons as in the embedded host.
    /// </summary>
    public static IServiceCollection AddSwarmFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSwarmAgents();
        services.AddOptions<SwarmOptions>().Bind(configuration.GetSection(SwarmOptions.Section));

        var domain = typeof(SwarmCommands).Assembly;
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor is { Lifetime: ServiceLifetime.Singleton, ImplementationType: { } type } && type.Assembly == domain)
            {
                services[i] = ServiceDescriptor.Scoped(descriptor.ServiceType, type);
            }
        }

        services.AddRemediationNotices();
        services.AddScoped<InvocationDurableClient>();
        services.AddScoped<DurableTaskClient>(sp => sp.GetRequiredService<InvocationDurableClient>().Client);
        services.AddScoped<IAgentEventBus, DirectAgentEventBus>();
        services.AddSwarmApi();
        return services;
    }
}
