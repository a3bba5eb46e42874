using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Remediation;

/// <summary>What became of one delivered alert.</summary>
/// <param name="Alert">The alert's name.</param>
/// <param name="Status"><c>firing</c> or <c>resolved</c>.</param>
/// <param name="RemediationId">The orchestration of the incident it belongs to (<c>remediation-{desk key}</c>).</param>
/// <param name="IncidentKey">The policy × target it was keyed by, e.g. <c>lean-project/team=alpha</c>.</param>
/// <param name="EventId">The <c>alert.fired</c>/<c>alert.resolved</c> event that carries it.</param>
public sealed record AlertReceipt(string Alert, string Status, string RemediationId, string IncidentKey, string EventId);

/// <summary>
/// Where <c>POST /api/alerts</c> lands: each normalised alert becomes an <c>alert.fired</c> or <c>alert.resolved</c>
/// event for the incident of its policy × target. Every delivery is its own event (a retried or duplicated webhook is
/// recorded on the incident as a delivery); the incident, not the event id, makes it start nothing twice.
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
            var incidentKey = RemediationPolicy.IncidentKeyOf(alert);
            span?.SetTag("swarm.incident.key", incidentKey);
            var delivery = $"{InstanceIds.Key(alert.Identity)}-{Guid.NewGuid():N}"[..25];
            var type = alert.Status == AlertStatus.Firing ? EventTypes.AlertFired : EventTypes.AlertResolved;
            var agentEvent = AgentEvent.Create(type, AgentNames.Remediation, delivery, alert, team: alert.Label("team"));
            await bus.PublishAsync(agentEvent, cancellationToken);
            receipts.Add(new AlertReceipt(alert.Name, Naming.Kebab(alert.Status), InstanceIds.Remediation(InstanceIds.Key(incidentKey)), incidentKey, agentEvent.Id));
        }

        return receipts;
    }
}
