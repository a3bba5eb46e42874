using System.Text.Json;
using Swarm.Domain;
using Swarm.Domain.Events;

namespace Swarm.Local.Bus;

/// <summary>
/// <c>GET /api/bus</c> and the dead letters on the embedded host's in-process bus: totals since the host started, the
/// events every delivery attempt failed for (held in memory; the publishing activity's own retry usually delivers them
/// later, which removes them), and resubmission, which routes such an event again now.
/// </summary>
public sealed class InProcessBusMonitor(InProcessAgentEventBus bus, TimeProvider time) : IAgentEventBusMonitor
{
    private readonly Dictionary<string, BusResubmission> _resubmitted = new(StringComparer.Ordinal);

    public Task<BusReport> DescribeAsync(CancellationToken cancellationToken = default)
    {
        var (delivered, failed) = bus.Totals;
        List<BusResubmission> resubmissions;
        lock (_resubmitted)
        {
            resubmissions = [.. _resubmitted.Values.OrderByDescending(r => r.At).Take(BusLedger.MaxResubmissions)];
        }

        var ledger = new BusLedger
        {
            Received = delivered + failed,
            Completed = delivered,
            DeadLettered = failed,
            Resubmissions = resubmissions,
        };
        return Task.FromResult(new BusReport(
            "in-process",
            "Agent events are routed inside the call that publishes them (the publishing activity), in up to " +
            $"{InProcessAgentEventBus.MaxAttempts} attempts; no broker is involved. Set ServiceBusConnection__fullyQualifiedNamespace to use Service Bus.",
            null,
            null,
            null,
            null,
            ledger,
            Math.Min(bus.DeadLetterDetails.Count, IAgentEventBusMonitor.MaxListed)));
    }

    public Task<IReadOnlyList<DeadLetteredEvent>> DeadLettersAsync(int max, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DeadLetteredEvent>>(
        [
            .. bus.DeadLetterDetails.Take(Math.Clamp(max, 1, IAgentEventBusMonitor.MaxListed)).Select(d => new DeadLetteredEvent(
                d.Event.Id,
                d.Event.Id,
                d.Event.Type,
                "delivery-failed",
                d.Error,
                InProcessAgentEventBus.MaxAttempts,
                d.At,
                d.Event.Team,
                d.Event.WorkId,
                JsonSerializer.Serialize(d.Event, SwarmJson.Options))),
        ]);

    /// <summary>Routes dead letter <paramref name="id"/> (an event id) again; a failure throws and leaves it listed.</summary>
    public async Task<ResubmitOutcome> ResubmitAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_resubmitted)
        {
            if (_resubmitted.TryGetValue(id, out var earlier))
            {
                return new ResubmitOutcome(id, "already-resubmitted", earlier.MessageId, earlier.At);
            }
        }

        var deadLetter = bus.DeadLetters.FirstOrDefault(e => e.Id == id) ?? throw new NotFoundException("dead letter", id);
        await bus.PublishAsync(deadLetter, cancellationToken);
        var resubmission = new BusResubmission(id, time.GetUtcNow(), id);
        lock (_resubmitted)
        {
            _resubmitted.TryAdd(id, resubmission);
        }

        return new ResubmitOutcome(id, "resubmitted", id, resubmission.At);
    }
}
