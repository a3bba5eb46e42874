using Microsoft.DurableTask.Client.Entities;

namespace Swarm.Functions.Tests;

/// <summary>
/// A Durable client that forwards to the embedded one and can be made slow or failing for starts and raised events:
/// how a consumer meets a backend that is under load or briefly unreachable.
/// </summary>
public sealed class FaultyDurableClient(DurableTaskClient inner) : DurableTaskClient(inner.Name)
{
    /// <summary>Added to every start and raised event.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>While true, starts and raised events throw <see cref="TimeoutException"/> (a transient failure).</summary>
    public bool Failing { get; set; }

    public override DurableEntityClient Entities => inner.Entities;

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        await FaultAsync(cancellation);
        return await inner.ScheduleNewOrchestrationInstanceAsync(orchestratorName, input, options, cancellation);
    }

    public override async Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        await FaultAsync(cancellation);
        await inner.RaiseEventAsync(instanceId, eventName, eventPayload, cancellation);
    }

    public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        inner.GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation);

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) => inner.GetAllInstancesAsync(filter);

    public override Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
        inner.PurgeInstanceAsync(instanceId, options, cancellation);

    public override Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
        inner.PurgeAllInstancesAsync(filter, options, cancellation);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        inner.ResumeInstanceAsync(instanceId, reason, cancellation);

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        inner.SuspendInstanceAsync(instanceId, reason, cancellation);

    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
        inner.TerminateInstanceAsync(instanceId, options, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        inner.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        inner.WaitForInstanceStartAsync(instanceId, getInputsAndOutputs, cancellation);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task FaultAsync(CancellationToken cancellation)
    {
        if (Failing)
        {
            throw new TimeoutException("The Durable backend did not answer in time (test fault).");
        }

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellation);
        }
    }
}
