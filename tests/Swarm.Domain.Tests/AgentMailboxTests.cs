using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Swarm.Domain;

namespace Swarm.Domain.Tests;

/// <summary>
/// <see cref="AgentMailbox.StartAndSendAsync"/> against a scripted client: a command to an instance that is new or still
/// Pending is raised only after a read shows it started (on the Azure Storage provider an event raised while the start
/// message is deferred is discarded), unless the host says its backend orders events after starts.
/// </summary>
public sealed class AgentMailboxTests
{
    [Fact]
    public async Task A_command_to_a_new_instance_is_raised_after_the_instance_has_started()
    {
        var client = new ScriptedClient(null, OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running);

        await new AgentMailbox(client).StartAndSendAsync("Agent", "agent-1", new object(), "command");

        Assert.Equal(["get:none", "schedule", "get:Pending", "get:Pending", "get:Running", "raise"], client.Calls);
    }

    [Fact]
    public async Task A_command_to_a_pending_instance_started_by_someone_else_waits_too()
    {
        var client = new ScriptedClient(OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running);

        await new AgentMailbox(client).StartAndSendAsync("Agent", "agent-1", new object(), "command");

        Assert.Equal(["get:Pending", "get:Running", "raise"], client.Calls);
    }

    [Fact]
    public async Task A_command_to_a_running_instance_is_raised_after_one_read()
    {
        var client = new ScriptedClient(OrchestrationRuntimeStatus.Running);

        await new AgentMailbox(client).StartAndSendAsync("Agent", "agent-1", new object(), "command");

        Assert.Equal(["get:Running", "raise"], client.Calls);
    }

    [Fact]
    public async Task A_backend_that_orders_events_after_starts_gets_the_command_at_once()
    {
        var client = new ScriptedClient(null, OrchestrationRuntimeStatus.Pending);

        await new AgentMailbox(client, new MailboxOrdering(WaitForStart: false)).StartAndSendAsync("Agent", "agent-1", new object(), "command");

        Assert.Equal(["get:none", "schedule", "raise"], client.Calls);
    }

    /// <summary>Answers reads with the scripted statuses in turn (null: no such instance; the last repeats) and records every call.</summary>
    private sealed class ScriptedClient(params OrchestrationRuntimeStatus?[] statuses) : DurableTaskClient("scripted")
    {
        private int _read;

        public List<string> Calls { get; } = [];

        public override DurableEntityClient Entities => throw new NotSupportedException();

        public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
        {
            var status = statuses[Math.Min(_read++, statuses.Length - 1)];
            Calls.Add(status is null ? "get:none" : $"get:{status}");
            return Task.FromResult(status is { } s ? new OrchestrationMetadata("Agent", instanceId) { RuntimeStatus = s } : null);
        }

        public override Task<string> ScheduleNewOrchestrationInstanceAsync(
            TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
        {
            Calls.Add("schedule");
            return Task.FromResult(options?.InstanceId ?? "new");
        }

        public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
        {
            Calls.Add("raise");
            return Task.CompletedTask;
        }

        public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) => throw new NotSupportedException();

        public override Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
