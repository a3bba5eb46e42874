using Microsoft.DurableTask.Client;

namespace Swarm.Domain;

/// <summary>An agent's latest state as its orchestration keeps it: custom status while running, output when done, else its input.</summary>
public static class AgentState
{
    public static T? Latest<T>(OrchestrationMetadata instance) where T : class =>
        (instance.SerializedCustomStatus is not null ? instance.ReadCustomStatusAs<T>() : null)
        ?? (instance.SerializedOutput is not null ? instance.ReadOutputAs<T>() : null)
        ?? (instance.SerializedInput is not null ? instance.ReadInputAs<T>() : null);
}
