using Microsoft.DurableTask.Client;

namespace Swarm.Domain;

/// <summary>
/// Starts agent orchestrations and sends them commands. Starting is idempotent: instance ids are
/// deterministic, so a second start of the same id finds the first and starts nothing.
/// </summary>
public sealed class AgentMailbox(DurableTaskClient client)
{
    public DurableTaskClient Client => client;

    /// <summary>Starts <paramref name="orchestrator"/> as <paramref name="instanceId"/> unless that instance already exists; true when this call started it.</summary>
    public async Task<bool> StartAsync(string orchestrator, string instanceId, object input, CancellationToken cancellationToken = default)
    {
        if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
        {
            return false;
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                orchestrator, input, new StartOrchestrationOptions(instanceId), cancellationToken);
            return true;
        }
        catch (Exception)
        {
            // A concurrent start may have won the race: then the instance exists, which is all the caller asked for.
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
            {
                return false;
            }

            throw;
        }
    }

    public Task SendAsync(string instanceId, object command, CancellationToken cancellationToken = default) =>
        client.RaiseEventAsync(instanceId, SwarmTasks.CommandEvent, command, cancellationToken);

    /// <summary>Sends a command to a long-lived agent, starting it first when it is not running yet.</summary>
    public async Task StartAndSendAsync(string orchestrator, string instanceId, object input, object command, CancellationToken cancellationToken = default)
    {
        await StartAsync(orchestrator, instanceId, input, cancellationToken);
        await SendAsync(instanceId, command, cancellationToken);
    }
}
