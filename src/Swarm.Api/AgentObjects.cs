using System.Text.Json;
using Microsoft.DurableTask.Client;
using Swarm.Domain;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;

namespace Swarm.Api;

/// <summary>A list answer of the agent-object routes: newest first, at most the <c>max</c> asked for.</summary>
public sealed record AgentObjectList<T>(int Count, IReadOnlyList<T> Items);

/// <summary>
/// The agents' objects as their orchestrations keep them — motions (<c>motion-*</c>), Lean projects (<c>lean-*</c>) and a
/// team's sprints (<c>sprint-{team}-*</c>) — read by instance-id prefix: a finished instance's output, a running one's
/// custom status (every agent step makes its state the custom status), the input before its first step. What the
/// board and operators read; the agents' own rules stay in their orchestrations.
/// </summary>
public static class AgentObjects
{
    /// <summary>Instances read at most per request: 1,000 (their inputs and outputs are fetched).</summary>
    public const int MaxScanned = 1_000;

    /// <summary>
    /// Motions, newest first: <paramref name="state"/> <c>open</c> (no result yet) or <c>decided</c>, none for both;
    /// <paramref name="team"/> when given. A bad state is a 400 naming <c>state</c>.
    /// </summary>
    public static async Task<AgentObjectList<Motion>> MotionsAsync(DurableTaskClient client, string? state, string? team, int max, CancellationToken cancellationToken)
    {
        var open = state?.ToLowerInvariant() switch
        {
            null => (bool?)null,
            "open" => true,
            "decided" => false,
            _ => throw new InvalidInputException("state", $"state '{state}' is unknown; one of open, decided."),
        };
        var motions = await ReadAsync(client, "motion-", Read<Motion>, cancellationToken);
        return List(motions
            .Where(m => open is null || (m.Result is null) == open)
            .Where(m => team is null || string.Equals(m.Team, team, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(m => m.OpenedAt), max);
    }

    /// <summary>One motion by id; 404 when no motion has it.</summary>
    public static async Task<Motion> MotionAsync(DurableTaskClient client, string id, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(InstanceIds.Motion(id), getInputsAndOutputs: true, cancellationToken);
        return (instance is null ? null : Read<Motion>(instance)) ?? throw new NotFoundException("motion", id);
    }

    /// <summary>Lean projects, newest first, of <paramref name="team"/> when given.</summary>
    public static async Task<AgentObjectList<LeanProject>> LeanProjectsAsync(DurableTaskClient client, string? team, int max, CancellationToken cancellationToken)
    {
        var projects = await ReadAsync(client, team is null ? "lean-" : $"lean-{team}-", Read<LeanProject>, cancellationToken);
        return List(projects.OrderByDescending(p => p.CreatedAt), max);
    }

    /// <summary>The sprints <paramref name="team"/> planned, newest first (none: an empty list).</summary>
    public static async Task<AgentObjectList<Sprint>> SprintsAsync(DurableTaskClient client, string team, int max, CancellationToken cancellationToken)
    {
        var sprints = await ReadAsync(
            client,
            $"sprint-{team}-",
            instance => instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed || instance.SerializedCustomStatus is not null
                ? Read<Sprint>(instance)
                : instance.ReadInputAs<SprintPlan>()?.Sprint,
            cancellationToken);
        // sprint-alpha-1 is also a prefix of sprint-alpha-beta-1: keep the team's own.
        return List(sprints.Where(s => s.Team == team).OrderByDescending(s => s.Number), max);
    }

    private static T? Read<T>(OrchestrationMetadata instance) where T : class =>
        instance switch
        {
            { RuntimeStatus: OrchestrationRuntimeStatus.Completed, SerializedOutput: not null } => instance.ReadOutputAs<T>(),
            { SerializedCustomStatus: not null } => instance.ReadCustomStatusAs<T>(),
            { SerializedInput: not null } => instance.ReadInputAs<T>(),
            _ => null,
        };

    private static async Task<List<T>> ReadAsync<T>(
        DurableTaskClient client, string prefix, Func<OrchestrationMetadata, T?> read, CancellationToken cancellationToken) where T : class
    {
        var items = new List<T>();
        var scanned = 0;
        var query = InstanceIds.ByPrefix(prefix);
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (instance.RuntimeStatus is not (OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Failed))
            {
                try
                {
                    if (read(instance) is { } item)
                    {
                        items.Add(item);
                    }
                }
                catch (JsonException)
                {
                    // A state of another shape (an older build's) is skipped rather than failing the whole list.
                }
            }

            if (++scanned >= MaxScanned)
            {
                break;
            }
        }

        return items;
    }

    private static AgentObjectList<T> List<T>(IEnumerable<T> items, int max)
    {
        var listed = items.Take(max).ToList();
        return new AgentObjectList<T>(listed.Count, listed);
    }
}
