using System.Globalization;
using Swarm.Domain;
using Swarm.Domain.Remediation;

namespace Swarm.Api.Client;

/// <summary>
/// The end of the seed's loop, watched over the API: the sprint's defect rate fires <c>HighDefectRate</c> in Prometheus,
/// Alertmanager delivers it to <c>POST /api/alerts</c>, and the team's <c>lean-project</c> incident opens and acts —
/// or, when that incident is already open or cooling down from an earlier run, the delivery joins it or is suppressed.
/// Started before the scenario (it notes the incidents already there), waited for after it.
/// </summary>
public sealed class AlertLoopWatch
{
    /// <summary>The alert the seed's failed bug fires (<c>local/prometheus/rules.yml</c>).</summary>
    public const string Alert = "HighDefectRate";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private readonly SwarmApiClient _api;
    private readonly string _team;
    /// <summary>Each incident's deliveries and suppressed firings when the watch started.</summary>
    private readonly Dictionary<string, (int Deliveries, int Suppressed)> _seen;

    private AlertLoopWatch(SwarmApiClient api, string team, Dictionary<string, (int Deliveries, int Suppressed)> seen)
    {
        _api = api;
        _team = team;
        _seen = seen;
    }

    /// <summary>
    /// Null when the host runs no Alertmanager (<c>GET /api/health</c> names none: <c>swarm up --no-alerting</c>, an
    /// embedded host, Azure); else a watch that knows the team's <see cref="Alert"/> incidents as they are now.
    /// </summary>
    public static async Task<AlertLoopWatch?> StartAsync(SwarmApiClient api, string team, CancellationToken cancellationToken)
    {
        var health = (await api.GetAsync("health", cancellationToken)).Read<HealthReport>();
        if (health.Servers?.Any(s => s.Name == "alertmanager") != true)
        {
            return null;
        }

        var seen = (await ListAsync(api, team, cancellationToken)).ToDictionary(i => i.Id, i => (i.Deliveries, i.Suppressed), StringComparer.Ordinal);
        return new AlertLoopWatch(api, team, seen);
    }

    /// <summary>
    /// Waits until an <see cref="Alert"/> delivery for the team has reached an incident since <see cref="StartAsync"/>:
    /// a new incident once it has acted (its Lean project named), or an earlier one that took the delivery in (joined
    /// or suppressed). Narrates through <paramref name="progress"/>; runs until <paramref name="cancellationToken"/> ends it.
    /// </summary>
    public async Task<IncidentSummary> WaitAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        var announced = false;
        while (true)
        {
            foreach (var incident in await ListAsync(_api, _team, cancellationToken))
            {
                if (!_seen.TryGetValue(incident.Id, out var before))
                {
                    if (!announced)
                    {
                        progress(await ReplayedAsync(incident.Id, cancellationToken)
                            ? $"prometheus: {Alert} fired and resolved for team {_team} while the host was down; swarm up delivers it from Prometheus' rule history → remediation incident {incident.Id} opened ({Naming.Kebab(incident.Policy)})"
                            : $"prometheus: {Alert} fires for team {_team}; alertmanager delivers it → remediation incident {incident.Id} opened ({Naming.Kebab(incident.Policy)})");
                        announced = true;
                    }

                    if (incident.State is not (RemediationState.Triggered or RemediationState.AwaitingApproval or RemediationState.Idle))
                    {
                        progress(incident.LeanProjectId switch
                        {
                            { } project when project.StartsWith("alert-", StringComparison.Ordinal) =>
                                $"remediation: {Naming.Kebab(incident.State)} — asked Lean for project {project} (its proposal goes to a process-change motion)",
                            { } project => $"remediation: {Naming.Kebab(incident.State)} — relies on Lean project {project}, the team's improvement on its defect rate (open, or closed within a sprint so that its change can show): no second project or vote",
                            null => $"remediation: {Naming.Kebab(incident.State)} — {incident.Outcome ?? "acting"}",
                        });
                        return incident;
                    }
                }
                else if (incident.Deliveries + incident.Suppressed > before.Deliveries + before.Suppressed)
                {
                    // What this delivery did, not what the incident did before: a firing in the cooldown is suppressed.
                    progress(string.Create(
                        CultureInfo.InvariantCulture,
                        $"prometheus: {Alert} fires for team {_team}; alertmanager delivers it to incident {incident.Id}, {Naming.Kebab(incident.State)} since an earlier run ({(incident.Suppressed > before.Suppressed ? "suppressed by its cooldown" : "joined")})"));
                    return incident;
                }
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    /// <summary>Whether the incident's first alert is one <c>swarm up</c> replayed from Prometheus' history (<see cref="AlertPayloads.ReplayedSummaryNote"/>).</summary>
    private async Task<bool> ReplayedAsync(string incidentId, CancellationToken cancellationToken) =>
        (await _api.GetAsync($"remediations/{Uri.EscapeDataString(incidentId)}", cancellationToken)).Read<AlertRemediation>().Alert.Summary
            ?.EndsWith(AlertPayloads.ReplayedSummaryNote, StringComparison.Ordinal) == true;

    private static async Task<IReadOnlyList<IncidentSummary>> ListAsync(SwarmApiClient api, string team, CancellationToken cancellationToken) =>
        (await api.GetAsync($"remediations?policy={Alert}&team={Uri.EscapeDataString(team)}", cancellationToken)).Read<IncidentList>().Items;
}
