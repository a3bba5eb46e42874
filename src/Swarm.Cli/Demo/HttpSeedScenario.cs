using System.Globalization;
using Swarm.Cli.Client;
using Swarm.Domain;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Local.Demo;
using Swarm.Api;

namespace Swarm.Cli.Demo;

/// <summary>
/// The seed scenario driven through the HTTP API only — the routes any client has, against any host: claims,
/// progress, completions and votes are requests, and each wait polls a GET route. Same work, same outcomes as
/// <see cref="SeedScenario"/> (whose team is alpha; another team keeps concurrent runs apart); the caller's span is
/// current, so the whole chain is one trace.
/// </summary>
public sealed class HttpSeedScenario(SwarmApiClient api, string team, Action<string> progress, Action<string> waiting)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public async Task<DemoReport> RunAsync(CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        var runId = Guid.NewGuid().ToString("N")[..8];
        var feature = await ClaimAsync(SeedScenario.FeatureClaim with { Team = team }, $"seed-{runId}-feature", ct);
        progress($"claimed feature '{feature.Title}' ({feature.Id}), high priority, team {team}");
        var outcomes = new Dictionary<string, (CompletionStatus Status, string? Reason)>(StringComparer.Ordinal) { [feature.Id] = (CompletionStatus.Success, null) };
        foreach (var (claim, outcome, reason) in SeedScenario.SupportingClaims)
        {
            var item = await ClaimAsync(claim with { Team = team }, $"seed-{runId}-{claim.Title}", ct);
            outcomes[item.Id] = (outcome, reason);
            progress($"claimed {Naming.Kebab(claim.Type)} '{claim.Title}' ({item.Id})");
        }

        waiting($"roberts: motion on '{feature.Title}' awaits objections (general consent at the end of the window)…");
        var approved = await WaitForWorkAsync(feature.Id, w => w.Status is not WorkStatus.Claimed, ct);
        if (approved.Status == WorkStatus.Rejected)
        {
            throw new InvalidOperationException($"The feature was rejected: {approved.Decision}");
        }

        progress($"roberts: motion {approved.MotionId} on '{feature.Title}' → {approved.Decision}");

        waiting($"scrum: team {team} collects approved work before planning its sprint…");
        var planned = new List<WorkItem>();
        foreach (var id in outcomes.Keys)
        {
            planned.Add(await WaitForWorkAsync(id, w => w.Sprint is not null, ct));
        }

        var sprint = planned[0].Sprint!.Value;
        progress($"scrum: sprint {sprint} of team {team} planned with {planned.Count} items, {planned.Sum(p => p.Points)} points");

        foreach (var (id, (status, reason)) in outcomes)
        {
            waiting($"work item {id}: reporting progress, then completing it…");
            await api.PostAsync($"work/{id}/progress", new ProgressRequest(50, null), $"seed-{runId}-progress-{id}", ct);
            await WaitForWorkAsync(id, w => w.Status == WorkStatus.InProgress, ct);
            await api.PostAsync($"work/{id}/complete", new CompleteRequest(Naming.Kebab(status), reason), null, ct);
            progress($"work item {id} completed: {Naming.Kebab(status)}{(reason is null ? string.Empty : $" ({reason})")}");
        }

        waiting($"scrum: sprint {sprint} in review…");
        var work = new List<WorkItem>();
        foreach (var id in outcomes.Keys)
        {
            work.Add(await WaitForWorkAsync(id, w => w.IsFinal, ct));
        }

        var review = SprintFigures.Of(sprint, work);
        progress($"scrum: sprint {sprint} reviewed — velocity {review.Velocity} points, defect rate {review.DefectRate.ToString("P1", CultureInfo.InvariantCulture)} ({review.Failed} of {review.Completed} failed)");

        var projectId = InstanceIds.DefectProjectId(sprint);
        var motionId = InstanceIds.ProcessChangeMotionId(team, projectId);
        waiting($"lean: project {projectId} runs DMAIC (define, measure, analyze, improve, control)…");
        var motion = await WaitForAgentsAsync(
            a => a.Roberts.OpenMotions.FirstOrDefault(m => m.Id == motionId && m.State == MotionState.Seconded), ct);
        progress($"lean: project {projectId} proposes '{motion.Title}'; roberts opened process-change motion {motion.Id}");

        await api.PostAsync($"motions/{motionId}/votes", new VoteRequest("treasurer", Naming.Kebab(VoteChoice.Object)), $"seed-{runId}-object", ct);
        waiting("roberts: the treasurer objects…");
        await WaitForAgentsAsync(a => a.Roberts.OpenMotions.FirstOrDefault(m => m.Id == motionId && m.State == MotionState.Voting), ct);
        progress("roberts: treasurer objects — general consent is off, the motion is put to a vote");
        var ballots = new List<string>();
        foreach (var (voter, choice) in SeedScenario.ProcessChangeBallots)
        {
            await api.PostAsync($"motions/{motionId}/votes", new VoteRequest(voter, Naming.Kebab(choice)), $"seed-{runId}-{voter}", ct);
            ballots.Add($"{voter} {Naming.Kebab(choice)}");
        }

        waiting("roberts: counting the votes; lean records the outcome…");
        var project = await WaitForAgentsAsync(
            a => a.Lean.Projects.FirstOrDefault(p => p.Id == projectId && p.Team == team && p.Phase == Swarm.Domain.Lean.LeanPhase.Closed), ct);
        progress($"roberts: {project.Outcome}");
        progress($"lean: project {project.Id} closed");

        return new DemoReport(null, work, approved, review, project, motionId, ballots);
    }

    private async Task<WorkItem> ClaimAsync(ClaimWork claim, string idempotencyKey, CancellationToken ct)
    {
        var answer = await api.PostAsync(
            "work", new ClaimWorkRequest(Naming.Kebab(claim.Type), claim.Title, Naming.Kebab(claim.Priority), claim.Team, claim.Points), idempotencyKey, ct);
        return answer.Read<WorkAccepted>().WorkItem;
    }

    private Task<WorkItem> WaitForWorkAsync(string id, Func<WorkItem, bool> condition, CancellationToken ct) =>
        PollAsync(async () => (await api.GetAsync($"work/{id}", ct)).Read<WorkItem>(), w => condition(w) ? w : null, ct);

    private Task<T> WaitForAgentsAsync<T>(Func<AgentStates, T?> select, CancellationToken ct) where T : class =>
        PollAsync(async () => (await api.GetAsync("agents", ct)).Read<AgentStates>(), select, ct);

    private static async Task<T> PollAsync<TRead, T>(Func<Task<TRead>> read, Func<TRead, T?> select, CancellationToken ct) where T : class
    {
        while (true)
        {
            if (select(await read()) is { } value)
            {
                return value;
            }

            await Task.Delay(Poll, ct);
        }
    }
}

/// <summary>The sprint's review as its items ended: velocity is the points of the items done, the defect rate failed / completed.</summary>
public sealed record SprintFigures(int Number, int Velocity, int Completed, int Failed, double DefectRate)
{
    public static SprintFigures Of(int number, IReadOnlyList<WorkItem> items)
    {
        var completed = items.Where(i => i.Status == WorkStatus.Completed).ToList();
        var failed = completed.Count(i => i.Completion == CompletionStatus.Failed);
        return new SprintFigures(
            number,
            completed.Where(i => i.Completion == CompletionStatus.Success).Sum(i => i.Points),
            completed.Count,
            failed,
            completed.Count == 0 ? 0 : (double)failed / completed.Count);
    }
}

/// <summary>What the scenario ended with, as <c>swarm demo --json</c> prints it.</summary>
public sealed record DemoReport(
    string? TraceId,
    IReadOnlyList<WorkItem> Work,
    WorkItem Feature,
    SprintFigures Sprint,
    LeanProjectSummary Project,
    string ProcessChangeMotionId,
    IReadOnlyList<string> Ballots);
