using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Scrum;

/// <summary>The activities of the Scrum agent: starting a sprint and each step of its life.</summary>
public sealed class SprintSteps(IAgentEventBus bus, AgentMailbox mailbox, TimeProvider clock, ILogger<SprintSteps> logger)
{
    /// <summary>
    /// Schedules the planned sprint's orchestration in the trace of the first item it delivers (the sprint exists
    /// because of that item) and links the traces of the others.
    /// </summary>
    public async Task<Sprint> StartSprintAsync(SprintPlan plan, CancellationToken cancellationToken = default)
    {
        var sprint = plan.Sprint;
        var parent = plan.Items.Count > 0 ? CommandTelemetry.ParseParent(plan.Items[0].TraceParent, plan.Items[0].TraceState) : default;
        var links = plan.Items.Skip(1).SelectMany(i => CommandTelemetry.LinkTo(i.TraceParent)).ToList();
        if (Activity.Current is { } teamSpan)
        {
            links.Add(new ActivityLink(teamSpan.Context));
        }

        using var command = Start("scrum.sprint.plan", sprint, parent, links);
        command.Transitioned(new Transition("none", Naming.Kebab(SprintState.Planning)));
        await mailbox.StartAsync(SwarmTasks.Orchestrators.Sprint, InstanceIds.Sprint(sprint.Team, sprint.Number), plan, cancellationToken);
        return sprint;
    }

    public async Task<Sprint> ApplyAsync(SprintStep step, CancellationToken cancellationToken = default)
    {
        var sprint = step.Sprint;
        using var command = Start($"scrum.sprint.{Naming.Kebab(step.Kind)}", sprint, default, CommandTelemetry.LinkTo(step.Command?.TraceParent));
        return await command.RunAsync(async () =>
        {
            var next = step.Kind switch
            {
                SprintCommandKind.Start => sprint.Start(sprint.Backlog, clock.GetUtcNow()),
                SprintCommandKind.Escalate => sprint.Escalate(step.Command?.WorkId ?? "unknown", step.Command?.Blocker ?? "unspecified"),
                SprintCommandKind.Review => sprint.ReviewResults(),
                SprintCommandKind.Retro => sprint.Retrospect(),
                SprintCommandKind.Close => sprint.Close(clock.GetUtcNow()),
                _ => throw new IllegalTransitionException("sprint", Naming.Kebab(sprint.State), Naming.Kebab(step.Kind)),
            };
            command.Transitioned(sprint.State, next.State);
            await AfterAsync(step, next, command, cancellationToken);
            return next;
        });
    }

    private async Task AfterAsync(SprintStep step, Sprint sprint, CommandTelemetry command, CancellationToken cancellationToken)
    {
        var team = sprint.Team;
        switch (step.Kind)
        {
            case SprintCommandKind.Start:
                logger.SprintStarted(team, sprint.Number, sprint.Backlog.Count, sprint.Backlog.Sum(i => i.Points));
                foreach (var item in sprint.Backlog)
                {
                    await mailbox.SendAsync(
                        InstanceIds.Work(item.WorkId),
                        new WorkCommand(WorkCommandKind.Plan, $"plan:{team}:{sprint.Number}:{item.WorkId}")
                        {
                            Sprint = sprint.Number,
                            TraceParent = command.TraceParent,
                        },
                        cancellationToken);
                }

                break;
            case SprintCommandKind.Escalate:
                logger.BlockerEscalated(team, sprint.Number, step.Command?.WorkId ?? "unknown", step.Command?.Blocker ?? "unspecified");
                break;
            case SprintCommandKind.Review:
                var review = sprint.Review!;
                command.Tag("swarm.scrum.velocity", review.Velocity).Tag("swarm.scrum.defect_rate", review.DefectRate);
                SwarmTelemetry.Velocity.Record(review.Velocity, new KeyValuePair<string, object?>(SwarmAttributes.Team, team));
                SwarmTelemetry.DefectRate.Record(review.DefectRate, new KeyValuePair<string, object?>(SwarmAttributes.Team, team));
                logger.SprintReviewed(team, sprint.Number, review.Velocity, review.DefectRate);
                if (review.ExceedsThreshold)
                {
                    logger.DefectRateExceeded(team, sprint.Number, review.DefectRate, review.Threshold);
                    await bus.PublishAsync(
                        AgentEvent.Create(EventTypes.DefectRateExceeded, AgentNames.Scrum, $"{team}:{sprint.Number}", sprint, team: team),
                        cancellationToken);
                }

                break;
            case SprintCommandKind.Close:
                await bus.PublishAsync(
                    AgentEvent.Create(EventTypes.SprintCompleted, AgentNames.Scrum, $"{team}:{sprint.Number}", sprint, team: team),
                    cancellationToken);
                break;
        }
    }

    private CommandTelemetry Start(string spanName, Sprint sprint, ActivityContext parent, IEnumerable<ActivityLink>? links) =>
        CommandTelemetry.Start(logger, spanName, Framework.Scrum, $"sprint {sprint.Team}/{sprint.Number}", parent, links)
            .Tag(SwarmAttributes.WorkTeam, sprint.Team)
            .Tag(SwarmAttributes.SprintNumber, sprint.Number);
}
