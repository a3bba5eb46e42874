namespace Swarm.Domain.Lean;

/// <summary>DMAIC: define, measure, analyze, improve, control — then wait for the board's decision on the proposal.</summary>
public static class LeanProjectWorkflow
{
    public static async Task<LeanProject> RunAsync(TaskOrchestrationContext context, LeanProject project)
    {
        project = await context.CallActivityAsync<LeanProject>(SwarmTasks.Activities.CreateLeanProject, project, Inbox.StepOptions);
        context.SetCustomStatus(project);
        foreach (var phase in new[] { LeanCommandKind.Measure, LeanCommandKind.Analyze, LeanCommandKind.Improve, LeanCommandKind.Control })
        {
            project = await StepAsync(context, new LeanStep(project, phase));
        }

        while (true)
        {
            var decision = await Inbox.NextAsync<LeanCommand>(context);
            if (decision.MotionId == project.MotionId)
            {
                return await StepAsync(context, new LeanStep(project, LeanCommandKind.Close, decision));
            }
        }
    }

    private static async Task<LeanProject> StepAsync(TaskOrchestrationContext context, LeanStep step)
    {
        var next = await context.CallActivityAsync<LeanProject>(SwarmTasks.Activities.ApplyLeanCommand, step, Inbox.StepOptions);
        context.SetCustomStatus(next);
        return next;
    }
}
