using Microsoft.DurableTask.Client;

namespace Swarm.Domain;

/// <summary>
/// The one catalog of orchestrator and activity names. Both hosts register exactly these names: the embedded
/// host through <c>DurableTaskRegistry</c>, the Functions app through its <c>[Function]</c> attributes.
/// </summary>
public static class SwarmTasks
{
    /// <summary>The external event every agent orchestration listens on; the payload says which command it is.</summary>
    public const string CommandEvent = "command";

    public static class Orchestrators
    {
        public const string WorkItem = "WorkItemOrchestrator";
        public const string Motion = "MotionOrchestrator";
        public const string ScrumTeam = "ScrumTeamOrchestrator";
        public const string Sprint = "SprintOrchestrator";
        public const string LeanProject = "LeanProjectOrchestrator";
        public const string Remediation = "RemediationOrchestrator";

        /// <summary>The bus consumer's ledger (<see cref="Events.BusLedgerWorkflow"/>): runs, totals, resubmissions.</summary>
        public const string BusLedger = "BusLedgerOrchestrator";

        /// <summary>A closed incident's record: completes at once with the incident as its output (the audit trail).</summary>
        public const string IncidentRecord = "IncidentRecordOrchestrator";

        public static readonly IReadOnlyList<string> All = [WorkItem, Motion, ScrumTeam, Sprint, LeanProject, Remediation, BusLedger, IncidentRecord];
    }

    public static class Activities
    {
        public const string ClaimWork = "ClaimWork";
        public const string ApplyWorkCommand = "ApplyWorkCommand";
        public const string ApplyMotionCommand = "ApplyMotionCommand";
        public const string StartSprint = "StartSprint";
        public const string ApplySprintCommand = "ApplySprintCommand";
        public const string CreateLeanProject = "CreateLeanProject";
        public const string ApplyLeanCommand = "ApplyLeanCommand";
        public const string ApplyRemediationCommand = "ApplyRemediationCommand";

        public static readonly IReadOnlyList<string> All =
            [ClaimWork, ApplyWorkCommand, ApplyMotionCommand, StartSprint, ApplySprintCommand, CreateLeanProject, ApplyLeanCommand, ApplyRemediationCommand];
    }
}

/// <summary>Deterministic instance ids: the same work, motion, sprint or project always maps to the same orchestration.</summary>
public static class InstanceIds
{
    /// <summary>
    /// Instances a listing asks the backend for per page: 1,000, the most one Azure Table storage query answers (the
    /// Query Entities operation's limit; the Durable Task Azure Storage provider reads the Instances table). Measured
    /// with 5,000 work items on Azurite, 1,000 per page lists them in about half the time of 500 per page.
    /// </summary>
    public const int ListPageSize = 1000;

    /// <summary>
    /// The query of every instance whose id starts with <paramref name="prefix"/> (one of the prefixes below, e.g.
    /// <c>work-</c>), with input, output and custom status — the provider answers it by a key range of its Instances
    /// table, not a scan — in pages of <see cref="ListPageSize"/>.
    /// </summary>
    public static OrchestrationQuery ByPrefix(string prefix, IEnumerable<OrchestrationRuntimeStatus>? statuses = null) =>
        new() { InstanceIdPrefix = prefix, Statuses = statuses, FetchInputsAndOutputs = true, PageSize = ListPageSize };

    public static string Work(string workId) => $"work-{workId}";
    public static string Motion(string motionId) => $"motion-{motionId}";
    public static string ScrumTeam(string team) => $"scrum-{team}";
    public static string Sprint(string team, int number) => $"sprint-{team}-{number}";
    public static string Lean(string team, string projectId) => $"lean-{team}-{projectId}";

    /// <summary>The orchestration of one policy × target (its incident desk): <c>remediation-{desk key}</c>.</summary>
    public static string Remediation(string key) => $"remediation-{key}";

    /// <summary>The record of a closed incident, kept for the audit trail: <c>incident-{incident id}</c>.</summary>
    public static string IncidentRecord(string incidentId) => $"incident-{incidentId}";

    /// <summary>The one instance of the bus ledger orchestration.</summary>
    public const string BusLedger = "swarm-bus-ledger";

    /// <summary>A short, stable key for one alert episode (source, alert id, start time).</summary>
    public static string RemediationKey(string alertIdentity) => Key(alertIdentity);

    /// <summary>A short, stable key of any text: the first 16 hex digits (64 bits) of its SHA-256, lower case.</summary>
    public static string Key(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];

    public static string ApprovalMotionId(string workId) => $"approve-{workId}";

    /// <summary>The board's motion on an incident's plan: <c>approve-remediation-{incident id}</c>.</summary>
    public static string RemediationApprovalMotionId(string incidentId) => $"approve-remediation-{incidentId}";
    public static string ProcessChangeMotionId(string team, string projectId) => $"change-{team}-{projectId}";
    public static string DefectProjectId(int sprint) => $"defect-sprint{sprint}";

    /// <summary>The Lean project an incident asks for: <c>alert-</c> and 8 hex digits of its id's <see cref="Key"/> (each incident its own).</summary>
    public static string AlertProjectId(string remediationId) => $"alert-{Key(remediationId)[..8]}";
}
