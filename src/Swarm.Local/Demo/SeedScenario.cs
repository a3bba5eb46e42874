using Swarm.Domain.Composition;
using Microsoft.DurableTask.Client;
using Swarm.Domain;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;

namespace Swarm.Local.Demo;

/// <summary>
/// The seed's scenario, driven for real: feature "Sprint 42" (high, team alpha) is claimed with four more items,
/// Roberts approves it by general consent, Scrum runs sprint 42 in which one item of five fails (20 % &gt; 3 %),
/// Lean runs DMAIC project <c>defect-sprint42</c>, and its process-change motion is objected to and put to a vote.
/// </summary>
public sealed class SeedScenario(SwarmCommands commands, DurableTaskClient client)
{
    public const string Team = "alpha";
    public const int SprintNumber = 42;

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

    /// <summary>The feature the scenario claims first: "Sprint 42", high priority, team alpha, 5 points.</summary>
    public static ClaimWork FeatureClaim => new(WorkType.Feature, "Sprint 42", WorkPriority.High, Team, 5);

    /// <summary>The four items claimed with the feature and how each ends (the bug fails), for drivers of the same scenario over HTTP.</summary>
    public static IReadOnlyList<(ClaimWork Claim, CompletionStatus Outcome, string? Reason)> SupportingClaims =>
        [.. SupportingWork.Select(w => (new ClaimWork(w.Type, w.Title, w.Priority, Team, 2), w.Outcome, w.Reason))];

    /// <summary>How the board votes on the process change once the treasurer has objected.</summary>
    public static IReadOnlyList<(string Voter, VoteChoice Choice)> ProcessChangeBallots => ProcessChangeVotes;

    public async Task<ScenarioReport> RunAsync(IProgress<string>? progress = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
        var ct = deadline.Token;
        // The scenario's work is high priority, said at the start where the sampler reads it: the demo's trace is always kept.
        using var root = SwarmTelemetry.Source.StartActivity(
            "swarm.demo.seed_scenario",
            ActivityKind.Client,
            parentContext: default,
            new ActivityTagsCollection { [SwarmAttributes.WorkPriority] = "high", [SwarmAttributes.WorkTeam] = Team });
        var runId = Guid.NewGuid().ToString("N")[..8];

        var (feature, _) = await commands.ClaimAsync(
            new ClaimWork(WorkType.Feature, "Sprint 42", WorkPriority.High, Team, 5), $"seed-{runId}-feature", ct);
        progress?.Report($"claimed feature '{feature.Title}' ({feature.Id}), high priority, team {Team}");
        var outcomes = new Dictionary<string, (CompletionStatus Status, string? Reason)> { [feature.Id] = (CompletionStatus.Success, null) };
        foreach (var (type, title, priority, outcome, reason) in SupportingWork)
        {
            var (item, _) = await commands.ClaimAsync(new ClaimWork(type, title, priority, Team, 2), $"seed-{runId}-{title}", ct);
            outcomes[item.Id] = (outcome, reason);
            progress?.Report($"claimed {Naming.Kebab(type)} '{title}' ({item.Id})");
        }

        var approved = await WaitForWorkAsync(feature.Id, w => w.Status is not WorkStatus.Claimed, ct);
        progress?.Report($"roberts: motion {approved.MotionId} on '{feature.Title}' → {approved.Decision}");

        var planned = new List<WorkItem>();
        foreach (var id in outcomes.Keys)
        {
            planned.Add(await WaitForWorkAsync(id, w => w.Sprint is not null, ct));
        }

        var sprintNumber = planned[0].Sprint!.Value;
        progress?.Report($"scrum: sprint {sprintNumber} of team {Team} planned with {planned.Count} items, {planned.Sum(p => p.Points)} points");

        foreach (var (id, (status, reason)) in outcomes)
        {
            await commands.ReportProgressAsync(id, 50, null, $"seed-{runId}-progress", ct);
            await WaitForWorkAsync(id, w => w.Status == WorkStatus.InProgress, ct);
            await commands.CompleteAsync(id, status, reason, ct);
            progress?.Report($"work item {id} completed: {Naming.Kebab(status)}{(reason is null ? string.Empty : $" ({reason})")}");
        }

        var sprint = await WaitForOutputAsync<Sprint>(InstanceIds.Sprint(Team, sprintNumber), ct);
        progress?.Report($"scrum: sprint {sprint.Number} reviewed — velocity {sprint.Review!.Velocity} points, defect rate {sprint.Review.DefectRate:P1} (threshold {sprint.Review.Threshold:P0})");

        var projectId = InstanceIds.DefectProjectId(sprint.Number);
        var motionId = InstanceIds.ProcessChangeMotionId(Team, projectId);
        var motion = await WaitForStatusAsync<Motion>(InstanceIds.Motion(motionId), m => m.State == MotionState.Seconded, ct);
        progress?.Report($"lean: project {projectId} proposes '{motion.Title}'; roberts opened process-change motion {motion.Id}");

        await commands.VoteAsync(motion.Id, "treasurer", VoteChoice.Object, $"seed-{runId}", ct);
        await WaitForStatusAsync<Motion>(InstanceIds.Motion(motionId), m => m.State == MotionState.Voting, ct);
        progress?.Report("roberts: treasurer objects — general consent is off, the motion is put to a vote");
        foreach (var (voter, choice) in ProcessChangeVotes)
        {
            await commands.VoteAsync(motion.Id, voter, choice, $"seed-{runId}", ct);
        }

        var decided = await WaitForOutputAsync<Motion>(InstanceIds.Motion(motionId), ct);
        progress?.Report($"roberts: process change {Naming.Kebab(decided.Result!.Value)} — {decided.Reason}");
        var project = await WaitForOutputAsync<LeanProject>(InstanceIds.Lean(Team, projectId), ct);
        progress?.Report($"lean: project {project.Id} closed — {project.Outcome}");

        var work = new List<WorkItem>();
        foreach (var id in outcomes.Keys)
        {
            work.Add(await WaitForWorkAsync(id, w => w.IsFinal, ct));
        }

        return new ScenarioReport(root?.TraceId.ToString(), work, approved, sprint, project, decided);
    }

    private Task<WorkItem> WaitForWorkAsync(string id, Func<WorkItem, bool> condition, CancellationToken ct) =>
        PollAsync(async () => await commands.GetWorkAsync(id, ct), condition, ct);

    private Task<T> WaitForStatusAsync<T>(string instanceId, Func<T, bool> condition, CancellationToken ct) where T : class =>
        PollAsync(
            async () => (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, ct)) is { SerializedCustomStatus: not null } i
                ? i.ReadCustomStatusAs<T>()
                : null,
            condition,
            ct);

    private async Task<T> WaitForOutputAsync<T>(string instanceId, CancellationToken ct) where T : class
    {
        var done = await PollAsync(
            async () => await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, ct),
            i => i.IsCompleted,
            ct);
        if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
        {
            throw new InvalidOperationException($"{instanceId} ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage}");
        }

        return done.ReadOutputAs<T>() ?? throw new InvalidOperationException($"{instanceId} completed without output.");
    }

    private static async Task<T> PollAsync<T>(Func<Task<T?>> read, Func<T, bool> condition, CancellationToken ct) where T : class
    {
        while (true)
        {
            try
            {
                if (await read() is { } value && condition(value))
                {
                    return value;
                }
            }
            catch (NotFoundException)
            {
                // Not started yet: the hand-off that creates it is still on the bus.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), ct);
        }
    }
}

/// <summary>What the seed scenario ended with.</summary>
public sealed record ScenarioReport(
    string? TraceId,
    IReadOnlyList<WorkItem> Work,
    WorkItem Feature,
    Sprint Sprint,
    LeanProject Project,
    Motion ProcessChange);
