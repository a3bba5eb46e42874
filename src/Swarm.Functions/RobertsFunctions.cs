using Swarm.Domain.Roberts;

namespace Swarm.Functions;

/// <summary>Roberts: a motion's orchestration and its activity, under their catalog names.</summary>
public sealed class RobertsFunctions(MotionSteps steps)
{
    [Function(SwarmTasks.Orchestrators.Motion)]
    public static Task<Motion> MotionOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, Motion motion) =>
        MotionWorkflow.RunAsync(context, motion);

    [Function(SwarmTasks.Activities.ApplyMotionCommand)]
    public Task<Motion> ApplyMotionCommand([ActivityTrigger] MotionStep step, [DurableClient] DurableTaskClient client) =>
        steps.ApplyAsync(step);
}
