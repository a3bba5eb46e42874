using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Swarm.Domain.Remediation;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;

namespace Swarm.Domain.Composition;

/// <summary>
/// What a person or another system can ask of the swarm — claim work, report progress, complete it, vote —
/// checked against the addressed agent's current state so an illegal command is refused at once.
/// Both hosts' HTTP endpoints and the CLI call this.
/// </summary>
public sealed class SwarmCommands(AgentMailbox mailbox, LoadShedding shedding, IOptions<SwarmOptions> options, TimeProvider clock)
{
    /// <summary>The longest idempotency key a claim accepts, in characters.</summary>
    public const int MaxIdempotencyKeyLength = 200;

    private DurableTaskClient Client => mailbox.Client;

    /// <summary>Claims work; the same <paramref name="idempotencyKey"/> always returns the same work item.</summary>
    public async Task<(WorkItem Item, bool Created)> ClaimAsync(ClaimWork claim, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        var key = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        if (key is { Length: > MaxIdempotencyKeyLength })
        {
            throw new InvalidInputException("idempotencyKey", $"The idempotency key is longer than {MaxIdempotencyKeyLength} characters.");
        }

        var id = key is null ? Guid.NewGuid().ToString("N")[..16] : InstanceIds.Key(key);
        var instanceId = InstanceIds.Work(id);
        if (key is not null && await ExistingClaimAsync(instanceId, claim, key, cancellationToken) is { } existing)
        {
            return (existing, false);
        }

        await shedding.EnsureAcceptingAsync(claim.Team, options.Value.Remediation.RetryAfter, cancellationToken);
        var item = new WorkItem
        {
            Id = id,
            Type = claim.Type,
            Title = claim.Title,
            Priority = claim.Priority,
            Team = claim.Team,
            Points = claim.Points,
            ClaimedAt = clock.GetUtcNow(),
            IdempotencyKey = key,
        };
        if (await mailbox.StartAsync(SwarmTasks.Orchestrators.WorkItem, instanceId, item, cancellationToken))
        {
            return (item, true);
        }

        // Lost a race with a concurrent claim under the same key: answer with the one that won.
        return (await ExistingClaimAsync(instanceId, claim, key!, cancellationToken)
            ?? throw new ConflictException($"Work item {id} could not be started."), false);
    }

    public async Task<WorkItem> GetWorkAsync(string workId, CancellationToken cancellationToken = default)
    {
        var instance = await Client.GetInstanceAsync(InstanceIds.Work(workId), getInputsAndOutputs: true, cancellationToken);
        return (instance is null ? null : WorkItemState.From(instance)) ?? throw new NotFoundException("work item", workId);
    }

    /// <summary>
    /// Sprint <paramref name="number"/> of <paramref name="team"/> as its orchestration (<c>sprint-{team}-{number}</c>)
    /// keeps it: the reviewed sprint once it has closed (its output), its current state while it runs (custom status),
    /// the plan before its first step. Throws <see cref="NotFoundException"/> when the team never planned that sprint.
    /// </summary>
    public async Task<Sprint> GetSprintAsync(string team, int number, CancellationToken cancellationToken = default)
    {
        var instance = await Client.GetInstanceAsync(InstanceIds.Sprint(team, number), getInputsAndOutputs: true, cancellationToken);
        var sprint = instance switch
        {
            null => null,
            { RuntimeStatus: OrchestrationRuntimeStatus.Completed, SerializedOutput: not null } => instance.ReadOutputAs<Sprint>(),
            { SerializedCustomStatus: not null } => instance.ReadCustomStatusAs<Sprint>(),
            { SerializedInput: not null } => instance.ReadInputAs<SprintPlan>()?.Sprint,
            _ => null,
        };
        return sprint ?? throw new NotFoundException("sprint", $"{team}/{number}");
    }

    /// <summary>Reports progress (and optionally a blocker); the first report moves a planned item in progress.</summary>
    public async Task<WorkItem> ReportProgressAsync(string workId, int percent, string? blocker, string? requestId, CancellationToken cancellationToken = default)
    {
        WorkItem.RequirePercent(percent);
        var item = await GetWorkAsync(workId, cancellationToken);
        var next = item.ReportProgress(percent, blocker, clock.GetUtcNow());
        await mailbox.SendAsync(
            InstanceIds.Work(workId),
            new WorkCommand(WorkCommandKind.Progress, EventId("progress", workId, requestId))
            {
                Percent = percent,
                Blocker = blocker,
                TraceParent = Activity.Current?.Id,
            },
            cancellationToken);
        return next;
    }

    /// <summary>Completes an item in progress; repeating the same completion is answered with the item as it is.</summary>
    public async Task<WorkItem> CompleteAsync(string workId, CompletionStatus status, string? reason, CancellationToken cancellationToken = default)
    {
        var item = await GetWorkAsync(workId, cancellationToken);
        if (item.Status == WorkStatus.Completed && item.Completion == status)
        {
            return item;
        }

        var next = item.Complete(status, reason, clock.GetUtcNow());
        await mailbox.SendAsync(
            InstanceIds.Work(workId),
            new WorkCommand(WorkCommandKind.Complete, $"complete:{workId}")
            {
                Completion = status,
                Reason = reason,
                TraceParent = Activity.Current?.Id,
            },
            cancellationToken);
        return next;
    }

    public async Task<Motion> GetMotionAsync(string motionId, CancellationToken cancellationToken = default)
    {
        var instance = await Client.GetInstanceAsync(InstanceIds.Motion(motionId), getInputsAndOutputs: true, cancellationToken);
        var motion = instance is null ? null : AgentState.Latest<Motion>(instance);
        return motion ?? throw new NotFoundException("motion", motionId);
    }

    /// <summary>
    /// A member's word on a motion: <c>second</c> while it is open, <c>object</c> while it awaits general consent,
    /// <c>yes</c>/<c>no</c>/<c>abstain</c> while it is put to a vote.
    /// </summary>
    public async Task<Motion> VoteAsync(string motionId, string voter, VoteChoice choice, string? requestId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(voter))
        {
            throw new InvalidInputException("voter", "voter is required.");
        }

        var member = voter.Trim().ToLowerInvariant();
        var motion = await GetMotionAsync(motionId, cancellationToken);
        var next = choice switch
        {
            VoteChoice.Second => motion.SecondBy(member),
            VoteChoice.Object => motion.ObjectBy(member),
            _ => motion.CastVote(member, choice),
        };
        if (choice is VoteChoice.Yes or VoteChoice.No or VoteChoice.Abstain && motion.Votes.ContainsKey(member))
        {
            return motion;
        }

        await mailbox.SendAsync(
            InstanceIds.Motion(motionId),
            new MotionCommand(EventId(Naming.Kebab(choice), $"{motionId}:{member}", requestId), member, choice)
            {
                TraceParent = Activity.Current?.Id,
            },
            cancellationToken);
        return next;
    }

    private async Task<WorkItem?> ExistingClaimAsync(string instanceId, ClaimWork claim, string key, CancellationToken cancellationToken)
    {
        var instance = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        var first = instance.ReadInputAs<WorkItem>() ?? throw new ConflictException($"Work item for idempotency key '{key}' has no input.");
        if (first.Type != claim.Type || first.Title != claim.Title || first.Priority != claim.Priority || first.Team != claim.Team || first.Points != claim.Points)
        {
            throw new ConflictException($"Idempotency key '{key}' was already used for a different claim (work item {first.Id}).");
        }

        return WorkItemState.From(instance) ?? first;
    }

    private static string EventId(string kind, string subject, string? requestId) =>
        $"{kind}:{subject}:{(string.IsNullOrWhiteSpace(requestId) ? Guid.NewGuid().ToString("N") : requestId.Trim())}";
}
