using Microsoft.DurableTask.Client;

namespace Swarm.Domain.Remediation;

/// <summary>
/// Finds an agent's instances that have made no progress for too long and recovers them: a failed instance is
/// restarted from its last known state (the workflows resume from any state); a running one waiting on a deadline
/// is nudged past it, as if its durable timer had fired.
/// </summary>
public sealed class StuckAgentDoctor(IEnumerable<RecoverableOrchestrator> recoverable, DurableTaskClient client, TimeProvider clock)
{
    private readonly IReadOnlyList<RecoverableOrchestrator> _recoverable = [.. recoverable];

    public async Task<IReadOnlyList<string>> RecoverAsync(string? agent, TimeSpan stuckAfter, string nudgeId, CancellationToken cancellationToken = default)
    {
        var ofAgent = _recoverable.Where(r => string.Equals(r.Agent, agent, StringComparison.OrdinalIgnoreCase)).ToList();
        var orchestrators = (ofAgent.Count > 0 ? ofAgent : _recoverable).ToDictionary(r => r.Orchestrator, StringComparer.Ordinal);
        var cutoff = clock.GetUtcNow() - stuckAfter;
        var query = new OrchestrationQuery
        {
            Statuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Failed],
            FetchInputsAndOutputs = true,
        };
        var actions = new List<string>();
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (!orchestrators.TryGetValue(instance.Name, out var orchestrator) || instance.LastUpdatedAt > cutoff)
            {
                continue;
            }

            if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Failed)
            {
                var state = orchestrator.LastKnownInput(instance) ?? instance.ReadInputAs<JsonElement>();
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

    private sealed record DeadlineNudge(string EventId);
}
