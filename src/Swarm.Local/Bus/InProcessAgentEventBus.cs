using Swarm.Domain.Composition;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Local.Bus;

/// <summary>
/// The embedded default bus: events queue in memory and a few consumers hand each to the router, retrying
/// with backoff. Delivery is at-least-once, like Service Bus; the router and the agents make it idempotent.
/// </summary>
public sealed class InProcessAgentEventBus(AgentEventRouter router, ILogger<InProcessAgentEventBus> logger)
    : BackgroundService, IAgentEventBus
{
    public const int Consumers = 4;
    public const int MaxAttempts = 6;

    private readonly Channel<AgentEvent> _queue = Channel.CreateUnbounded<AgentEvent>(new UnboundedChannelOptions { SingleReader = false });
    private readonly List<AgentEvent> _deadLetters = [];

    /// <summary>Raised after an event has been delivered to its consumer; the demo and tests watch the hand-offs with it.</summary>
    public event Action<AgentEvent>? Delivered;

    public IReadOnlyList<AgentEvent> DeadLetters
    {
        get
        {
            lock (_deadLetters)
            {
                return [.. _deadLetters];
            }
        }
    }

    public ValueTask PublishAsync(AgentEvent agentEvent, CancellationToken cancellationToken = default)
    {
        logger.EventPublished(agentEvent.Type, agentEvent.Id);
        return _queue.Writer.WriteAsync(agentEvent, cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Consumers).Select(_ => ConsumeAsync(stoppingToken)));

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var agentEvent in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await DeliverAsync(agentEvent, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(AgentEvent agentEvent, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await router.RouteAsync(agentEvent, stoppingToken);
                Delivered?.Invoke(agentEvent);
                return;
            }
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
            {
                if (attempt >= MaxAttempts)
                {
                    logger.EventDeliveryFailed(error, agentEvent.Type, agentEvent.Id, attempt);
                    lock (_deadLetters)
                    {
                        _deadLetters.Add(agentEvent);
                    }

                    return;
                }

                logger.EventDeliveryRetry(error, agentEvent.Type, agentEvent.Id, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Pow(2, attempt - 1)), stoppingToken);
            }
        }
    }
}
