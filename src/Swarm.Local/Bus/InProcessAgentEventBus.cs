using Swarm.Domain.Composition;
using Polly;
using Polly.Retry;
using Microsoft.Extensions.Logging;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Local.Bus;

/// <summary>
/// The embedded default bus: an event is handed to the router inside the call that publishes it — the publishing
/// activity — retried with exponential backoff from 100 ms for up to <see cref="MaxAttempts"/> attempts (a Polly
/// pipeline). When every attempt fails the event is recorded in <see cref="DeadLetters"/> and the error is thrown to
/// the publisher, so the activity fails and its orchestration sees it. Nothing waits in memory after the activity
/// has completed, so a crash of the host cannot lose a hand-off that the backend already recorded as done: the
/// activity either completed after routing, or runs again after the restart (docs/handoffs.md). Delivery is
/// at-least-once, like Service Bus; the router and the agents make it idempotent.
/// </summary>
public sealed class InProcessAgentEventBus(AgentEventRouter router, ILogger<InProcessAgentEventBus> logger) : IAgentEventBus
{
    /// <summary>Attempts to route one event before it is dead-lettered: 4 (about 0.7 s of backoff in all).</summary>
    public const int MaxAttempts = 4;

    private readonly List<AgentEvent> _deadLetters = [];

    private static readonly ResiliencePropertyKey<AgentEvent> EventKey = new("swarm.agent_event");

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

    /// <summary>Events every attempt failed to route, oldest first (their publishers saw the error).</summary>
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

    /// <summary>Routes <paramref name="agentEvent"/> now; throws the last error when every attempt failed.</summary>
    public async ValueTask PublishAsync(AgentEvent agentEvent, CancellationToken cancellationToken = default)
    {
        logger.EventPublished(agentEvent.Type, agentEvent.Id);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(EventKey, agentEvent);
        try
        {
            await _delivery.ExecuteAsync(
                static async (context, state) => await state.router.RouteAsync(state.agentEvent, context.CancellationToken),
                context,
                (router, agentEvent));
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            logger.EventDeliveryFailed(error, agentEvent.Type, agentEvent.Id, MaxAttempts);
            lock (_deadLetters)
            {
                _deadLetters.Add(agentEvent);
            }

            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        Delivered?.Invoke(agentEvent);
    }
}
