namespace Swarm.Domain.Scrum;

/// <summary>
/// A team's Scrum agent: collects approved work, plans the next sprint after a planning window, waits for that
/// sprint to close (still collecting work), then continues as new with the carried-over backlog.
/// </summary>
public static class ScrumTeamWorkflow
{
    public static async Task<ScrumTeamState> RunAsync(TaskOrchestrationContext context, ScrumTeamState state)
    {
        var backlog = state.Backlog.ToList();
        var handledOrder = state.HandledEvents.ToList();
        var handled = new HashSet<string>(handledOrder, StringComparer.Ordinal);

        bool Handle(TeamCommand command)
        {
            if (!handled.Add(command.EventId))
            {
                return false;
            }

            handledOrder.Add(command.EventId);
            if (command.Kind == TeamCommandKind.AddToBacklog && command.Item is { } item && backlog.All(i => i.WorkId != item.WorkId))
            {
                backlog.Add(item);
            }

            return true;
        }

        // The next sprint is the one after the sprint being planned or run, else the one the team will plan.
        void Report(string what, int? current) =>
            context.SetCustomStatus(new ScrumTeamStatus(state.Team, what, current, current is { } number ? number + 1 : state.NextSprint, backlog.Count));

        Report("waiting-for-work", null);
        while (backlog.Count == 0)
        {
            Handle(await Inbox.NextAsync<TeamCommand>(context));
        }

        Report("planning", state.NextSprint);
        var planningEnds = context.CurrentUtcDateTime + state.Timings.PlanningWindow;
        while (await Inbox.NextBeforeAsync<TeamCommand>(context, planningEnds) is { } command)
        {
            Handle(command);
        }

        var (selected, remaining) = ScrumRules.Plan(backlog, state.Capacity);
        var sprint = new Sprint
        {
            Team = state.Team,
            Number = state.NextSprint,
            Capacity = state.Capacity,
            Timings = state.Timings,
            DefectRateThreshold = state.DefectRateThreshold,
        };
        await context.CallActivityAsync<Sprint>(SwarmTasks.Activities.StartSprint, new SprintPlan(sprint, selected), Inbox.StepOptions);
        backlog = [.. remaining];
        Report("executing", sprint.Number);

        while (true)
        {
            var command = await Inbox.NextAsync<TeamCommand>(context);
            if (command.Kind == TeamCommandKind.SprintClosed && command.Sprint == sprint.Number)
            {
                if (Handle(command))
                {
                    backlog.InsertRange(0, command.Unfinished.Where(u => backlog.All(b => b.WorkId != u.WorkId)));
                    break;
                }

                continue;
            }

            Handle(command);
        }

        var next = state with
        {
            NextSprint = sprint.Number + 1,
            Backlog = backlog,
            HandledEvents = handledOrder.TakeLast(ScrumTeamState.RememberedEvents).ToList(),
        };
        context.ContinueAsNew(next, preserveUnprocessedEvents: true);
        return next;
    }
}
