using Swarm.Domain.Composition;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Functions;

/// <summary>
/// The Functions app's bus when no Service Bus connection is configured: an event is routed to its consumer inside the
/// invocation that publishes it, with that invocation's Durable client. Delivery is as reliable as the publishing
/// activity: a failed hand-off fails the activity, whose retry policy delivers again; consumers are idempotent.
/// </summary>
public sealed class DirectAgentEventBus(AgentEventRouter router, ILogger<DirectAgentEventBus> logger) : IAgentEventBus
{
    public async ValueTask PublishAsync(AgentEvent agentEvent, CancellationToken cancellationToken = default)
    {
        logger.EventPublished(agentEvent.Type, agentEvent.Id);
        await router.RouteAsync(agentEvent, cancellationToken);
    }
}
