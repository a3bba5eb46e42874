namespace Swarm.Domain.Lean;

/// <summary>DMAIC: define, measure, analyze, improve, control — then wait for the board's decision on the proposal.</summary>
public static class LeanProjectWorkflow
{
    private const string Step = SwarmTasks.Activities.ApplyLeanCommand;

    public static async Task<LeanProject> RunAsync(TaskOrchestrationContext context, LeanProject project)
    {
        context.SetCustomStatus(project);
        if (project.CreatedAt is null)
        {
            project = await context.CallActivityAsync<LeanProject>(SwarmTasks.Activities.CreateLeanProject, project, Inbox.StepOptions);
            context.SetCustomStatus(project);
        }

        // Phases already done are skipped, so a restart from the last known state resumes where the project was.
        foreach (var phase in new[] { LeanCommandKind.Measure, LeanCommandKind.Analyze, LeanCommandKind.Improve, LeanCommandKind.Control })
        {
            if (LeanProject.Machine.CanFire(project.Phase, phase))
            {
                project = await context.StepAsync<LeanProject>(Step, new LeanStep(project, phase));
            }
        }

        while (project.Phase == LeanPhase.Control)
        {
            var decision = await Inbox.NextAsync<LeanCommand>(context);
            if (decision.MotionId == project.MotionId)
            {
                project = await context.StepAsync<LeanProject>(Step, new LeanStep(project, LeanCommandKind.Close, decision));
            }
        }

        return project;
    }
}
