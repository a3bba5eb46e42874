using Microsoft.Extensions.Options;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Scrum;

/// <summary>The activities of a work item's orchestration: each applies one command and emits its telemetry.</summary>
public sealed class WorkSteps(
    IAgentEventBus bus,
    AgentMailbox mailbox,
    IOptions<SwarmOptions> options,
    TimeProvider clock,
    ILogger<WorkSteps> logger)
{
    public async Task<WorkItem> ClaimAsync(WorkItem item, CancellationToken cancellationToken = default)
    {
        using var command = Start("scrum.work.claim", item);
        command.Transitioned(new Transition("none", Naming.Kebab(WorkStatus.Claimed)));
        WorkCounterBaseline.Start(item.Team, item.Type);
        CountStatus(item);
        if (item.Transitions.Count == 0)
        {
            item = item.Record(WorkTransition.Of(item.ClaimedAt, WorkTransition.ClaimCommand, "none", Naming.Kebab(WorkStatus.Claimed), command.TraceParent));
        }

        await bus.PublishAsync(AgentEvent.Create(EventTypes.WorkClaimed, AgentNames.Scrum, item.Id, item, item.Id, item.Team), cancellationToken);
        logger.EventPublished(EventTypes.WorkClaimed, item.Id);
        return item;
    }

    public async Task<WorkItem> ApplyAsync(WorkStep step, CancellationToken cancellationToken = default)
    {
        var (item, work) = step;
        using var command = Start($"scrum.work.{Naming.Kebab(work.Kind)}", item, CommandTelemetry.LinkTo(work.TraceParent));
        // Also here, not only at the claim: this process may not be the one that saw the claim (a restart, another host).
        WorkCounterBaseline.Start(item.Team, item.Type);
        return await command.RunAsync(async () =>
        {
            var now = clock.GetUtcNow();
            var next = work.Kind switch
            {
                WorkCommandKind.Approve => item.Approve(work.Decision ?? "approved", work.MotionId),
                WorkCommandKind.Reject => item.Reject(work.Decision ?? "rejected", work.MotionId),
                WorkCommandKind.Plan => item.PlanInto(work.Sprint ?? throw new InvalidInputException("sprint", "A plan command names its sprint.")),
                WorkCommandKind.Progress => item.ReportProgress(work.Percent ?? item.Progress, work.Blocker, now),
                WorkCommandKind.Complete => item.Complete(work.Completion ?? throw new InvalidInputException("status", "A completion names its status."), work.Reason, now),
                _ => throw new IllegalTransitionException("work item", Naming.Kebab(item.Status), Naming.Kebab(work.Kind)),
            };
            command.Tag(SwarmAttributes.SprintNumber, next.Sprint);
            command.Transitioned(item.Status, next.Status);
            next = next.Record(WorkTransition.Of(now, Naming.Kebab(work.Kind), Naming.Kebab(item.Status), Naming.Kebab(next.Status), command.TraceParent));
            if (next.Status != item.Status)
            {
                CountStatus(next);
            }

            await HandOffAsync(item, next, work, command, cancellationToken);
            return next;
        });
    }

    private async Task HandOffAsync(WorkItem before, WorkItem after, WorkCommand work, CommandTelemetry command, CancellationToken cancellationToken)
    {
        switch (work.Kind)
        {
            case WorkCommandKind.Approve:
                var team = options.Value.Team(after.Team);
                var swarm = options.Value;
                var initial = new ScrumTeamState(after.Team, team.FirstSprint, team.Capacity, ScrumTimings.From(swarm.Scrum), swarm.Scrum.DefectRateThreshold);
                await mailbox.StartAndSendAsync(
                    SwarmTasks.Orchestrators.ScrumTeam,
                    InstanceIds.ScrumTeam(after.Team),
                    initial,
                    new TeamCommand(TeamCommandKind.AddToBacklog, $"backlog:{after.Id}")
                    {
                        Item = SprintItem.From(after, command.TraceParent, command.TraceState),
                        TraceParent = command.TraceParent,
                    },
                    cancellationToken);
                break;
            case WorkCommandKind.Progress when after.Blocker is not null && after.Blocker != before.Blocker && after.Sprint is { } sprint:
                await mailbox.SendAsync(
                    InstanceIds.Sprint(after.Team, sprint),
                    new SprintCommand(SprintEventKind.ItemBlocked, $"blocked:{after.Id}:{work.EventId}", after.Id)
                    {
                        Blocker = after.Blocker,
                        TraceParent = command.TraceParent,
                    },
                    cancellationToken);
                break;
            case WorkCommandKind.Complete when after.Sprint is { } sprint:
                var cycle = (after.CompletedAt!.Value - (after.StartedAt ?? after.ClaimedAt)).TotalSeconds;
                await mailbox.SendAsync(
                    InstanceIds.Sprint(after.Team, sprint),
                    new SprintCommand(SprintEventKind.ItemCompleted, $"completed:{after.Id}", after.Id)
                    {
                        Outcome = new ItemOutcome(after.Id, after.Points, after.Type, after.Completion!.Value, after.FailureReason, cycle),
                        TraceParent = command.TraceParent,
                    },
                    cancellationToken);
                break;
        }
    }

    private CommandTelemetry Start(string spanName, WorkItem item, IEnumerable<ActivityLink>? links = null) =>
        CommandTelemetry.Start(logger, spanName, Framework.Scrum, $"work item {item.Id}", links: links)
            .Tag(SwarmAttributes.WorkId, item.Id)
            .Tag(SwarmAttributes.WorkType, Naming.Kebab(item.Type))
            .Tag(SwarmAttributes.WorkPriority, Naming.Kebab(item.Priority))
            .Tag(SwarmAttributes.WorkTeam, item.Team);

    private static void CountStatus(WorkItem item)
    {
        var tags = new TagList
        {
            { SwarmAttributes.Status, Naming.Kebab(item.Status) },
            { SwarmAttributes.Type, Naming.Kebab(item.Type) },
            { SwarmAttributes.Team, item.Team },
        };
        if (item.Completion is { } completion)
        {
            tags.Add(SwarmAttributes.CompletionStatus, Naming.Kebab(completion));
        }

        SwarmTelemetry.WorkItems.Add(1, tags);
    }
}
