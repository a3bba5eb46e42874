using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.ExceptionServices;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.Extensions.Logging;

namespace Swarm.Local.Durable;

/// <summary>Every service contract the sidecar probes for (it casts its client to the query and purge interfaces).</summary>
internal interface IEmbeddedOrchestrationService
    : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient;

/// <summary>
/// Forwards the sidecar's calls to <see cref="InMemoryOrchestrationService"/>, correcting the behaviours of the
/// preview package that would stall, spin or lose work; everything else passes through untouched.
/// </summary>
[SuppressMessage("Performance", "CA1852", Justification = "DispatchProxy derives the proxy type from this class at run time.")]
internal partial class EmbeddedOrchestrationService : DispatchProxy
{
    // Durable Functions' default (overridableExistingInstanceStates = NonRunningStates): only finished instances may be replaced.
    private static readonly OrchestrationStatus[] ActiveStatuses =
        [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended];

    private InMemoryOrchestrationService inner = null!;
    private ILogger logger = null!;
    private int maxConcurrentWorkItems;

    public static IEmbeddedOrchestrationService Create(
        InMemoryOrchestrationService inner, int maxConcurrentWorkItems, ILogger logger)
    {
        var proxy = Create<IEmbeddedOrchestrationService, EmbeddedOrchestrationService>();
        var self = (EmbeddedOrchestrationService)(object)proxy;
        self.inner = inner;
        self.maxConcurrentWorkItems = maxConcurrentWorkItems;
        self.logger = logger;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        args ??= [];
        return targetMethod.Name switch
        {
            // The stock caps equal the core count and make the sidecar's dispatcher sleep 500 ms whenever they are reached.
            "get_" + nameof(IOrchestrationService.MaxConcurrentTaskOrchestrationWorkItems)
                or "get_" + nameof(IOrchestrationService.MaxConcurrentTaskActivityWorkItems) => maxConcurrentWorkItems,
            nameof(IOrchestrationService.LockNextTaskOrchestrationWorkItemAsync) =>
                LockNextStartedWorkItemAsync((TimeSpan)args[0]!, (CancellationToken)args[1]!),
            nameof(IOrchestrationServiceClient.CreateTaskOrchestrationAsync) when args is [_, null] =>
                Forward(targetMethod, [args[0], ActiveStatuses]),
            _ => Forward(targetMethod, args),
        };
    }

    private object? Forward(MethodInfo targetMethod, object?[] args)
    {
        try
        {
            return targetMethod.Invoke(inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // The sidecar catches typed exceptions (OrchestrationAlreadyExistsException), so reflection's wrapper must not leak.
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    /// <summary>
    /// Messages to an instance that does not exist (an event raised to an unknown id) would fail in the sidecar's
    /// dispatcher and be re-queued at once, forever, at full CPU; they are dropped instead, as durable backends do.
    /// </summary>
    private async Task<TaskOrchestrationWorkItem> LockNextStartedWorkItemAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            var workItem = await inner.LockNextTaskOrchestrationWorkItemAsync(timeout, cancellationToken);
            if (workItem is null
                || workItem.OrchestrationRuntimeState?.ExecutionStartedEvent is not null
                || workItem.NewMessages.Any(m => m.Event is ExecutionStartedEvent))
            {
                return workItem!;
            }

            LogDroppedMessages(logger, workItem.NewMessages.Count, workItem.InstanceId);
            await inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
        }
    }

    [LoggerMessage(EventId = 1, EventName = "EmbeddedDurableMessagesDropped", Level = LogLevel.Warning,
        Message = "Dropped {Count} message(s) sent to orchestration instance '{InstanceId}', which does not exist.")]
    private static partial void LogDroppedMessages(ILogger logger, int count, string instanceId);
}
