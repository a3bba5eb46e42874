using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Lean;

/// <summary>The activities of a DMAIC project: each phase is one step with real data behind it.</summary>
public sealed class LeanSteps(IAgentEventBus bus, ITeamWorkRecords history, TimeProvider clock, ILogger<LeanSteps> logger)
{
    public Task<LeanProject> CreateAsync(LeanProject project, CancellationToken cancellationToken = default)
    {
        using var command = Start("lean.project.create", project, null);
        command.Transitioned(new Transition("none", Naming.Kebab(LeanPhase.Define)));
        Count(null, project.Phase);
        return Task.FromResult(project with { CreatedAt = clock.GetUtcNow() });
    }

    public async Task<LeanProject> ApplyAsync(LeanStep step, CancellationToken cancellationToken = default)
    {
        var project = step.Project;
        using var command = Start($"lean.project.{Naming.Kebab(step.Kind)}", project, step.Decision?.TraceParent);
        return await command.RunAsync(async () =>
        {
            var next = step.Kind switch
            {
                LeanCommandKind.Measure => project.Measured(LeanRules.Measure(ReportedCompletion.Apply(await history.ForTeamAsync(project.Team, cancellationToken), project.ReportedCompletions))),
                LeanCommandKind.Analyze => project.Analyzed(LeanRules.Analyze(ReportedCompletion.Apply(await history.ForTeamAsync(project.Team, cancellationToken), project.ReportedCompletions))),
                LeanCommandKind.Improve => project.Improved(LeanRules.Improve(
                    project.Team,
                    project.Measurement ?? throw new IllegalTransitionException("lean project", "unmeasured", "improve"),
                    project.RootCauses,
                    project.Threshold)),
                LeanCommandKind.Control => project.Controlled(InstanceIds.ProcessChangeMotionId(project.Team, project.Id)),
                LeanCommandKind.Close => project.Closed(
                    step.Decision is { } d ? $"process change {Naming.Kebab(d.Result)}: {d.Reason}" : "closed without a decision",
                    clock.GetUtcNow()),
                _ => throw new IllegalTransitionException("lean project", Naming.Kebab(project.Phase), Naming.Kebab(step.Kind)),
            };
            command.Transitioned(project.Phase, next.Phase);
            Count(project.Phase, next.Phase);
            if (step.Kind == LeanCommandKind.Control)
            {
                logger.LeanProposalReady(next.Id, next.Team, next.Proposal?.Title ?? string.Empty);
                await bus.PublishAsync(
                    AgentEvent.Create(EventTypes.ProposalReady, AgentNames.Lean, $"{next.Team}:{next.Id}", next, team: next.Team),
                    cancellationToken);
            }

            return next;
        });
    }

    private static void Count(LeanPhase? from, LeanPhase to)
    {
        if (from is { } left)
        {
            SwarmTelemetry.LeanProjects.Add(-1, new KeyValuePair<string, object?>(SwarmAttributes.Phase, Naming.Kebab(left)));
        }

        if (to != LeanPhase.Closed)
        {
            SwarmTelemetry.LeanProjects.Add(1, new KeyValuePair<string, object?>(SwarmAttributes.Phase, Naming.Kebab(to)));
        }
    }

    private CommandTelemetry Start(string spanName, LeanProject project, string? linkedTraceParent) =>
        CommandTelemetry.Start(logger, spanName, Framework.Lean, $"project {project.Team}/{project.Id}", links: CommandTelemetry.LinkTo(linkedTraceParent))
            .Tag(SwarmAttributes.LeanProjectId, project.Id)
            .Tag(SwarmAttributes.WorkTeam, project.Team)
            .Tag(SwarmAttributes.SprintNumber, project.Sprint)
            .Tag(SwarmAttributes.AlertId, project.AlertId);
}
