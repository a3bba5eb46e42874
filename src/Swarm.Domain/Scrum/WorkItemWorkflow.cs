using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Scrum;

/// <summary>A work item's life: claimed, approved (by motion or by rule), planned into a sprint, worked, completed.</summary>
public static class WorkItemWorkflow
{
    private const string Step = SwarmTasks.Activities.ApplyWorkCommand;

    public static async Task<WorkItem> RunAsync(TaskOrchestrationContext context, WorkItem item)
    {
        var log = context.CreateReplaySafeLogger(typeof(WorkItemWorkflow));
        context.SetCustomStatus(item);

        // A restart from the last known state (stuck-agent remediation) resumes where the item was.
        if (item.Status == WorkStatus.Claimed)
        {
            item = await context.CallActivityAsync<WorkItem>(SwarmTasks.Activities.ClaimWork, item, Inbox.StepOptions);
            context.SetCustomStatus(item);
        }

        if (item.Status == WorkStatus.Claimed && !item.NeedsGovernance)
        {
            item = await ApplyAsync(context, item, new WorkCommand(WorkCommandKind.Approve, $"auto-approve:{item.Id}")
            {
                Decision = $"{Naming.Kebab(item.Type)}s go straight to the team's backlog",
            });
        }

        var handled = new HashSet<string>(StringComparer.Ordinal);
        while (!item.IsFinal)
        {
            var command = await Inbox.NextAsync<WorkCommand>(context);
            if (!handled.Add(command.EventId))
            {
                continue;
            }

            if (!WorkItem.Machine.CanFire(item.Status, command.Kind))
            {
                log.CommandIgnored(AgentNames.Scrum, $"work item {item.Id}", Naming.Kebab(command.Kind), Naming.Kebab(item.Status), "not legal in this state");
                continue;
            }

            try
            {
                item = await ApplyAsync(context, item, command);
            }
            catch (TaskFailedException error) when (error.FailureDetails.IsCausedBy<SwarmDomainException>())
            {
                log.CommandIgnored(AgentNames.Scrum, $"work item {item.Id}", Naming.Kebab(command.Kind), Naming.Kebab(item.Status), error.FailureDetails.ErrorMessage);
            }
        }

        // The output is the final item without its transitions, which stay in the custom status (the item's state as
        // every reader takes it): the task hub's Instances table keeps input, output and custom status side by side,
        // so a finished item's row holds its transitions once, not twice. Listings skip input and output altogether.
        return item with { Transitions = [] };
    }

    /// <summary>One command applied by its step, which gets the item without its transitions and records only its own.</summary>
    private static Task<WorkItem> ApplyAsync(TaskOrchestrationContext context, WorkItem item, WorkCommand command) =>
        context.StepAsync<WorkItem>(Step, new WorkStep(item.WithoutTransitions, command), item.Continue);
}
