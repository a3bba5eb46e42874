using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.DurableTask.Client;
using Swarm.Domain;
using Swarm.Domain.Remediation;

namespace Swarm.Api;

/// <summary>One incident in <c>GET /api/remediations</c>: what fired it, what it did and how it ended.</summary>
/// <param name="Id">The incident id (<c>{desk key}-{n}</c>), for <c>GET /api/remediations/{id}</c>.</param>
/// <param name="IncidentKey">Policy × target, e.g. <c>lean-project/team=alpha</c>.</param>
/// <param name="Policy">The remediation kind: <c>lean-project</c>, <c>recover-stuck-agent</c>, <c>shed-load</c>, <c>notify-only</c>.</param>
/// <param name="Alert">The alert that opened it.</param>
/// <param name="Team">The team, when the policy targets one (<c>*</c>: every team).</param>
/// <param name="Agent">The agent, for a stuck agent.</param>
/// <param name="State"><c>acting</c>, <c>monitoring</c> (open) or <c>resolved</c> (closed).</param>
/// <param name="Sources">Alert sources that fired it (source:id).</param>
/// <param name="StillFiring">How many of them still fire.</param>
/// <param name="Deliveries">Alert deliveries it received, the first included.</param>
/// <param name="Suppressed">Firings suppressed by its cooldown or the storm limit.</param>
/// <param name="OpenedAt">When its first firing arrived (UTC).</param>
/// <param name="ResolvedAt">When it closed.</param>
/// <param name="CooldownUntil">Until when the policy rests on the target.</param>
/// <param name="Outcome">How it ended, as a sentence.</param>
/// <param name="LeanProjectId">The Lean project it asked for, when it did.</param>
/// <param name="ApprovalMotionId">The board motion that approves its plan, when the policy asks for one (<c>awaiting-approval</c> while it is open).</param>
/// <param name="Escalated">True once the remediation was found not effective and escalated (a notice at a higher severity and, for a team, a motion).</param>
/// <param name="EscalationMotionId">The board's motion on the escalation, for a team's incident.</param>
/// <param name="EscalationDecision">The board's decision on that motion (its reason), once it came; null while it is undecided.</param>
public sealed record IncidentSummary(
    string Id,
    string IncidentKey,
    RemediationKind Policy,
    string Alert,
    string? Team,
    string? Agent,
    RemediationState State,
    IReadOnlyList<string> Sources,
    int StillFiring,
    int Deliveries,
    int Suppressed,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? CooldownUntil,
    string? Outcome,
    string? LeanProjectId,
    string? ApprovalMotionId = null,
    bool Escalated = false,
    string? EscalationMotionId = null,
    string? EscalationDecision = null);

/// <summary>The answer of <c>GET /api/remediations</c>: newest incident first.</summary>
public sealed record IncidentList(int Count, IReadOnlyList<IncidentSummary> Items);

/// <summary>
/// The remediation audit trail, read from the Durable backend: the open or last incident of each policy × target (its
/// desk orchestration's custom status) and the records of earlier incidents (<c>incident-{id}</c> instances).
/// </summary>
public static partial class RemediationAudit
{
    /// <summary>Incidents listed at most: 500, newest first.</summary>
    public const int MaxListed = 500;

    /// <summary>
    /// The incidents matching every filter given: <paramref name="state"/> (a <see cref="RemediationState"/> name),
    /// <paramref name="policy"/> (a <see cref="RemediationKind"/> name or an alert name), <paramref name="team"/>, and
    /// opened within [<paramref name="since"/>, <paramref name="until"/>).
    /// </summary>
    public static async Task<IncidentList> ListAsync(
        DurableTaskClient client, RemediationState? state, string? policy, string? team, DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        var incidents = await AllAsync(client, cancellationToken);
        var selected = incidents
            .Where(i => state is null || i.State == state)
            .Where(i => policy is null || string.Equals(Naming.Kebab(i.Kind), policy, StringComparison.OrdinalIgnoreCase)
                        || string.Equals(i.Alert.Name, policy, StringComparison.OrdinalIgnoreCase))
            .Where(i => team is null || string.Equals(i.Team, team, StringComparison.OrdinalIgnoreCase))
            .Where(i => since is null || i.OpenedAt >= since)
            .Where(i => until is null || i.OpenedAt < until)
            .OrderByDescending(i => i.OpenedAt)
            .Take(MaxListed)
            .Select(Summarise)
            .ToList();
        return new IncidentList(selected.Count, selected);
    }

    /// <summary>
    /// One incident with its whole audit trail, by incident id (<c>{desk key}-{n}</c>) or by the orchestration id a
    /// receipt of <c>POST /api/alerts</c> names (<c>remediation-{desk key}</c>: its current or last incident);
    /// <see cref="NotFoundException"/> when there is none, <see cref="InvalidInputException"/> for a malformed id.
    /// </summary>
    public static async Task<AlertRemediation> GetAsync(DurableTaskClient client, string id, CancellationToken cancellationToken)
    {
        if (DeskId().Match(id) is { Success: true } deskMatch)
        {
            // The orchestration id a POST /api/alerts receipt names: its current (or last) incident.
            var named = await client.GetInstanceAsync(InstanceIds.Remediation(deskMatch.Groups["desk"].Value), getInputsAndOutputs: true, cancellationToken);
            return named is not null && AgentState.Latest<AlertRemediation>(named) is { Sequence: > 0 } latest
                ? latest
                : throw new NotFoundException(
                    "remediation", id, named is null
                        ? "no alert has reached this incident desk."
                        : "its desk has opened no incident yet; the alerts it received were resolutions of nothing open, which open none.");
        }

        var match = IncidentId().Match(id);
        if (!match.Success)
        {
            throw new InvalidInputException(
                "id", $"Incident id '{id}' is malformed: it is 16 hex digits, '-' and a number, as GET /api/remediations lists them (or remediation-{{16 hex digits}}, as POST /api/alerts answers).");
        }

        var desk = await client.GetInstanceAsync(InstanceIds.Remediation(match.Groups["desk"].Value), getInputsAndOutputs: true, cancellationToken);
        if (desk is not null && AgentState.Latest<AlertRemediation>(desk) is { } current && current.Id == id && current.State != RemediationState.Idle)
        {
            return current;
        }

        var record = await client.GetInstanceAsync(InstanceIds.IncidentRecord(id), getInputsAndOutputs: true, cancellationToken);
        return record is not null && AgentState.Latest<AlertRemediation>(record) is { } archived
            ? archived
            : throw new NotFoundException("remediation", id);
    }

    /// <summary>Parses a filter's state; throws <see cref="InvalidInputException"/> naming <c>state</c> otherwise.</summary>
    public static RemediationState? ParseState(string? text) =>
        text is null ? null
        : Naming.TryParse<RemediationState>(text, out var state) ? state
        : throw new InvalidInputException("state", $"state '{text}' is unknown; one of {Naming.Allowed<RemediationState>()}.");

    /// <summary>Parses a filter's time (ISO 8601); throws <see cref="InvalidInputException"/> naming the field otherwise.</summary>
    public static DateTimeOffset? ParseTime(string? text, string field) =>
        text is null ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time
        : throw new InvalidInputException(field, $"{field} '{text}' is not an ISO 8601 time such as 2026-11-29T10:00:00Z.");

    private static async Task<List<AlertRemediation>> AllAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, AlertRemediation>(StringComparer.Ordinal);
        foreach (var prefix in new[] { InstanceIds.IncidentRecord(string.Empty), InstanceIds.Remediation(string.Empty) })
        {
            var query = InstanceIds.ByPrefix(prefix);
            await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
            {
                if (AgentState.Latest<AlertRemediation>(instance) is { Sequence: > 0, State: not RemediationState.Idle } incident)
                {
                    // A desk's view of its incident is newer than any record of the same id.
                    found[incident.Id] = incident;
                }
            }
        }

        return [.. found.Values];
    }

    private static IncidentSummary Summarise(AlertRemediation i) => new(
        i.Id,
        i.IncidentKey,
        i.Kind,
        i.Alert.Name,
        i.Team,
        i.Agent,
        i.State,
        [.. i.Sources.Select(s => s.Identity)],
        i.Sources.Count(s => s.Firing),
        i.Joined + 1,
        i.Suppressed,
        i.OpenedAt,
        i.ResolvedAt,
        i.CooldownUntil,
        i.Outcome,
        i.LeanProjectId,
        i.ApprovalMotionId,
        i.Escalated,
        i.EscalationMotionId,
        i.EscalationDecision);

    [GeneratedRegex("^(?<desk>[0-9a-f]{16})-(?<n>[1-9][0-9]{0,8})$")]
    private static partial Regex IncidentId();

    [GeneratedRegex("^remediation-(?<desk>[0-9a-f]{16})$")]
    private static partial Regex DeskId();
}
