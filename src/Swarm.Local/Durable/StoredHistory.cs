using DurableTask.Core.History;
using Newtonsoft.Json.Linq;

namespace Swarm.Local.Durable;

/// <summary>
/// Reads the history an orchestration service returns from <c>GetOrchestrationHistoryAsync</c>: a JSON array of
/// history events without type names (the Azure Storage provider serialises them plainly), typed back by each event's
/// <c>EventType</c>. Event types this build does not know are skipped.
/// </summary>
internal static class StoredHistory
{
    private static readonly Dictionary<EventType, Type> Types = new()
    {
        [EventType.ExecutionStarted] = typeof(ExecutionStartedEvent),
        [EventType.ExecutionCompleted] = typeof(ExecutionCompletedEvent),
        [EventType.ExecutionFailed] = typeof(ExecutionCompletedEvent),
        [EventType.ExecutionTerminated] = typeof(ExecutionTerminatedEvent),
        [EventType.ContinueAsNew] = typeof(ContinueAsNewEvent),
        [EventType.TaskScheduled] = typeof(TaskScheduledEvent),
        [EventType.TaskCompleted] = typeof(TaskCompletedEvent),
        [EventType.TaskFailed] = typeof(TaskFailedEvent),
        [EventType.SubOrchestrationInstanceCreated] = typeof(SubOrchestrationInstanceCreatedEvent),
        [EventType.SubOrchestrationInstanceCompleted] = typeof(SubOrchestrationInstanceCompletedEvent),
        [EventType.SubOrchestrationInstanceFailed] = typeof(SubOrchestrationInstanceFailedEvent),
        [EventType.TimerCreated] = typeof(TimerCreatedEvent),
        [EventType.TimerFired] = typeof(TimerFiredEvent),
        [EventType.OrchestratorStarted] = typeof(OrchestratorStartedEvent),
        [EventType.OrchestratorCompleted] = typeof(OrchestratorCompletedEvent),
        [EventType.EventSent] = typeof(EventSentEvent),
        [EventType.EventRaised] = typeof(EventRaisedEvent),
        [EventType.GenericEvent] = typeof(GenericEvent),
        [EventType.HistoryState] = typeof(HistoryStateEvent),
        [EventType.ExecutionSuspended] = typeof(ExecutionSuspendedEvent),
        [EventType.ExecutionResumed] = typeof(ExecutionResumedEvent),
    };

    /// <summary>The events of <paramref name="json"/> in their stored order; an empty or null text is no events.</summary>
    public static IReadOnlyList<HistoryEvent> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        var events = new List<HistoryEvent>();
        foreach (var item in JArray.Parse(json).OfType<JObject>())
        {
            var typeToken = item["EventType"];
            var eventType = typeToken?.Type == JTokenType.String
                ? Enum.TryParse<EventType>(typeToken.Value<string>(), out var named) ? named : (EventType?)null
                : typeToken?.Type == JTokenType.Integer ? (EventType)typeToken.Value<int>() : null;
            if (eventType is { } known && Types.TryGetValue(known, out var type) && item.ToObject(type) is HistoryEvent history)
            {
                events.Add(history);
            }
        }

        return events;
    }
}
