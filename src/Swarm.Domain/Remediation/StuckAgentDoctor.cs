using Microsoft.DurableTask.Client;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;
using Swarm.Domain.Work;

namespace Swarm.Domain.Remediation;

/// <summary>
/// Finds an agent's instances that have made no progress for too long and recovers them: a failed instance is
/// restarted from its last known state (the workflows resume from any state); a running one waiting on a deadline
/// is nudged past it, as if its durable timer had fired.
/// </summary>
public sealed class StuckAgentDoctor(DurableTaskClient client, TimeProvider clock)
{
    private static readonly Dictionary<string, string[]> OrchestratorsOf = new(StringComparer.OrdinalIgnoreCase)
    {
        [AgentNames.Roberts] = [SwarmTasks.Orchestrators.Motion],
        [AgentNames.Scrum] = [SwarmTasks.Orchestrators.ScrumTeam, SwarmTasks.Orchestrators.Sprint, SwarmTasks.Orchestrators.WorkItem],
        [AgentNames.Lean] = [SwarmTasks.Orchestrators.LeanProject],
    };

    public async Task<IReadOnlyList<string>> RecoverAsync(string? agent, TimeSpan stuckAfter, string nudgeId, CancellationToken cancellationToken = default)
    {
        var names = agent is not null && OrchestratorsOf.TryGetValue(agent, out var known)
            ? known
            : OrchestratorsOf.Values.SelectMany(n => n).ToArray();
        var cutoff = clock.GetUtcNow() - stuckAfter;
        var query = new OrchestrationQuery
        {
            Statuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Failed],
            FetchInputsAndOutputs = true,
        };
        var actions = new List<string>();
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (!names.Contains(instance.Name) || instance.LastUpdatedAt > cutoff)
            {
                continue;
            }

            if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Failed)
            {
                var state = LastKnownState(instance);
                await client.ScheduleNewOrchestrationInstanceAsync(instance.Name, state, new StartOrchestrationOptions(instance.InstanceId), cancellationToken);
                actions.Add($"restarted failed {instance.InstanceId} from its last known state");
            }
            else
            {
                await client.RaiseEventAsync(instance.InstanceId, SwarmTasks.CommandEvent, new DeadlineNudge($"{Inbox.DeadlineNudgePrefix}{nudgeId}"), cancellationToken);
                actions.Add($"nudged {instance.InstanceId} past its current deadline (idle since {instance.LastUpdatedAt:O})");
            }
        }

        if (actions.Count == 0)
        {
            actions.Add($"no {agent ?? "agent"} instance idle longer than {stuckAfter}");
        }

        return actions;
    }

    /// <summary>The custom status each workflow keeps is its state; the team agent keeps its state in its input.</summary>
    private static object? LastKnownState(OrchestrationMetadata instance)
    {
        var hasStatus = instance.SerializedCustomStatus is not null;
        return instance.Name switch
        {
            SwarmTasks.Orchestrators.WorkItem when hasStatus => instance.ReadCustomStatusAs<WorkItem>(),
            SwarmTasks.Orchestrators.Motion when hasStatus => instance.ReadCustomStatusAs<Motion>(),
            SwarmTasks.Orchestrators.LeanProject when hasStatus => instance.ReadCustomStatusAs<LeanProject>(),
            SwarmTasks.Orchestrators.Sprint when hasStatus && instance.ReadCustomStatusAs<Sprint>() is { } sprint => new SprintPlan(sprint, sprint.Backlog),
            SwarmTasks.Orchestrators.ScrumTeam => instance.ReadInputAs<ScrumTeamState>(),
            _ => instance.ReadInputAs<JsonElement>(),
        };
    }

    private sealed record DeadlineNudge(string EventId);
}
