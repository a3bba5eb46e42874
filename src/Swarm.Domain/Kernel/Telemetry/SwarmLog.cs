namespace Swarm.Domain.Telemetry;

/// <summary>Every Swarm log record, source-generated with a stable event id and name.</summary>
public static partial class SwarmLog
{
    [LoggerMessage(1001, LogLevel.Information, "{Agent} {Subject}: {From} → {To}", EventName = "AgentTransitioned")]
    public static partial void AgentTransitioned(this ILogger logger, string agent, string subject, string from, string to);

    [LoggerMessage(1002, LogLevel.Warning, "{Agent} {Subject} ignored '{Command}' while {State}: {Reason}", EventName = "CommandIgnored")]
    public static partial void CommandIgnored(this ILogger logger, string agent, string subject, string command, string state, string reason);

    [LoggerMessage(1003, LogLevel.Debug, "Published {EventType} {EventId}", EventName = "EventPublished")]
    public static partial void EventPublished(this ILogger logger, string eventType, string eventId);

    [LoggerMessage(1004, LogLevel.Information, "Delivered {EventType} {EventId} to {Target}", EventName = "EventRouted")]
    public static partial void EventRouted(this ILogger logger, string eventType, string eventId, string target);

    [LoggerMessage(1005, LogLevel.Debug, "Ignored redelivered {EventType} {EventId}", EventName = "EventDuplicate")]
    public static partial void EventDuplicate(this ILogger logger, string eventType, string eventId);

    [LoggerMessage(1006, LogLevel.Debug, "{EventType} {EventId} has no consumer in this swarm", EventName = "EventUnrouted")]
    public static partial void EventUnrouted(this ILogger logger, string eventType, string eventId);

    [LoggerMessage(1007, LogLevel.Information, "Motion {MotionId} ({Kind}) {Result}: {Reason}", EventName = "MotionDecided")]
    public static partial void MotionDecided(this ILogger logger, string motionId, string kind, string result, string reason);

    [LoggerMessage(1008, LogLevel.Information, "Sprint {Sprint} of team {Team} reviewed: velocity {Velocity} points, defect rate {DefectRate:P1}", EventName = "SprintReviewed")]
    public static partial void SprintReviewed(this ILogger logger, string team, int sprint, int velocity, double defectRate);

    [LoggerMessage(1009, LogLevel.Warning, "Sprint {Sprint} of team {Team}: defect rate {DefectRate:P1} exceeds {Threshold:P0}", EventName = "DefectRateExceeded")]
    public static partial void DefectRateExceeded(this ILogger logger, string team, int sprint, double defectRate, double threshold);

    [LoggerMessage(1010, LogLevel.Warning, "Sprint {Sprint} of team {Team}: {WorkId} blocked by '{Blocker}', escalated", EventName = "BlockerEscalated")]
    public static partial void BlockerEscalated(this ILogger logger, string team, int sprint, string workId, string blocker);

    [LoggerMessage(1011, LogLevel.Information, "Lean project {ProjectId} of team {Team} proposes: {Title}", EventName = "LeanProposalReady")]
    public static partial void LeanProposalReady(this ILogger logger, string projectId, string team, string title);

    [LoggerMessage(1012, LogLevel.Warning, "Delivering {EventType} {EventId} failed (attempt {Attempt}); retrying", EventName = "EventDeliveryRetry")]
    public static partial void EventDeliveryRetry(this ILogger logger, Exception error, string eventType, string eventId, int attempt);

    [LoggerMessage(1013, LogLevel.Error, "Delivering {EventType} {EventId} failed for good after {Attempts} attempts", EventName = "EventDeliveryFailed")]
    public static partial void EventDeliveryFailed(this ILogger logger, Exception error, string eventType, string eventId, int attempts);

    [LoggerMessage(1014, LogLevel.Information, "Sprint {Sprint} of team {Team} started with {Items} item(s), {Points} point(s)", EventName = "SprintStarted")]
    public static partial void SprintStarted(this ILogger logger, string team, int sprint, int items, int points);

    [LoggerMessage(1015, LogLevel.Information, "Sprint {Sprint} of team {Team}: Lean project {ProjectId} is already open on the team's defect rate; no second project", EventName = "DefectRateJoinedOpenProject")]
    public static partial void DefectRateJoinedOpenProject(this ILogger logger, string team, int sprint, string projectId);

    [LoggerMessage(1016, LogLevel.Information, "Motion {MotionId} not withdrawn for incident {IncidentId}: {Why}", EventName = "MotionNotWithdrawn")]
    public static partial void MotionNotWithdrawn(this ILogger logger, string motionId, string incidentId, string why);

    [LoggerMessage(1017, LogLevel.Information, "Lean project {ProjectId} of team {Team} merged into {FirstProjectId}, opened first: one improvement at a time per team", EventName = "LeanProjectMerged")]
    public static partial void LeanProjectMerged(this ILogger logger, string projectId, string team, string firstProjectId);
}
