using Swarm.Domain.Composition;
using System.Threading.Channels;
using Polly;
using Polly.Retry;
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

    private static readonly ResiliencePropertyKey<AgentEvent> EventKey = new("swarm.agent_event");

    // Retries with exponential backoff from 100 ms (Polly); the last failure dead-letters the event.
    private readonly ResiliencePipeline _delivery = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = MaxAttempts - 1,
            Delay = TimeSpan.FromMilliseconds(100),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = false,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
            OnRetry = args =>
            {
                if (args.Outcome.Exception is { } error && args.Context.Properties.TryGetValue(EventKey, out var failed))
                {
                    logger.EventDeliveryRetry(error, failed.Type, failed.Id, args.AttemptNumber + 1);
                }

                return ValueTask.CompletedTask;
            },
        })
        .Build();

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
        var context = ResilienceContextPool.Shared.Get(stoppingToken);
        context.Properties.Set(EventKey, agentEvent);
        try
        {
            await _delivery.ExecuteAsync(
                static async (context, state) => await state.router.RouteAsync(state.agentEvent, context.CancellationToken),
                context,
                (router, agentEvent));
            Delivered?.Invoke(agentEvent);
        }
        catch (Exception error) when (!stoppingToken.IsCancellationRequested)
        {
            logger.EventDeliveryFailed(error, agentEvent.Type, agentEvent.Id, MaxAttempts);
            lock (_deadLetters)
            {
                _deadLetters.Add(agentEvent);
            }
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

}
