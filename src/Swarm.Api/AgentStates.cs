using Microsoft.DurableTask.Client;
using Swarm.Domain;
using Swarm.Domain.Lean;
using Swarm.Domain.Remediation;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;

namespace Swarm.Api;

/// <summary><c>GET /api/agents</c>: each agent's current state, read from its orchestrations.</summary>
public sealed record AgentStates(RobertsState Roberts, ScrumState Scrum, LeanState Lean, RemediationAgentState Remediation, WorkCounts Work);

/// <summary>The remediation agent: remediations still acting or monitoring, and the load-shedding circuits engaged.</summary>
public sealed record RemediationAgentState(string Agent, IReadOnlyList<RemediationSummary> Active, IReadOnlyList<SheddingCircuit> Shedding);

public sealed record RemediationSummary(string Id, string Alert, RemediationKind Kind, string? Team, string? AgentName, RemediationState State, DateTimeOffset? StartedAt);

/// <summary>
/// Roberts: the motions still open, and counts of the closed ones — passed, failed (rejected, lapsed, or no quorum) and
/// withdrawn by their maker before a decision.
/// </summary>
public sealed record RobertsState(string Agent, IReadOnlyList<MotionSummary> OpenMotions, int Passed, int Failed, int Withdrawn = 0);

public sealed record MotionSummary(
    string Id, MotionKind Kind, string Title, string Team, MotionState State, string? WorkId, string? LeanProjectId, int Votes, int Objections);

public sealed record ScrumState(string Agent, IReadOnlyList<ScrumTeamStatus> Teams, IReadOnlyList<SprintSummary> RunningSprints);

public sealed record SprintSummary(string Team, int Number, SprintState State, int Items, int Completed, int Failed, DateTimeOffset? EndsAt);

public sealed record LeanState(string Agent, IReadOnlyList<LeanProjectSummary> Projects);

public sealed record LeanProjectSummary(string Id, string Team, LeanPhase Phase, int? Sprint, string? Outcome);

public sealed record WorkCounts(int Total, IReadOnlyDictionary<string, int> ByStatus);

/// <summary>Reads the agents' states by instance-id prefix, which every Durable backend can query.</summary>
public static class AgentStatesQuery
{
    public static async Task<AgentStates> ReadAsync(DurableTaskClient client, IWorkHistory history, LoadShedding shedding, CancellationToken cancellationToken)
    {
        var remediations = ListAsync(client, InstanceIds.Remediation(string.Empty), AgentState.Latest<AlertRemediation>, cancellationToken);
        var circuits = shedding.ActiveAsync(cancellationToken);
        var motions = ListAsync(client, InstanceIds.Motion(string.Empty), AgentState.Latest<Motion>, cancellationToken);
        var teams = ListAsync(client, InstanceIds.ScrumTeam(string.Empty), TeamStatus, cancellationToken);
        var sprints = ListAsync(client, "sprint-", RunningSprint, cancellationToken);
        var projects = ListAsync(client, "lean-", AgentState.Latest<LeanProject>, cancellationToken);
        var work = history.CountByStatusAsync(cancellationToken);
        await Task.WhenAll(motions, teams, sprints, projects, work, remediations, circuits);

        var decided = motions.Result.Where(m => m.State == MotionState.Closed).ToList();
        return new AgentStates(
            new RobertsState(
                AgentNames.Roberts,
                [.. motions.Result.Where(m => m.State != MotionState.Closed).Select(Summarise)],
                decided.Count(m => m.Result == MotionResult.Passed),
                decided.Count(m => m.Result is not (MotionResult.Passed or MotionResult.Withdrawn)),
                decided.Count(m => m.Result == MotionResult.Withdrawn)),
            new ScrumState(
                AgentNames.Scrum,
                [.. teams.Result.OrderBy(t => t.Team, StringComparer.Ordinal)],
                [.. sprints.Result.OrderBy(s => s.Team, StringComparer.Ordinal).ThenBy(s => s.Number)]),
            new LeanState(
                AgentNames.Lean,
                [.. projects.Result.Select(p => new LeanProjectSummary(p.Id, p.Team, p.Phase, p.Sprint, p.Outcome))]),
            new RemediationAgentState(
                AgentNames.Remediation,
                [.. remediations.Result
                    .Where(r => r.State is not (RemediationState.Resolved or RemediationState.Idle))
                    .Select(r => new RemediationSummary(r.Id, r.Alert.Name, r.Kind, r.Team, r.Agent, r.State, r.StartedAt))],
                circuits.Result),
            new WorkCounts(
                work.Result.Values.Sum(),
                work.Result.OrderBy(c => Naming.Kebab(c.Key), StringComparer.Ordinal).ToDictionary(c => Naming.Kebab(c.Key), c => c.Value)));
    }

    private static MotionSummary Summarise(Motion m) =>
        new(m.Id, m.Kind, m.Title, m.Team, m.State, m.WorkId, m.LeanProjectId, m.Votes.Count, m.Objections.Count);

    private static async Task<List<T>> ListAsync<T>(
        DurableTaskClient client, string prefix, Func<OrchestrationMetadata, T?> read, CancellationToken cancellationToken)
        where T : class
    {
        var found = new List<T>();
        var query = InstanceIds.ByPrefix(prefix);
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (read(instance) is { } state)
            {
                found.Add(state);
            }
        }

        return found;
    }

    private static ScrumTeamStatus? TeamStatus(OrchestrationMetadata instance)
    {
        if (instance.SerializedCustomStatus is not null)
        {
            return instance.ReadCustomStatusAs<ScrumTeamStatus>();
        }

        var state = instance.SerializedInput is not null ? instance.ReadInputAs<ScrumTeamState>() : null;
        return state is null ? null : new ScrumTeamStatus(state.Team, "starting", null, state.NextSprint, state.Backlog.Count);
    }

    private static SprintSummary? RunningSprint(OrchestrationMetadata instance)
    {
        if (instance.RuntimeStatus is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending))
        {
            return null;
        }

        var sprint = instance.SerializedCustomStatus is not null
            ? instance.ReadCustomStatusAs<Sprint>()
            : instance.SerializedInput is not null ? instance.ReadInputAs<SprintPlan>()?.Sprint : null;
        return sprint is null
            ? null
            : new SprintSummary(
                sprint.Team,
                sprint.Number,
                sprint.State,
                sprint.Backlog.Count,
                sprint.Outcomes.Count(o => o.Status == CompletionStatus.Success),
                sprint.Outcomes.Count(o => o.Status == CompletionStatus.Failed),
                sprint.EndsAt);
    }
}
