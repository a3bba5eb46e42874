using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Remediation;

/// <summary>What became of one delivered alert.</summary>
public sealed record AlertReceipt(string Alert, string Status, string RemediationId, string EventId);

/// <summary>
/// Where <c>POST /api/alerts</c> lands: each normalised alert becomes an <c>alert.fired</c> or <c>alert.resolved</c>
/// event whose id derives from the alert's identity, so a retried delivery is recognised downstream.
/// </summary>
public sealed class AlertIntake(IAgentEventBus bus)
{
    public async Task<IReadOnlyList<AlertReceipt>> ReceiveAsync(IReadOnlyList<AlertNotification> alerts, CancellationToken cancellationToken = default)
    {
        var receipts = new List<AlertReceipt>();
        foreach (var alert in alerts)
        {
            using var span = SwarmTelemetry.Source.StartActivity("remediation.alert.receive", ActivityKind.Consumer);
            span?.SetTag(SwarmAttributes.AlertName, alert.Name);
            span?.SetTag(SwarmAttributes.AlertId, alert.Id);
            span?.SetTag(SwarmAttributes.Framework, Naming.Kebab(Framework.Remediation));
            var key = InstanceIds.RemediationKey(alert.Identity);
            var type = alert.Status == AlertStatus.Firing ? EventTypes.AlertFired : EventTypes.AlertResolved;
            var agentEvent = AgentEvent.Create(type, AgentNames.Remediation, key, alert, team: alert.Label("team"));
            await bus.PublishAsync(agentEvent, cancellationToken);
            receipts.Add(new AlertReceipt(alert.Name, Naming.Kebab(alert.Status), InstanceIds.Remediation(key), agentEvent.Id));
        }

        return receipts;
    }
}
