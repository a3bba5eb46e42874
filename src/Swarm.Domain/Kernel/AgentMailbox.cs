using Microsoft.DurableTask.Client;

namespace Swarm.Domain;

/// <summary>
/// Whether <see cref="AgentMailbox.StartAndSendAsync"/> waits for an instance it finds Pending (or has just started) to
/// start before it sends the instance a command. On the Durable Task Framework's Azure Storage provider a start message
/// is enqueued before the instance's row is written, a poller that dequeues it before the row exists defers it, and an
/// event dequeued meanwhile is discarded ("No such instance"): the command would be lost. The Functions host raises
/// events through the Durable extension, which does not guard against this, so it waits (the default, when no
/// <see cref="MailboxOrdering"/> is registered); the embedded host's sidecar holds such events back itself
/// (docs/durable-backend.md, "What the proxy corrects", item 8) and registers <c>WaitForStart = false</c>.
/// </summary>
public sealed record MailboxOrdering(bool WaitForStart);

/// <summary>
/// Starts agent orchestrations and sends them commands. Starting is idempotent: instance ids are
/// deterministic, so a second start of the same id finds the first and starts nothing.
/// </summary>
public sealed class AgentMailbox(DurableTaskClient client, MailboxOrdering? ordering = null)
{
    /// <summary>The longest <see cref="StartAndSendAsync"/> waits for a Pending instance to start; then it sends anyway.</summary>
    public static readonly TimeSpan StartWait = TimeSpan.FromSeconds(30);

    public DurableTaskClient Client => client;

    /// <summary>Starts <paramref name="orchestrator"/> as <paramref name="instanceId"/> unless that instance already exists; true when this call started it.</summary>
    public async Task<bool> StartAsync(string orchestrator, string instanceId, object input, CancellationToken cancellationToken = default) =>
        await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is null
        && await ScheduleAsync(orchestrator, instanceId, input, cancellationToken);

    public Task SendAsync(string instanceId, object command, CancellationToken cancellationToken = default) =>
        client.RaiseEventAsync(instanceId, SwarmTasks.CommandEvent, command, cancellationToken);

    /// <summary>
    /// Sends a command to a long-lived agent, starting it first when it is not running yet. When the instance is new or
    /// still Pending, the command waits until the instance has started (reads from 10 ms, doubling to 250 ms, at most
    /// <see cref="StartWait"/>) unless the host's <see cref="MailboxOrdering"/> says its backend orders events after starts.
    /// </summary>
    public async Task StartAndSendAsync(string orchestrator, string instanceId, object input, object command, CancellationToken cancellationToken = default)
    {
        var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (existing is null)
        {
            await ScheduleAsync(orchestrator, instanceId, input, cancellationToken);
        }

        if ((ordering?.WaitForStart ?? true) && existing is null or { RuntimeStatus: OrchestrationRuntimeStatus.Pending })
        {
            await UntilStartedAsync(instanceId, cancellationToken);
        }

        await SendAsync(instanceId, command, cancellationToken);
    }

    private async Task<bool> ScheduleAsync(string orchestrator, string instanceId, object input, CancellationToken cancellationToken)
    {
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

    private async Task UntilStartedAsync(string instanceId, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(10);
        while (waited.Elapsed < StartWait
               && await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is { RuntimeStatus: OrchestrationRuntimeStatus.Pending })
        {
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
        }
    }
}
