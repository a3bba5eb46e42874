using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Swarm.Benchmarks;

/// <summary>
/// The baseline for the sidecar: the Durable Task Framework's own worker and client on the Azure Storage provider,
/// with no sidecar, no gRPC and no Swarm code between them, running the same five-activity chain. Completion is polled
/// as the sidecar's proxy polls it (10 ms doubling to 100 ms), so both are timed alike.
/// </summary>
public sealed class RawAzureStorageChain : IAsyncDisposable
{
    private readonly AzureStorageOrchestrationService _service;
    private readonly TaskHubWorker _worker;
    private readonly TaskHubClient _client;

    private RawAzureStorageChain(AzureStorageOrchestrationService service, TaskHubWorker worker, TaskHubClient client)
    {
        _service = service;
        _worker = worker;
        _client = client;
    }

    /// <summary>
    /// Creates a task hub of its own on <paramref name="connectionString"/> and starts a worker on it, with the
    /// provider's extended sessions (5 s idle, as the sidecar's default) when <paramref name="extendedSessions"/>; off is
    /// the provider's and Durable Functions' default.
    /// </summary>
    public static async Task<RawAzureStorageChain> StartAsync(string connectionString, TimeSpan polling, bool extendedSessions = false, int partitions = 4)
    {
        var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = BenchmarkBackend.NewTaskHub(),
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            WorkerId = "bench-raw",
            UseAppLease = false,
            MaxQueuePollingInterval = polling,
            MaxConcurrentTaskOrchestrationWorkItems = 1000,
            MaxConcurrentTaskActivityWorkItems = 1000,
            ExtendedSessionsEnabled = extendedSessions,
            PartitionCount = partitions,
            ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(5),
            LoggerFactory = NullLoggerFactory.Instance,
        });
        await service.CreateIfNotExistsAsync();
        var worker = new TaskHubWorker(service, NullLoggerFactory.Instance);
        worker.AddTaskOrchestrations(typeof(Chain));
        worker.AddTaskActivities(typeof(EchoActivity));
        await worker.StartAsync();
        return new RawAzureStorageChain(service, worker, new TaskHubClient(service, loggerFactory: NullLoggerFactory.Instance));
    }

    /// <summary>Runs one chain to completion; throws when it does not complete.</summary>
    public async Task RunOnceAsync(int input)
    {
        var instance = await _client.CreateOrchestrationInstanceAsync(typeof(Chain), input);
        var poll = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            var state = await _client.GetOrchestrationStateAsync(instance);
            if (state?.OrchestrationStatus is OrchestrationStatus.Completed)
            {
                return;
            }

            if (state?.OrchestrationStatus is OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled)
            {
                throw new InvalidOperationException($"raw chain {instance.InstanceId} ended {state.OrchestrationStatus}");
            }

            await Task.Delay(poll);
            poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, TimeSpan.FromMilliseconds(100).Ticks));
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _worker.StopAsync(isForced: true);
        _service.Dispose();
    }

    /// <summary>Five activities in a row, each adding one.</summary>
    private sealed class Chain : TaskOrchestration<int, int>
    {
        public override async Task<int> RunTask(OrchestrationContext context, int input)
        {
            var value = input;
            for (var i = 0; i < 5; i++)
            {
                value = await context.ScheduleTask<int>(typeof(EchoActivity), value + 1);
            }

            return value;
        }
    }

    private sealed class EchoActivity : TaskActivity<int, int>
    {
        protected override int Execute(TaskContext context, int input) => input;
    }
}
