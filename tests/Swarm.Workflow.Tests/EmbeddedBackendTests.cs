using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Swarm.Local.Durable;

namespace Swarm.Workflow.Tests;

public sealed class EmbeddedBackendTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Five_activity_chain_completes_with_the_expected_output()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Chain, 10, cts.Token);
        var result = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(15, result.ReadOutputAs<int>());
    }

    [Fact]
    public async Task While_dispatch_is_held_instances_start_but_nothing_runs_and_on_release_everything_completes()
    {
        await using var host = await EmbeddedTestHost.StartAsync(
            beforeStart: services => services.GetRequiredService<EmbeddedDurableBackend>().Dispatch.Hold());
        using var cts = new CancellationTokenSource(TestTimeout);
        var dispatch = host.Services.GetRequiredService<EmbeddedDurableBackend>().Dispatch;

        var ids = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Chain, i, cts.Token)));
        await Task.Delay(TimeSpan.FromSeconds(1.5), cts.Token);
        foreach (var id in ids)
        {
            var held = await host.Client.GetInstanceAsync(id, cts.Token);
            Assert.Equal(OrchestrationRuntimeStatus.Pending, held!.RuntimeStatus);
        }

        Assert.True(dispatch.IsHeld);
        dispatch.Release();
        dispatch.Release();

        var results = await Task.WhenAll(ids.Select(id => host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token)));
        Assert.All(results, r => Assert.Equal(OrchestrationRuntimeStatus.Completed, r.RuntimeStatus));
        Assert.Equal(Enumerable.Range(5, 3), results.Select(r => r.ReadOutputAs<int>()).Order());
        Assert.False(dispatch.IsHeld);
    }

    [Fact]
    public async Task Two_hundred_orchestrations_scheduled_at_once_all_complete()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);

        var ids = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Chain, i, cts.Token)));
        var results = await Task.WhenAll(ids.Select(id =>
            host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token)));

        Assert.Equal(200, ids.Distinct().Count());
        Assert.All(results, r => Assert.Equal(OrchestrationRuntimeStatus.Completed, r.RuntimeStatus));
        Assert.Equal(
            Enumerable.Range(5, 200).Sum(),
            results.Sum(r => r.ReadOutputAs<int>()));
    }

    [Fact]
    public async Task External_event_is_received_and_custom_status_is_visible()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Approval, cts.Token);
        var waiting = await WaitForCustomStatusAsync(host.Client, id, "waiting", cts.Token);
        await host.Client.RaiseEventAsync(id, "approve", "chair", cts.Token);
        var result = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Running, waiting.RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("approved by chair", result.ReadOutputAs<string>());
        Assert.Equal("approved", result.ReadCustomStatusAs<string>());
    }

    [Fact]
    public async Task Fact_scheduling_an_id_that_is_running_throws_and_leaves_the_instance_alone()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);
        var id = "dup-" + Guid.NewGuid().ToString("N");

        await host.Client.ScheduleNewOrchestrationInstanceAsync(
            TestTasks.Approval, new StartOrchestrationOptions(id), cts.Token);
        var first = await WaitForCustomStatusAsync(host.Client, id, "waiting", cts.Token);

        var error = await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() =>
            host.Client.ScheduleNewOrchestrationInstanceAsync(
                TestTasks.Approval, new StartOrchestrationOptions(id), cts.Token));
        var after = await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true, cts.Token);

        Assert.Contains("Running", error.Message, StringComparison.Ordinal);
        Assert.Equal(first.CreatedAt, after!.CreatedAt);
        await host.Client.RaiseEventAsync(id, "approve", "chair", cts.Token);
        var result = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        Assert.Equal("approved by chair", result.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Fact_scheduling_an_id_that_completed_starts_a_fresh_execution()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);
        var id = "again-" + Guid.NewGuid().ToString("N");

        await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Chain, 1, new StartOrchestrationOptions(id), cts.Token);
        var first = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Chain, 100, new StartOrchestrationOptions(id), cts.Token);
        var second = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);

        Assert.Equal(6, first.ReadOutputAs<int>());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, second.RuntimeStatus);
        Assert.Equal(105, second.ReadOutputAs<int>());
    }

    [Fact]
    public async Task Fact_prefix_query_through_the_sidecar_returns_matching_instances_with_inputs_and_outputs()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);
        foreach (var (id, input) in new[] { ("x-1", 1), ("x-2", 2), ("y-1", 3) })
        {
            await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Chain, input, new StartOrchestrationOptions(id), cts.Token);
            await host.Client.WaitForInstanceCompletionAsync(id, cts.Token);
        }

        var found = new List<OrchestrationMetadata>();
        await foreach (var instance in host.Client.GetAllInstancesAsync(
            new OrchestrationQuery { InstanceIdPrefix = "x-", FetchInputsAndOutputs = true }).WithCancellation(cts.Token))
        {
            found.Add(instance);
        }

        Assert.Equal(["x-1", "x-2"], found.Select(i => i.InstanceId).Order());
        var x2 = found.Single(i => i.InstanceId == "x-2");
        Assert.Equal(OrchestrationRuntimeStatus.Completed, x2.RuntimeStatus);
        Assert.Equal(2, x2.ReadInputAs<int>());
        Assert.Equal(7, x2.ReadOutputAs<int>());
    }

    [Fact]
    public async Task Fact_raising_an_event_to_a_missing_instance_is_silently_dropped()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);
        var missing = "missing-" + Guid.NewGuid().ToString("N");

        await host.Client.RaiseEventAsync(missing, "approve", "nobody", cts.Token);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Chain, 0, cts.Token);
        await host.Client.WaitForInstanceCompletionAsync(id, cts.Token);

        Assert.Null(await host.Client.GetInstanceAsync(missing, cts.Token));
        Assert.Single(host.Logs, l => l.EventName == "EmbeddedDurableMessagesDropped" && l.Message.Contains(missing, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Fact_a_scheduled_start_time_is_ignored_and_the_instance_starts_at_once()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);
        var id = "later-" + Guid.NewGuid().ToString("N");
        var startAt = DateTimeOffset.UtcNow.AddSeconds(20);

        await host.Client.ScheduleNewOrchestrationInstanceAsync(
            TestTasks.Chain, 0, new StartOrchestrationOptions(id, startAt), cts.Token);
        var result = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.True(result.LastUpdatedAt < startAt);
    }

    [Fact]
    public async Task Fact_continue_as_new_preserving_unprocessed_events_keeps_them()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);
        var id = "counter-" + Guid.NewGuid().ToString("N");
        var gate = TestTasks.GateFor(id);

        await host.Client.ScheduleNewOrchestrationInstanceAsync(
            TestTasks.Counter, new CounterState(0, 0, Gated: true), new StartOrchestrationOptions(id), cts.Token);
        await gate.Entered.Task.WaitAsync(cts.Token);
        for (var i = 1; i <= 3; i++)
        {
            await host.Client.RaiseEventAsync(id, "add", i, cts.Token);
        }

        gate.Release.SetResult();
        var result = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(6, result.ReadOutputAs<int>());
    }

    [Fact]
    public async Task Fact_an_event_sent_to_another_instance_in_a_continue_as_new_episode_is_delivered()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);

        var target = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Approval, cts.Token);
        await WaitForCustomStatusAsync(host.Client, target, "waiting", cts.Token);
        await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.NotifyThenContinue, target, cts.Token);
        var result = await host.Client.WaitForInstanceCompletionAsync(target, getInputsAndOutputs: true, cts.Token);

        Assert.Equal("approved by notifier", result.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Fact_waiting_for_an_external_event_with_a_timeout_uses_a_durable_timer()
    {
        await using var host = await EmbeddedTestHost.StartAsync();
        using var cts = new CancellationTokenSource(TestTimeout);

        var stopwatch = Stopwatch.StartNew();
        var silent = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.TimedWait, 1, cts.Token);
        var timedOut = await host.Client.WaitForInstanceCompletionAsync(silent, getInputsAndOutputs: true, cts.Token);
        var elapsed = stopwatch.Elapsed;

        var answered = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.TimedWait, 30, cts.Token);
        await WaitForCustomStatusAsync(host.Client, answered, "waiting", cts.Token);
        await host.Client.RaiseEventAsync(answered, "signal", "hi", cts.Token);
        var received = await host.Client.WaitForInstanceCompletionAsync(answered, getInputsAndOutputs: true, cts.Token);

        Assert.Equal("timed out", timedOut.ReadOutputAs<string>());
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.Equal("hi", received.ReadOutputAs<string>());
    }

    private static async Task<OrchestrationMetadata> WaitForCustomStatusAsync(
        DurableTaskClient client, string id, string status, CancellationToken cancellationToken)
    {
        while (true)
        {
            var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
            if (instance?.SerializedCustomStatus is not null && instance.ReadCustomStatusAs<string>() == status)
            {
                return instance;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SidecarTelemetryCollection
{
    public const string Name = "Sidecar telemetry";
}

/// <summary>These tests listen to every source in the process, so nothing else may run beside them.</summary>
[Collection(SidecarTelemetryCollection.Name)]
public sealed class EmbeddedBackendTelemetryTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sidecar_hosting_creates_no_server_or_http_client_activities_and_grpc_calls_stay_out_of_the_workflow_trace()
    {
        var started = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = started.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var measuredMeters = new ConcurrentDictionary<string, bool>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, l) => l.EnableMeasurementEvents(instrument),
        };
        meterListener.SetMeasurementEventCallback<long>((i, _, _, _) => measuredMeters[i.Meter.Name] = true);
        meterListener.SetMeasurementEventCallback<double>((i, _, _, _) => measuredMeters[i.Meter.Name] = true);
        meterListener.SetMeasurementEventCallback<int>((i, _, _, _) => measuredMeters[i.Meter.Name] = true);
        meterListener.Start();

        ActivityTraceId traceId;
        await using (var host = await EmbeddedTestHost.StartAsync())
        {
            using var cts = new CancellationTokenSource(TestTimeout);
            using var source = new ActivitySource("Swarm.Tests");
            using var root = source.StartActivity("work.claim")!;
            traceId = root.TraceId;
            var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Chain, 1, cts.Token);
            await host.Client.WaitForInstanceCompletionAsync(id, cts.Token);
        }

        var activities = started.ToList();
        Assert.DoesNotContain(activities, a => a.Source.Name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(activities, a => a.OperationName == "Microsoft.AspNetCore.Hosting.HttpRequestIn");
        Assert.DoesNotContain(activities, a => a.Source.Name == "System.Net.Http");
        Assert.DoesNotContain(activities, a => a.Source.Name.StartsWith("Grpc", StringComparison.Ordinal) && a.TraceId == traceId);
        Assert.DoesNotContain(activities, a => a.OperationName.StartsWith("Grpc", StringComparison.Ordinal) && a.Parent is not null);
        Assert.Contains(activities, a => a.Source.Name == "Microsoft.DurableTask" && a.OperationName == "orchestration:Chain" && a.TraceId == traceId);
        Assert.Equal(5, activities.Count(a => a.OperationName == "activity:Increment" && a.Kind == ActivityKind.Server && a.TraceId == traceId));
        Assert.DoesNotContain(measuredMeters.Keys, m => m.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || m == "System.Net.Http");
    }

    [Fact]
    public async Task OpenTelemetry_listening_to_every_source_exports_only_workflow_spans()
    {
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource("*")
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(exported)
            .Build();

        ActivityTraceId traceId;
        await using (var host = await EmbeddedTestHost.StartAsync())
        {
            using var cts = new CancellationTokenSource(TestTimeout);
            using var source = new ActivitySource("Swarm.Tests");
            using var root = source.StartActivity("work.claim")!;
            traceId = root.TraceId;
            var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Chain, 1, cts.Token);
            await host.Client.WaitForInstanceCompletionAsync(id, cts.Token);
        }

        tracing.ForceFlush();
        Assert.All(exported, a => Assert.Contains(a.Source.Name, new[] { "Swarm.Tests", "Microsoft.DurableTask" }));
        Assert.All(exported, a => Assert.Equal(traceId, a.TraceId));
        Assert.Contains(exported, a => a.DisplayName == "orchestration:Chain");
    }
}

file sealed record CounterState(int Total, int Events, bool Gated);

file sealed record Gate(TaskCompletionSource Entered, TaskCompletionSource Release);

/// <summary>
/// Extended sessions on the Azure Storage provider (Azurite): the proxy keeps an orchestration's session open between
/// episodes, so the provider reads the instance's history once instead of once per episode, and nothing changes in what
/// the orchestrations do — continue-as-new, external events, and a session that idles out.
/// </summary>
[Collection(AzureStorageCollection.Name)]
public sealed class ExtendedSessionsOnAzureStorage(AzuriteFixture azurite)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 6)]
    public async Task A_five_activity_chain_reads_its_history_once_in_a_session_and_per_episode_without(bool sessions, int historyReads)
    {
        await using var host = await EmbeddedTestHost.StartAsync(OnAzurite(sessions ? TimeSpan.FromSeconds(5) : TimeSpan.Zero, LogLevel.Information), LogLevel.Information);
        using var cts = new CancellationTokenSource(TestTimeout);

        var ids = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Chain, i * 10, cts.Token)));
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            Assert.Equal(i * 10 + 5, done.ReadOutputAs<int>());
        }

        // The provider logs each read of an instance's history: "{id}: Fetched N history events from the history table",
        // or "{id}: No history events were found" for the first episode.
        foreach (var id in ids)
        {
            var reads = host.Logs.Count(l => l.Category.StartsWith("DurableTask.AzureStorage", StringComparison.Ordinal)
                && l.Message.Contains(id, StringComparison.Ordinal)
                && (l.Message.Contains("history events from the history table", StringComparison.Ordinal) || l.Message.Contains("No history events were found", StringComparison.Ordinal)));
            Assert.True(historyReads == reads, $"{id}: {reads} reads; " + string.Join(" | ", host.Logs.Where(l => l.Message.Contains(id, StringComparison.Ordinal)).Select(l => l.Message)));
        }
    }

    [Fact]
    public async Task Events_and_continue_as_new_inside_a_session_lose_nothing()
    {
        await using var host = await EmbeddedTestHost.StartAsync(OnAzurite(TimeSpan.FromSeconds(5)));
        using var cts = new CancellationTokenSource(TestTimeout);

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Counter, new CounterState(0, 0, Gated: false), cts.Token);
        await host.Client.WaitForInstanceStartAsync(id, cts.Token);
        foreach (var add in new[] { 1, 2, 3 })
        {
            await host.Client.RaiseEventAsync(id, "add", add, cts.Token);
        }

        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(6, done.ReadOutputAs<int>());
    }

    [Fact]
    public async Task An_event_after_the_session_idled_out_still_reaches_the_instance()
    {
        await using var host = await EmbeddedTestHost.StartAsync(OnAzurite(TimeSpan.FromSeconds(1)));
        using var cts = new CancellationTokenSource(TestTimeout);

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Approval, cts.Token);
        await SwarmTestHost.EventuallyAsync(
            () => host.Client.GetInstanceAsync(id, getInputsAndOutputs: true, cts.Token), i => i?.SerializedCustomStatus == "\"waiting\"", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2.5), cts.Token);
        await host.Client.RaiseEventAsync(id, "approve", "chair", cts.Token);

        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        Assert.Equal("approved by chair", done.ReadOutputAs<string>());
    }

    /// <summary>A task hub of its own on the shared Azurite, sessions idling out after <paramref name="idleTimeout"/> (zero: off).</summary>
    private Action<EmbeddedDurableOptions> OnAzurite(TimeSpan idleTimeout, LogLevel providerLogs = LogLevel.Warning) => options =>
    {
        options.TaskHub = $"sessions{Guid.NewGuid():N}"[..20];
        options.AzureStorage = azurite.Storage();
        options.AzureStorage.ExtendedSessionIdleTimeout = idleTimeout;
        options.AzureStorage.LogLevel = providerLogs;
    };
}

/// <summary>
/// A sub-orchestration on the Azure Storage provider (Azurite). The sidecar passed the gRPC request's map field on as
/// the child's tags, the provider wrote the start message with that runtime type's name and could not read it back:
/// the child never started and the parent waited forever (found by a remediation re-opening an incident).
/// </summary>
[Collection(AzureStorageCollection.Name)]
public sealed class SubOrchestrationsOnAzureStorage(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_sub_orchestration_starts_completes_and_its_parent_history_reads_back()
    {
        await using var host = await EmbeddedTestHost.StartAsync(options =>
        {
            options.TaskHub = $"suborch{Guid.NewGuid():N}"[..20];
            options.AzureStorage = azurite.Storage();
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TestTasks.Parent, 10, cts.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(15, done.ReadOutputAs<int>());

        var child = await host.Client.GetInstanceAsync($"{id}-child", getInputsAndOutputs: true, cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, child?.RuntimeStatus);
        var history = await host.Client.GetOrchestrationHistoryAsync(id, cts.Token);
        Assert.Contains(history, e => e is DurableTask.Core.History.SubOrchestrationInstanceCreatedEvent);
        Assert.Contains(history, e => e is DurableTask.Core.History.SubOrchestrationInstanceCompletedEvent);
    }
}

/// <summary>
/// An event raised while its instance is still Pending, on the Azure Storage provider (Azurite). The provider enqueues
/// a start message before it writes the instance's row and defers a start message dequeued before the row exists; an
/// event dequeued in that gap was discarded ("No such instance") and the instance ran without it — an agent started
/// and sent its first command at once lost the command. The test makes the gap last: it creates the instance from a
/// client of its own (so the host's poller is not woken) and hides the start message for 3 s, as a deferral does.
/// </summary>
[Collection(AzureStorageCollection.Name)]
public sealed class PendingInstancesOnAzureStorage(AzuriteFixture azurite)
{
    [Fact]
    public async Task An_event_raised_while_the_start_message_is_deferred_reaches_the_instance()
    {
        var storage = azurite.Storage();
        var hub = $"pending{Guid.NewGuid():N}"[..20];
        await using var host = await EmbeddedTestHost.StartAsync(OnHub(storage, hub));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var creator = OutsideClient(storage, hub);
        var client = new DurableTask.Core.TaskHubClient(creator);
        var queues = new Azure.Storage.Queues.QueueServiceClient(storage.ConnectionString);

        // The host polls every 100 ms, so now and then it takes the start message before the test hides it: try again.
        string? id = null;
        for (var attempt = 0; attempt < 10 && id is null; attempt++)
        {
            var candidate = $"pending-{attempt}-{Guid.NewGuid():N}";
            await client.CreateOrchestrationInstanceAsync(TestTasks.Approval, string.Empty, candidate, null, new Dictionary<string, string>());
            var hidden = 0;
            for (var partition = 0; partition < storage.PartitionCount; partition++)
            {
                var queue = queues.GetQueueClient($"{hub}-control-{partition:00}");
                hidden += (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(3), cts.Token)).Value.Length;
            }

            id = hidden == 1 ? candidate : null;
        }

        Assert.NotNull(id);
        var before = await host.Client.GetInstanceAsync(id, cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Pending, before?.RuntimeStatus);

        await host.Client.RaiseEventAsync(id, "approve", "chair", cts.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("approved by chair", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task An_instance_created_without_tags_by_another_client_reads_back_and_completes()
    {
        var storage = azurite.Storage();
        var hub = $"untagged{Guid.NewGuid():N}"[..20];
        await using var host = await EmbeddedTestHost.StartAsync(OnHub(storage, hub));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var creator = OutsideClient(storage, hub);
        var id = $"untagged-{Guid.NewGuid():N}";

        // No tags: the framework's own client stores none.
        await new DurableTask.Core.TaskHubClient(creator).CreateOrchestrationInstanceAsync(TestTasks.Approval, string.Empty, id, null);
        var read = await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true, cts.Token);
        var listed = new List<OrchestrationMetadata>();
        await foreach (var instance in host.Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = "untagged-" }).WithCancellation(cts.Token))
        {
            listed.Add(instance);
        }

        await host.Client.RaiseEventAsync(id, "approve", "chair", cts.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);

        Assert.NotNull(read);
        Assert.Equal(id, Assert.Single(listed).InstanceId);
        Assert.Equal("approved by chair", done.ReadOutputAs<string>());
    }

    private static Action<EmbeddedDurableOptions> OnHub(DurableStorageOptions storage, string hub) => options =>
    {
        options.TaskHub = hub;
        options.AzureStorage = storage;
    };

    /// <summary>The framework's own provider on the same hub: a client outside the host, whose enqueues do not wake the host's pollers.</summary>
    private static DurableTask.AzureStorage.AzureStorageOrchestrationService OutsideClient(DurableStorageOptions storage, string hub) =>
        new(new DurableTask.AzureStorage.AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = hub,
            StorageAccountClientProvider = new DurableTask.AzureStorage.StorageAccountClientProvider(storage.ConnectionString!),
            PartitionCount = storage.PartitionCount,
        });
}

file static class TestTasks
{
    public const string Chain = "Chain";
    public const string Approval = "Approval";
    public const string Counter = "Counter";
    public const string NotifyThenContinue = "NotifyThenContinue";
    public const string TimedWait = "TimedWait";
    public const string Parent = "Parent";

    private static readonly ConcurrentDictionary<string, Gate> Gates = new();

    public static Gate GateFor(string instanceId) => Gates.GetOrAdd(instanceId, _ => new Gate(
        new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
        new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));

    public static void Register(DurableTaskRegistry tasks)
    {
        tasks.AddActivityFunc<int, int>("Increment", (_, value) => value + 1);
        tasks.AddActivityFunc("Gate", async (TaskActivityContext context) =>
        {
            var gate = GateFor(context.InstanceId);
            gate.Entered.TrySetResult();
            await gate.Release.Task;
        });

        tasks.AddOrchestratorFunc<int, int>(Chain, async (context, value) =>
        {
            for (var i = 0; i < 5; i++)
            {
                value = await context.CallActivityAsync<int>("Increment", value);
            }

            return value;
        });

        // Runs the chain as a sub-orchestration with a known id, then reports its output.
        tasks.AddOrchestratorFunc<int, int>(Parent, (context, value) =>
            context.CallSubOrchestratorAsync<int>(Chain, value, new SubOrchestrationOptions { InstanceId = $"{context.InstanceId}-child" }));

        tasks.AddOrchestratorFunc<string>(Approval, async context =>
        {
            context.SetCustomStatus("waiting");
            var approver = await context.WaitForExternalEvent<string>("approve");
            context.SetCustomStatus("approved");
            return $"approved by {approver}";
        });

        // Sums three "add" events, one per generation, so every event but the first must survive ContinueAsNew.
        tasks.AddOrchestratorFunc<CounterState, int>(Counter, async (context, state) =>
        {
            if (state.Gated)
            {
                await context.CallActivityAsync("Gate");
            }

            var added = await context.WaitForExternalEvent<int>("add");
            var next = new CounterState(state.Total + added, state.Events + 1, Gated: false);
            if (next.Events == 3)
            {
                return next.Total;
            }

            context.ContinueAsNew(next, preserveUnprocessedEvents: true);
            return 0;
        });

        tasks.AddOrchestratorFunc<string, string>(NotifyThenContinue, (context, target) =>
        {
            if (target.Length == 0)
            {
                return Task.FromResult("done");
            }

            context.SendEvent(target, "approve", "notifier");
            context.ContinueAsNew(string.Empty);
            return Task.FromResult("continued");
        });

        tasks.AddOrchestratorFunc<int, string>(TimedWait, async (context, seconds) =>
        {
            context.SetCustomStatus("waiting");
            try
            {
                return await context.WaitForExternalEvent<string>("signal", TimeSpan.FromSeconds(seconds));
            }
            catch (TaskCanceledException)
            {
                return "timed out";
            }
        });
    }
}

file sealed record LogEntry(LogLevel Level, string Category, string? EventName, string Message);

file sealed class EmbeddedTestHost : IAsyncDisposable
{
    private readonly IHost host;

    private EmbeddedTestHost(IHost host, ConcurrentQueue<LogEntry> logs)
    {
        this.host = host;
        Logs = logs;
    }

    public DurableTaskClient Client => host.Services.GetRequiredService<DurableTaskClient>();

    public IServiceProvider Services => host.Services;

    public ConcurrentQueue<LogEntry> Logs { get; }

    /// <summary>A host on the in-memory backend, or as <paramref name="configure"/> sets it; captures records from <paramref name="capture"/> up.</summary>
    public static async Task<EmbeddedTestHost> StartAsync(
        Action<EmbeddedDurableOptions>? configure = null, LogLevel capture = LogLevel.Warning, Action<IServiceProvider>? beforeStart = null)
    {
        var logs = new ConcurrentQueue<LogEntry>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(capture);
        builder.Logging.AddProvider(new CapturingLoggerProvider(logs, capture));
        builder.Services.AddEmbeddedDurableTask(TestTasks.Register, configure);
        var host = builder.Build();
        beforeStart?.Invoke(host.Services);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StartAsync(timeout.Token);
        return new EmbeddedTestHost(host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StopAsync(timeout.Token);
        host.Dispose();
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<LogEntry> logs, LogLevel capture) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, logs, capture);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<LogEntry> logs, LogLevel capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= capture;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Enqueue(new LogEntry(logLevel, category, eventId.Name, formatter(state, exception)));
    }
}
