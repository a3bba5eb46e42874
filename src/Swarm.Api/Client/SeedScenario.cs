using System.Globalization;
using Swarm.Domain;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;

namespace Swarm.Api.Client;

/// <summary>
/// The seed's scenario (docs/agents.md), the only script of it, driven through the HTTP API alone — the routes any
/// client has, against either host: feature "Sprint 42" (high) is claimed with four more items, Roberts approves it by
/// general consent, Scrum runs the team's sprint in which one item of five fails (20 % &gt; 3 %), Lean runs DMAIC
/// project <c>defect-sprint{n}</c> (or carries the defect in the team's project already open, e.g. an alert's), and its
/// process-change motion is objected to and carried 4–1 on a vote. Claims,
/// progress, completions and votes are requests; each wait polls a GET route every 200 ms (a motion's, every 50 ms); the caller's current span
/// is the root of the whole run's trace (<see cref="RootTags"/> marks it high priority so the sampler keeps it).
/// Errors are the client's: <see cref="ServerProblemException"/>, <see cref="ServerUnreachableException"/>, and
/// <see cref="OperationCanceledException"/> when <c>cancellationToken</c> ends the run.
/// </summary>
/// <param name="api">The client of the host to drive.</param>
/// <param name="team">The team that runs it; the seed's is <see cref="Team"/>, another keeps concurrent runs apart.</param>
/// <param name="progress">Called with each milestone reached, as a sentence.</param>
/// <param name="waiting">Called with what the run waits for next, as a sentence.</param>
public sealed class SeedScenario(SwarmApiClient api, string team, Action<string>? progress = null, Action<string>? waiting = null)
{
    /// <summary>The seed's team.</summary>
    public const string Team = "alpha";

    /// <summary>The sprint the seed's team plans first under the demo timers (<c>SwarmOptions.Demo()</c>).</summary>
    public const int SprintNumber = 42;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <summary>How often a wait on one motion reads it (see <c>WaitForMotionAsync</c>).</summary>
    private static readonly TimeSpan MotionPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>The board votes 4–1 on the process change: 80 % clears the two-thirds a rule change needs.</summary>
    private static readonly (string Voter, VoteChoice Choice)[] ProcessChangeVotes =
    [
        ("chair", VoteChoice.Yes), ("secretary", VoteChoice.Yes), ("treasurer", VoteChoice.No), ("member-a", VoteChoice.Yes), ("member-b", VoteChoice.Yes),
    ];

    private static readonly (WorkType Type, string Title, WorkPriority Priority, CompletionStatus Outcome, string? Reason)[] SupportingWork =
    [
        (WorkType.Task, "Write sprint 42 API tests", WorkPriority.Medium, CompletionStatus.Success, null),
        (WorkType.Bug, "Fix login timeout", WorkPriority.High, CompletionStatus.Failed, "missing regression tests"),
        (WorkType.Task, "Update on-call runbook", WorkPriority.Low, CompletionStatus.Success, null),
        (WorkType.Task, "Refactor sprint board", WorkPriority.Medium, CompletionStatus.Success, null),
    ];

    /// <summary>
    /// Tags for the run's root span, set at its start where the sampler reads them: the scenario's work is high
    /// priority, so its trace is always kept.
    /// </summary>
    public static KeyValuePair<string, object?>[] RootTags(string team) =>
        [new(SwarmAttributes.WorkPriority, "high"), new(SwarmAttributes.WorkTeam, team)];

    /// <summary>Runs the scenario to the Lean project's close; the report's trace id is the caller's current span's, when recorded.</summary>
    public async Task<DemoReport> RunAsync(CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        var traceId = Activity.Current is { Recorded: true } root ? root.TraceId.ToString() : null;
        var runId = Guid.NewGuid().ToString("N")[..8];
        var feature = await ClaimAsync(new ClaimWork(WorkType.Feature, "Sprint 42", WorkPriority.High, team, 5), $"seed-{runId}-feature", ct);
        Progress($"claimed feature '{feature.Title}' ({feature.Id}), high priority, team {team}");
        var outcomes = new Dictionary<string, (CompletionStatus Status, string? Reason)>(StringComparer.Ordinal) { [feature.Id] = (CompletionStatus.Success, null) };

        // The feature first, and the rest once it is approved: tasks and bugs approve themselves at once, so claimed
        // earlier they would open the team's planning window while the feature still waits out its objection window,
        // and a slow approval would miss the sprint.
        Waiting($"roberts: motion on '{feature.Title}' awaits objections (general consent at the end of the window)…");
        var approved = await WaitForWorkAsync(feature.Id, w => w.Status is not WorkStatus.Claimed, ct);
        if (approved.Status == WorkStatus.Rejected)
        {
            throw new InvalidOperationException($"The feature was rejected: {approved.Decision}");
        }

        Progress($"roberts: motion {approved.MotionId} on '{feature.Title}' → {approved.Decision}");
        foreach (var (type, title, priority, outcome, reason) in SupportingWork)
        {
            var item = await ClaimAsync(new ClaimWork(type, title, priority, team, 2), $"seed-{runId}-{title}", ct);
            outcomes[item.Id] = (outcome, reason);
            Progress($"claimed {Naming.Kebab(type)} '{title}' ({item.Id})");
        }

        Waiting($"scrum: team {team} collects approved work before planning its sprint…");
        var planned = new List<WorkItem>();
        foreach (var id in outcomes.Keys)
        {
            planned.Add(await WaitForWorkAsync(id, w => w.Sprint is not null, ct));
        }

        var number = planned[0].Sprint!.Value;
        Progress($"scrum: sprint {number} of team {team} planned with {planned.Count} items, {planned.Sum(p => p.Points)} points");

        foreach (var (id, (status, reason)) in outcomes)
        {
            Waiting($"work item {id}: reporting progress, then completing it…");
            await api.PostAsync($"work/{id}/progress", new ProgressRequest(50, null), $"seed-{runId}-progress-{id}", ct);
            await WaitForWorkAsync(id, w => w.Status == WorkStatus.InProgress, ct);
            await CompleteAsync(id, status, reason, ct);
            Progress($"work item {id} completed: {Naming.Kebab(status)}{(reason is null ? string.Empty : $" ({reason})")}");
        }

        Waiting($"scrum: sprint {number} in review…");
        var sprint = await PollAsync(
            async () => (await api.GetAsync($"teams/{team}/sprints/{number}", ct)).Read<Sprint>(), s => s.Review is not null ? s : null, ct);
        var review = sprint.Review!;
        Progress(string.Create(
            CultureInfo.InvariantCulture,
            $"scrum: sprint {number} reviewed — velocity {review.Velocity} points, defect rate {review.DefectRate:P1} ({review.Failed} of {review.Completed} failed), threshold {review.Threshold:P0}"));

        // The review starts defect-sprint{n}, unless the team already had a Lean project open (an alert's): that one
        // then carries the defect (one improvement at a time per team), and the scenario follows it.
        var reviewProjectId = InstanceIds.DefectProjectId(number);
        var projectId = (await WaitForAgentsAsync(
            a => a.Lean.Projects.FirstOrDefault(p => p.Team == team && (p.Id == reviewProjectId || p.Phase != LeanPhase.Closed)), ct)).Id;
        Waiting($"lean: project {projectId} runs DMAIC (define, measure, analyze, improve, control)…");
        Motion motion;
        string motionId;
        while (true)
        {
            // A project started in the same moment as another of the team (an alert's and the review's) merges into the
            // one that opened first, which then carries the defect: the scenario follows it.
            motionId = InstanceIds.ProcessChangeMotionId(team, projectId);
            var (proposed, mergedInto) = await WaitForProposalAsync(team, projectId, motionId, ct);
            if (proposed is not null)
            {
                motion = proposed;
                break;
            }

            Progress($"lean: project {projectId} merged into {mergedInto}, which the team opened first (one improvement at a time per team)");
            projectId = mergedInto!;
        }

        Progress($"lean: project {projectId} proposes '{motion.Title}'; roberts opened process-change motion {motion.Id}");

        if (motion.State != MotionState.Closed)
        {
            try
            {
                await api.PostAsync($"motions/{motionId}/votes", new VoteRequest("treasurer", Naming.Kebab(VoteChoice.Object)), $"seed-{runId}-object", ct);
                Waiting("roberts: the treasurer objects…");
                motion = await WaitForMotionAsync(motionId, MotionState.Voting, ct);
            }
            catch (ServerProblemException late) when (late.Status == 409)
            {
                // Refused because the motion closed meanwhile; anything else refused is a failure.
                motion = (await api.GetAsync($"motions/{motionId}", ct)).Read<Motion>();
                if (motion.State != MotionState.Closed)
                {
                    throw;
                }
            }
        }

        var ballots = new List<string>();
        if (motion.State == MotionState.Closed)
        {
            // Its objection window ended while the host was down (a durable timer fires at once after a restart): the
            // motion was decided without the objection, and there is nothing left to vote on.
            Progress($"roberts: motion {motionId} closed before the treasurer's objection reached it (its window ended while the host was down): {Naming.Kebab(motion.Result ?? MotionResult.Passed)}, {motion.Reason}");
        }
        else
        {
            Progress("roberts: treasurer objects — general consent is off, the motion is put to a vote");
            foreach (var (voter, choice) in ProcessChangeVotes)
            {
                await api.PostAsync($"motions/{motionId}/votes", new VoteRequest(voter, Naming.Kebab(choice)), $"seed-{runId}-{voter}", ct);
                ballots.Add($"{voter} {Naming.Kebab(choice)}");
            }
        }

        Waiting("roberts: counting the votes; lean records the outcome…");
        var project = await WaitForAgentsAsync(
            a => a.Lean.Projects.FirstOrDefault(p => p.Id == projectId && p.Team == team && p.Phase == LeanPhase.Closed), ct);
        Progress($"roberts: {project.Outcome}");
        Progress($"lean: project {project.Id} closed");

        var work = new List<WorkItem>();
        foreach (var id in outcomes.Keys)
        {
            work.Add(await WaitForWorkAsync(id, w => w.IsFinal, ct));
        }

        return new DemoReport(traceId, work, approved, SprintFigures.Of(sprint), project, motionId, ballots);
    }

    private void Progress(string line) => progress?.Invoke(line);

    private void Waiting(string line) => waiting?.Invoke(line);

    private async Task<WorkItem> ClaimAsync(ClaimWork claim, string idempotencyKey, CancellationToken ct)
    {
        var answer = await api.PostAsync(
            "work", new ClaimWorkRequest(Naming.Kebab(claim.Type), claim.Title, Naming.Kebab(claim.Priority), claim.Team, claim.Points), idempotencyKey, ct);
        return answer.Read<WorkAccepted>().WorkItem;
    }

    /// <summary>
    /// Completes an item once: a completion re-sent after the host restarted mid-request may find the item completed
    /// already (409), which is the outcome asked for when its completion matches.
    /// </summary>
    private async Task CompleteAsync(string id, CompletionStatus status, string? reason, CancellationToken ct)
    {
        try
        {
            await api.PostAsync($"work/{id}/complete", new CompleteRequest(Naming.Kebab(status), reason), null, ct);
        }
        catch (ServerProblemException conflict) when (conflict.Status == 409)
        {
            var item = (await api.GetAsync($"work/{id}", ct)).Read<WorkItem>();
            if (item.Status != WorkStatus.Completed || item.Completion != status)
            {
                throw;
            }
        }
    }

    private Task<WorkItem> WaitForWorkAsync(string id, Func<WorkItem, bool> condition, CancellationToken ct) =>
        PollAsync(async () => (await api.GetAsync($"work/{id}", ct)).Read<WorkItem>(), w => condition(w) ? w : null, ct);

    private Task<T> WaitForAgentsAsync<T>(Func<AgentStates, T?> select, CancellationToken ct) where T : class =>
        PollAsync(async () => (await api.GetAsync("agents", ct)).Read<AgentStates>(), select, ct);

    /// <summary>
    /// Polls <c>GET /api/motions/{id}</c> every <see cref="MotionPoll"/> until the motion is in <paramref name="state"/>
    /// or closed (404 while it does not exist yet): the objection must land inside the motion's window, so this wait
    /// reads the one motion, often, rather than every agent's state every <see cref="Poll"/>. A motion whose window
    /// ended while the host was down closes at the restart without passing through <paramref name="state"/>.
    /// </summary>
    private Task<Motion> WaitForMotionAsync(string motionId, MotionState state, CancellationToken ct) =>
        PollAsync(
            async () =>
            {
                try
                {
                    return (await api.GetAsync($"motions/{motionId}", ct)).Read<Motion>();
                }
                catch (ServerProblemException missing) when (missing.Status == 404)
                {
                    return null;
                }
            },
            m => m?.State == state || m?.State == MotionState.Closed ? m : null,
            ct,
            MotionPoll);

    /// <summary>
    /// Waits until the project's process-change motion is seconded (or closed), or the project merged into another one
    /// of the team (<see cref="LeanProject.MergedInto"/>): exactly one of the pair is set. The project is read
    /// (<c>GET /api/lean/projects?team=</c>) only while its motion does not exist yet.
    /// </summary>
    private async Task<(Motion? Motion, string? MergedInto)> WaitForProposalAsync(string team, string projectId, string motionId, CancellationToken ct)
    {
        var result = await PollAsync(
            async () =>
            {
                try
                {
                    return new ProposalWait((await api.GetAsync($"motions/{motionId}", ct)).Read<Motion>(), null);
                }
                catch (ServerProblemException missing) when (missing.Status == 404)
                {
                    var projects = (await api.GetAsync($"lean/projects?team={Uri.EscapeDataString(team)}", ct)).Read<AgentObjectList<LeanProject>>();
                    return new ProposalWait(null, projects.Items.FirstOrDefault(p => p.Id == projectId && p.Team == team)?.MergedInto);
                }
            },
            w => w.Motion?.State is MotionState.Seconded or MotionState.Closed || w.MergedInto is not null ? w : null,
            ct,
            MotionPoll);
        return (result.Motion, result.MergedInto);
    }

    private sealed record ProposalWait(Motion? Motion, string? MergedInto);

    private static async Task<T> PollAsync<TRead, T>(Func<Task<TRead>> read, Func<TRead, T?> select, CancellationToken ct, TimeSpan? every = null) where T : class
    {
        while (true)
        {
            if (select(await read()) is { } value)
            {
                return value;
            }

            await Task.Delay(every ?? Poll, ct);
        }
    }
}

/// <summary>
/// A reviewed sprint's figures as the Scrum agent computed them (<c>GET /api/teams/{team}/sprints/{n}</c>, its
/// <c>review</c>): velocity in points done, items completed and failed, the defect rate (failed ÷ completed, 0–1) and
/// the threshold it was judged against.
/// </summary>
public sealed record SprintFigures(int Number, int Velocity, int Completed, int Failed, double DefectRate, double Threshold)
{
    /// <summary>The figures of <paramref name="sprint"/>'s review; throws when it has not been reviewed.</summary>
    public static SprintFigures Of(Sprint sprint)
    {
        var review = sprint.Review ?? throw new InvalidOperationException($"Sprint {sprint.Number} of team {sprint.Team} has not been reviewed.");
        return new SprintFigures(sprint.Number, review.Velocity, review.Completed, review.Failed, review.DefectRate, review.Threshold);
    }
}

/// <summary>
/// What the seed scenario ended with, as <c>swarm demo --json</c> prints it: the five work items in their final
/// state, the approved feature, the reviewed sprint's figures, the closed Lean project, the process-change motion's
/// id and the ballots cast on it (<c>"voter choice"</c>), and — against a host with Alertmanager — the
/// <c>HighDefectRate</c> incident the loop ended in (<see cref="AlertLoopWatch"/>; null without one).
/// </summary>
public sealed record DemoReport(
    string? TraceId,
    IReadOnlyList<WorkItem> Work,
    WorkItem Feature,
    SprintFigures Sprint,
    LeanProjectSummary Project,
    string ProcessChangeMotionId,
    IReadOnlyList<string> Ballots,
    IncidentSummary? Remediation = null);
