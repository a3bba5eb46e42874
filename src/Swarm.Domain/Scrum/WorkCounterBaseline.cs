using Microsoft.DurableTask.Client;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Scrum;

/// <summary>
/// Gives the completion series of <c>swarm.work.items</c> (exposed to Prometheus as <c>swarm_work_items_total</c> with
/// <c>status="completed"</c> and each <c>completion_status</c>) a 0 before a completion can count, in the process that
/// will count it. Prometheus' <c>increase()</c> needs a sample before the first completion; a series that first appears
/// at 1 contributes nothing, so a sprint's failure would never reach <c>HighDefectRate</c> ("avoid missing metrics",
/// Prometheus instrumentation practices). A process that restarted after a crash, or a second host on the task hub,
/// never saw the claims of the work it completes, which is why every work command and each host's start set the 0.
/// </summary>
public static class WorkCounterBaseline
{
    private static readonly OrchestrationQuery OpenWork =
        InstanceIds.ByPrefix(InstanceIds.Work(string.Empty), [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending])
            with { FetchInputsAndOutputs = false };

    /// <summary>Adds 0 to the completion series (every <see cref="CompletionStatus"/>) of <paramref name="team"/> and <paramref name="type"/>.</summary>
    public static void Start(string team, WorkType type)
    {
        foreach (var ending in Enum.GetValues<CompletionStatus>())
        {
            SwarmTelemetry.WorkItems.Add(0, new TagList
            {
                { SwarmAttributes.Status, Naming.Kebab(WorkStatus.Completed) },
                { SwarmAttributes.Type, Naming.Kebab(type) },
                { SwarmAttributes.Team, team },
                { SwarmAttributes.CompletionStatus, Naming.Kebab(ending) },
            });
        }
    }

    /// <summary>
    /// Starts the completion series of every team and type with open work in the task hub: work-item instances still
    /// Running or Pending, read as rows without input and output (the custom status names the team and type; an
    /// instance whose row comes without it is read whole). Returns
    /// how many team × type pairs it started. Errors of the backend propagate.
    /// </summary>
    public static async Task<int> StartOpenWorkAsync(DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var started = new HashSet<(string Team, WorkType Type)>();
        await foreach (var instance in client.GetAllInstancesAsync(OpenWork).WithCancellation(cancellationToken))
        {
            // A backend that leaves the custom status out of such rows: the instance is read whole, on its own.
            var json = instance.SerializedCustomStatus
                ?? (await client.GetInstanceAsync(instance.InstanceId, getInputsAndOutputs: true, cancellationToken))?.SerializedCustomStatus;
            var open = json is null ? null : JsonSerializer.Deserialize<TeamAndType>(json, WorkItemState.Options);
            if (open is { Team: { Length: > 0 } team, Type: { } type } && started.Add((team, type)))
            {
                Start(team, type);
            }
        }

        return started.Count;
    }

    private sealed record TeamAndType(string? Team, WorkType? Type);
}
