using Swarm.Domain.Composition;
using System.Text.Json;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.ServiceBus;

/// <summary>Where the Service Bus adapter publishes and consumes: the topic and the swarm's subscription.</summary>
public sealed class ServiceBusBusOptions
{
    public const string Section = "Swarm:ServiceBus";

    public string Topic { get; set; } = "swarm-events";
    public string Subscription { get; set; } = "swarm-agents";
    public int MaxConcurrentCalls { get; set; } = 8;
}

/// <summary>How an agent event travels as a Service Bus message, and back.</summary>
public static class AgentEventMessages
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
    public const string Team = "swarm.work.team";
    public const string WorkId = "swarm.work.id";
    public const string Source = "swarm.event.source";

    /// <summary>The event id is the message id, so the broker's duplicate detection drops a re-sent event.</summary>
    public static ServiceBusMessage ToMessage(AgentEvent agentEvent)
    {
        var message = new ServiceBusMessage(BinaryData.FromObjectAsJson(agentEvent, SwarmJson.Options))
        {
            MessageId = agentEvent.Id,
            Subject = agentEvent.Type,
            ContentType = "application/json",
            CorrelationId = agentEvent.WorkId ?? agentEvent.Team,
        };
        message.ApplicationProperties[Source] = agentEvent.Source;
        Put(message, TraceParent, agentEvent.TraceParent);
        Put(message, TraceState, agentEvent.TraceState);
        Put(message, Team, agentEvent.Team);
        Put(message, WorkId, agentEvent.WorkId);
        return message;
    }

    /// <summary>Reads an event back; a body that is not an agent event is an <see cref="InvalidInputException"/>.</summary>
    public static AgentEvent FromMessage(ServiceBusReceivedMessage message)
    {
        AgentEvent? agentEvent;
        try
        {
            agentEvent = message.Body.ToObjectFromJson<AgentEvent>(SwarmJson.Options);
        }
        catch (JsonException error)
        {
            throw new InvalidInputException("body", $"Message {message.MessageId} is not an agent event: {error.Message}");
        }

        if (agentEvent is null || string.IsNullOrWhiteSpace(agentEvent.Id) || string.IsNullOrWhiteSpace(agentEvent.Type))
        {
            throw new InvalidInputException("body", $"Message {message.MessageId} has no event id or type.");
        }

        // The trace context travels as message properties too; fill it in when the body lacks it.
        return agentEvent with
        {
            TraceParent = agentEvent.TraceParent ?? message.ApplicationProperties.GetValueOrDefault(TraceParent) as string,
            TraceState = agentEvent.TraceState ?? message.ApplicationProperties.GetValueOrDefault(TraceState) as string,
        };
    }

    private static void Put(ServiceBusMessage message, string key, string? value)
    {
        if (value is not null)
        {
            message.ApplicationProperties[key] = value;
        }
    }
}

/// <summary>
/// The Azure bus: events go to the <c>swarm-events</c> topic and a <see cref="ServiceBusProcessor"/> on the swarm's
/// subscription hands each to the router. Settlement: routed → complete; not an agent event or a broken business
/// rule → dead-letter with the reason (retrying cannot help); anything else → abandon, so the broker redelivers up
/// to the subscription's max delivery count and then dead-letters.
/// </summary>
public sealed partial class ServiceBusAgentEventBus(
    ServiceBusClient client,
    AgentEventRouter router,
    IOptions<ServiceBusBusOptions> options,
    ILogger<ServiceBusAgentEventBus> logger) : IAgentEventBus, IHostedService, IAsyncDisposable
{
    private readonly ServiceBusSender _sender = client.CreateSender(options.Value.Topic);
    private ServiceBusProcessor? _processor;

    public async ValueTask PublishAsync(AgentEvent agentEvent, CancellationToken cancellationToken = default)
    {
        await _sender.SendMessageAsync(AgentEventMessages.ToMessage(agentEvent), cancellationToken);
        logger.EventPublished(agentEvent.Type, agentEvent.Id);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _processor = client.CreateProcessor(options.Value.Topic, options.Value.Subscription, new ServiceBusProcessorOptions
        {
            AutoCompleteMessages = false,
            MaxConcurrentCalls = options.Value.MaxConcurrentCalls,
        });
        _processor.ProcessMessageAsync += HandleAsync;
        _processor.ProcessErrorAsync += args =>
        {
            ProcessorError(logger, args.Exception, args.ErrorSource.ToString(), args.EntityPath);
            return Task.CompletedTask;
        };
        await _processor.StartProcessingAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_processor is not null)
        {
            await _processor.StopProcessingAsync(cancellationToken);
        }
    }

    /// <summary>One message: route it, then settle it by what happened.</summary>
    public async Task HandleAsync(ProcessMessageEventArgs args)
    {
        AgentEvent agentEvent;
        try
        {
            agentEvent = AgentEventMessages.FromMessage(args.Message);
        }
        catch (InvalidInputException error)
        {
            await args.DeadLetterMessageAsync(args.Message, "malformed-event", error.Message, args.CancellationToken);
            return;
        }

        try
        {
            await router.RouteAsync(agentEvent, args.CancellationToken);
            await args.CompleteMessageAsync(args.Message, args.CancellationToken);
        }
        catch (SwarmDomainException error)
        {
            await args.DeadLetterMessageAsync(args.Message, error.Code, error.Message, args.CancellationToken);
        }
        catch (Exception error) when (!args.CancellationToken.IsCancellationRequested)
        {
            logger.EventDeliveryRetry(error, agentEvent.Type, agentEvent.Id, args.Message.DeliveryCount);
            await args.AbandonMessageAsync(args.Message, cancellationToken: args.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_processor is not null)
        {
            await _processor.DisposeAsync();
        }

        await _sender.DisposeAsync();
    }

    [LoggerMessage(1201, LogLevel.Error, "Service Bus processor error from {ErrorSource} on {EntityPath}", EventName = "ServiceBusProcessorError")]
    private static partial void ProcessorError(ILogger logger, Exception error, string errorSource, string entityPath);
}

/// <summary>Registers the Service Bus adapter when a connection is configured.</summary>
public static class ServiceBusRegistration
{
    /// <summary>
    /// Registers <see cref="ServiceBusAgentEventBus"/> as the <see cref="IAgentEventBus"/> when
    /// <c>ServiceBusConnection__fullyQualifiedNamespace</c> (managed identity, optionally <c>ServiceBusConnection__clientId</c>)
    /// or a <c>ServiceBusConnection</c> connection string is set; returns false and registers nothing otherwise.
    /// </summary>
    public static bool AddServiceBusAgentEventBus(this IServiceCollection services, IConfiguration configuration)
    {
        var connection = configuration.GetSection("ServiceBusConnection");
        var fullyQualifiedNamespace = connection["fullyQualifiedNamespace"];
        var connectionString = connection.Value;
        if (string.IsNullOrWhiteSpace(fullyQualifiedNamespace) && string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }

        var clientId = connection["clientId"];
        services.AddOptions<ServiceBusBusOptions>().Bind(configuration.GetSection(ServiceBusBusOptions.Section));
        services.AddSingleton(_ => string.IsNullOrWhiteSpace(fullyQualifiedNamespace)
            ? new ServiceBusClient(connectionString)
            : new ServiceBusClient(
                fullyQualifiedNamespace,
                new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId })));
        services.AddSingleton<ServiceBusAgentEventBus>();
        services.AddSingleton<IAgentEventBus>(sp => sp.GetRequiredService<ServiceBusAgentEventBus>());
        services.AddHostedService(sp => sp.GetRequiredService<ServiceBusAgentEventBus>());
        return true;
    }
}
