namespace Swarm.Domain.Scrum;

/// <summary>One sprint: start with the planned backlog, execute until every item is done or time is up, review, retro, close.</summary>
public static class SprintWorkflow
{
    private const string Step = SwarmTasks.Activities.ApplySprintCommand;

    public static async Task<Sprint> RunAsync(TaskOrchestrationContext context, SprintPlan plan)
    {
        var sprint = plan.Sprint with { Backlog = plan.Items };
        context.SetCustomStatus(sprint);

        // Each phase runs only from its own state, so a restart from the last known state resumes where the sprint was.
        if (sprint.State == SprintState.Planning)
        {
            sprint = await context.StepAsync<Sprint>(Step, new SprintStep(sprint, SprintCommandKind.Start));
        }

        var deadline = sprint.EndsAt?.UtcDateTime ?? context.CurrentUtcDateTime + sprint.Timings.SprintLength;
        var handled = new HashSet<string>(StringComparer.Ordinal);
        while (sprint.State == SprintState.Executing && !sprint.AllItemsDone)
        {
            var command = await Inbox.NextBeforeAsync<SprintCommand>(context, deadline);
            if (command is null)
            {
                break;
            }

            if (!handled.Add(command.EventId))
            {
                continue;
            }

            if (command.Kind == SprintEventKind.ItemCompleted && command.Outcome is { } outcome)
            {
                // Recording an outcome is pure bookkeeping on the sprint's state, so it needs no activity.
                sprint = sprint.RecordOutcome(outcome);
                context.SetCustomStatus(sprint);
            }
            else if (command.Kind == SprintEventKind.ItemBlocked)
            {
                sprint = await context.StepAsync<Sprint>(Step, new SprintStep(sprint, SprintCommandKind.Escalate, command));
            }
        }

        if (sprint.State == SprintState.Executing)
        {
            sprint = await context.StepAsync<Sprint>(Step, new SprintStep(sprint, SprintCommandKind.Review));
        }

        if (sprint.State == SprintState.Review)
        {
            sprint = await context.StepAsync<Sprint>(Step, new SprintStep(sprint, SprintCommandKind.Retro));
        }

        if (sprint.State == SprintState.Retro)
        {
            sprint = await context.StepAsync<Sprint>(Step, new SprintStep(sprint, SprintCommandKind.Close));
        }

        return sprint;
    }
}
