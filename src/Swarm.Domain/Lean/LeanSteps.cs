using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Lean;

/// <summary>
/// The activities of a DMAIC project: each phase is one step with real data behind it (the team's work history), and
/// define and control merge a project into the team's project that opened before it (the team's open projects).
/// </summary>
public sealed class LeanSteps(IAgentEventBus bus, ITeamWorkRecords history, ITeamImprovements improvements, TimeProvider clock, ILogger<LeanSteps> logger)
{
    /// <summary>
    /// Defines the project (<see cref="LeanProject.CreatedAt"/> set) — or merges it, closed at once, into the team's project
    /// that opened first and is still open (<see cref="FirstOpenElsewhereAsync"/>).
    /// </summary>
    public async Task<LeanProject> CreateAsync(LeanProject project, CancellationToken cancellationToken = default)
    {
        using var command = Start("lean.project.create", project, null);
        return await command.RunAsync(async () =>
        {
            var now = clock.GetUtcNow();
            var defined = project with { CreatedAt = now };
            if (await FirstOpenElsewhereAsync(project, cancellationToken) is { } first)
            {
                command.Transitioned(new Transition("none", Naming.Kebab(LeanPhase.Closed)));
                logger.LeanProjectMerged(project.Id, project.Team, first);
                return defined.Merged(first, now);
            }

            command.Transitioned(new Transition("none", Naming.Kebab(LeanPhase.Define)));
            Count(null, defined.Phase);
            return defined;
        });
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
                // The last moment before the proposal reaches the board: checked again here, where every project of the team
                // created before this one is certainly visible (define may have run within milliseconds of its creation).
                LeanCommandKind.Control => await FirstOpenElsewhereAsync(project, cancellationToken) is { } first
                    ? project.Merged(first, clock.GetUtcNow())
                    : project.Controlled(InstanceIds.ProcessChangeMotionId(project.Team, project.Id)),
                LeanCommandKind.Close => project.Closed(
                    step.Decision is { } d ? $"process change {Naming.Kebab(d.Result)}: {d.Reason}" : "closed without a decision",
                    clock.GetUtcNow()),
                _ => throw new IllegalTransitionException("lean project", Naming.Kebab(project.Phase), Naming.Kebab(step.Kind)),
            };
            command.Transitioned(project.Phase, next.Phase);
            Count(project.Phase, next.Phase);
            if (next.MergedInto is { } merged)
            {
                logger.LeanProjectMerged(next.Id, next.Team, merged);
            }
            else if (step.Kind == LeanCommandKind.Control)
            {
                logger.LeanProposalReady(next.Id, next.Team, next.Proposal?.Title ?? string.Empty);
                await bus.PublishAsync(
                    AgentEvent.Create(EventTypes.ProposalReady, AgentNames.Lean, $"{next.Team}:{next.Id}", next, team: next.Team),
                    cancellationToken);
            }

            return next;
        });
    }

    /// <summary>
    /// The id of the team's project that opened first (<see cref="ITeamImprovements.CurrentAsync"/>: the oldest open one)
    /// when that is not <paramref name="project"/> itself; null when this one is first. An alert's remediation and a sprint
    /// review that start a project at the same moment both see none open (a check-then-start race between two
    /// orchestrations); this makes the later one yield, so one change goes to the board.
    /// </summary>
    private async Task<string?> FirstOpenElsewhereAsync(LeanProject project, CancellationToken cancellationToken) =>
        await improvements.CurrentAsync(project.Team, closedSince: DateTimeOffset.MaxValue, cancellationToken) is { Open: true } first
        && !string.Equals(first.ProjectId, project.Id, StringComparison.Ordinal)
            ? first.ProjectId
            : null;

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
