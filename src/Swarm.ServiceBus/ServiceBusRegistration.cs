using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Swarm.Domain.Events;

namespace Swarm.ServiceBus;

/// <summary>Registers the Service Bus adapter when a connection is configured.</summary>
public static class ServiceBusRegistration
{
    /// <summary>The connection's configuration section: <c>ServiceBusConnection</c> (the Functions convention).</summary>
    public const string ConnectionSection = "ServiceBusConnection";

    /// <summary>
    /// The namespace in effect: <c>ServiceBusConnection__fullyQualifiedNamespace</c> (managed identity, as the Bicep
    /// configures), else the namespace of a <c>ServiceBusConnection</c> connection string; null when neither is set.
    /// A connection string that cannot be parsed throws <see cref="FormatException"/>.
    /// </summary>
    public static ServiceBusEndpoint? EndpointOf(IConfiguration configuration)
    {
        var connection = configuration.GetSection(ConnectionSection);
        if (connection["fullyQualifiedNamespace"] is { Length: > 0 } fullyQualifiedNamespace)
        {
            return new ServiceBusEndpoint(fullyQualifiedNamespace, "managed-identity");
        }

        return connection.Value is { Length: > 0 } connectionString
            ? new ServiceBusEndpoint(ServiceBusConnectionStringProperties.Parse(connectionString).FullyQualifiedNamespace, "connection-string")
            : null;
    }

    /// <summary>
    /// When Service Bus is configured (<see cref="EndpointOf"/>): registers the client, the publisher as the
    /// <see cref="IAgentEventBus"/>, <see cref="AgentEventDelivery"/> and the <see cref="IAgentEventBusMonitor"/> (the
    /// last two with <paramref name="clientLifetime"/>, the lifetime of the host's Durable client), and returns true.
    /// Registers nothing and returns false otherwise. <c>ServiceBusConnection__clientId</c> names a user-assigned identity.
    /// </summary>
    public static bool AddServiceBusAgentEventBus(
        this IServiceCollection services, IConfiguration configuration, string consumer, ServiceLifetime clientLifetime = ServiceLifetime.Singleton)
    {
        var endpoint = EndpointOf(configuration);
        if (endpoint is null)
        {
            return false;
        }

        var connection = configuration.GetSection(ConnectionSection);
        var clientId = connection["clientId"];
        services.AddOptions<ServiceBusBusOptions>()
            .Bind(configuration.GetSection(ServiceBusBusOptions.Section))
            .Validate(o =>
            {
                o.Validate();
                return true;
            });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(endpoint);
        services.TryAddSingleton(_ => endpoint.Credential == "managed-identity"
            ? new ServiceBusClient(
                endpoint.FullyQualifiedNamespace,
                new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId }))
            : new ServiceBusClient(connection.Value));
        services.AddSingleton<ServiceBusAgentEventPublisher>();
        services.AddSingleton<IAgentEventBus>(sp => sp.GetRequiredService<ServiceBusAgentEventPublisher>());
        services.Add(ServiceDescriptor.Describe(typeof(AgentEventDelivery), typeof(AgentEventDelivery), clientLifetime));
        services.Add(ServiceDescriptor.Describe(
            typeof(IAgentEventBusMonitor),
            sp => ActivatorUtilities.CreateInstance<ServiceBusMonitor>(sp, consumer),
            clientLifetime));
        return true;
    }

    /// <summary>The Functions app's consumer: <see cref="SubscriptionDrain"/> per invocation, <see cref="DrainHeartbeat"/> per process.</summary>
    public static IServiceCollection AddServiceBusDrain(this IServiceCollection services)
    {
        services.AddScoped<SubscriptionDrain>();
        services.AddSingleton<DrainHeartbeat>();
        return services;
    }

    /// <summary>The embedded host's consumer: <see cref="ServiceBusEventProcessor"/> as a hosted service.</summary>
    public static IServiceCollection AddServiceBusProcessor(this IServiceCollection services)
    {
        services.AddSingleton<ServiceBusEventProcessor>();
        services.AddHostedService(sp => sp.GetRequiredService<ServiceBusEventProcessor>());
        return services;
    }
}
