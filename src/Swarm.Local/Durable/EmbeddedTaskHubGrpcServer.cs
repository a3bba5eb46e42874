using DurableTask.Core;
using DurableTask.Core.History;
using Grpc.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using P = Microsoft.DurableTask.Protobuf;

namespace Swarm.Local.Durable;

/// <summary>
/// The stock sidecar, except that events an orchestrator sends in the same episode as a ContinueAsNew are
/// delivered: the stock dispatcher discards every message of an episode that continues as new, which breaks
/// <c>ContinueAsNew(input, preserveUnprocessedEvents: true)</c> (the SDK re-sends buffered events to itself).
/// With <see cref="Tracing.ParentActivitiesOnOrchestration"/>, each scheduled activity's trace context names the
/// orchestration's span instead of the client span id the SDK precomputes for it, so that the activity's execution span
/// hangs from the orchestration when the client spans are not kept.
/// </summary>
internal sealed class EmbeddedTaskHubGrpcServer : TaskHubGrpcServer
{
    private readonly IOrchestrationServiceClient client;
    private readonly Tracing tracing;

    public EmbeddedTaskHubGrpcServer(
        IHostApplicationLifetime hostApplicationLifetime,
        ILoggerFactory loggerFactory,
        IOrchestrationService service,
        IOrchestrationServiceClient client,
        IOptions<TaskHubGrpcServerOptions> options,
        Tracing tracing)
        : base(hostApplicationLifetime, loggerFactory, service, client, options)
    {
        this.client = client;
        this.tracing = tracing;
    }

    /// <summary>How the sidecar shapes the traces of what it schedules.</summary>
    /// <param name="ParentActivitiesOnOrchestration">Schedule activities under the orchestration's span (see the class remarks).</param>
    public sealed record Tracing(bool ParentActivitiesOnOrchestration);

    /// <summary>
    /// History for a client (<c>DurableTaskClient.GetOrchestrationHistoryAsync</c>, what <c>GET /api/instances/{id}</c>
    /// shows): read from the backend's store for the instance's current execution, in chunks of at most 256 KB. The
    /// stock sidecar only streams the history of a work item being dispatched and answers a client with nothing.
    /// </summary>
    public override async Task StreamInstanceHistory(
        P.StreamInstanceHistoryRequest request, IServerStreamWriter<P.HistoryChunk> responseStream, ServerCallContext context)
    {
        if (request.ForWorkItemProcessing)
        {
            await base.StreamInstanceHistory(request, responseStream, context);
            return;
        }

        await StreamStoredHistoryAsync(request, responseStream, context);
    }

    private async Task StreamStoredHistoryAsync(
        P.StreamInstanceHistoryRequest request, IServerStreamWriter<P.HistoryChunk> responseStream, ServerCallContext context)
    {

        var executionId = request.ExecutionId;
        if (string.IsNullOrEmpty(executionId))
        {
            var states = await client.GetOrchestrationStateAsync(request.InstanceId, allExecutions: false);
            executionId = states?.FirstOrDefault()?.OrchestrationInstance?.ExecutionId;
            if (executionId is null)
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"No instance '{request.InstanceId}'."));
            }
        }

        const int MaxChunkBytes = 256 * 1024;
        var chunk = new P.HistoryChunk();
        var size = 0;
        foreach (var history in StoredHistory.Parse(await client.GetOrchestrationHistoryAsync(request.InstanceId, executionId)))
        {
            var proto = Microsoft.DurableTask.Testing.Sidecar.Grpc.ProtobufUtils.ToHistoryEventProto(history);
            TagTraceContext(history, proto);
            var bytes = proto.CalculateSize();
            if (size > 0 && size + bytes > MaxChunkBytes)
            {
                await responseStream.WriteAsync(chunk, context.CancellationToken);
                chunk = new P.HistoryChunk();
                size = 0;
            }

            chunk.Events.Add(proto);
            size += bytes;
        }

        if (chunk.Events.Count > 0)
        {
            await responseStream.WriteAsync(chunk, context.CancellationToken);
        }
    }

    /// <summary>
    /// The tag under which a start's or a scheduled activity's W3C <c>traceparent</c> reaches a client: the SDK's client
    /// drops the history events' trace context but keeps their tags, and <c>GET /api/instances/{id}</c> reads it there.
    /// </summary>
    public const string TraceParentTag = "traceparent";

    private static void TagTraceContext(HistoryEvent history, P.HistoryEvent proto)
    {
        var (traceParent, tags) = history switch
        {
            ExecutionStartedEvent started when proto.ExecutionStarted is { } p => (started.ParentTraceContext?.TraceParent, p.Tags),
            TaskScheduledEvent scheduled when proto.TaskScheduled is { } p => (scheduled.ParentTraceContext?.TraceParent, p.Tags),
            _ => (null, null),
        };
        if (!string.IsNullOrEmpty(traceParent) && tags is not null && !tags.ContainsKey(TraceParentTag))
        {
            tags[TraceParentTag] = traceParent;
        }
    }

    public override async Task<P.CompleteTaskResponse> CompleteOrchestratorTask(
        P.OrchestratorResponse request, ServerCallContext context)
    {
        if (tracing.ParentActivitiesOnOrchestration)
        {
            ParentActivitiesOnOrchestration(request);
        }

        var continueAsNew = request.Actions
            .Select(a => a.CompleteOrchestration)
            .FirstOrDefault(c => c?.OrchestrationStatus == P.OrchestrationStatus.ContinuedAsNew);
        if (continueAsNew is not null)
        {
            await DeliverSentEventsAsync(request, continueAsNew);
        }

        return await base.CompleteOrchestratorTask(request, context);
    }

    /// <summary>
    /// Rewrites the span id of each <c>ScheduleTask</c> action's <c>traceparent</c> to the orchestration's span id
    /// (<c>OrchestrationTraceContext.SpanID</c>, stable across the orchestration's episodes); trace id, flags and
    /// tracestate are kept. A context the worker did not fill in is left alone.
    /// </summary>
    private static void ParentActivitiesOnOrchestration(P.OrchestratorResponse request)
    {
        if (request.OrchestrationTraceContext?.SpanID is not { Length: 16 } orchestrationSpan)
        {
            return;
        }

        foreach (var schedule in request.Actions.Select(a => a.ScheduleTask).Where(s => s?.ParentTraceContext is not null))
        {
            var context = schedule.ParentTraceContext;
            if (ActivityContext.TryParse(context.TraceParent, context.TraceState, out var parsed))
            {
                var flags = (parsed.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00";
                context.TraceParent = $"00-{parsed.TraceId.ToHexString()}-{orchestrationSpan}-{flags}";
            }
        }
    }

    private async Task DeliverSentEventsAsync(P.OrchestratorResponse request, P.CompleteOrchestrationAction continueAsNew)
    {
        foreach (var action in request.Actions.Where(a => a.SendEvent is not null).ToList())
        {
            var sent = action.SendEvent;
            if (string.Equals(sent.Instance?.InstanceId, request.InstanceId, StringComparison.OrdinalIgnoreCase))
            {
                // Carried-over events start the next generation's history, exactly where preserved events belong.
                continueAsNew.CarryoverEvents.Add(new P.HistoryEvent
                {
                    EventId = -1,
                    Timestamp = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
                    EventRaised = new P.EventRaisedEvent { Name = sent.Name, Input = sent.Data },
                });
            }
            else if (sent.Instance is not null)
            {
                await client.SendTaskOrchestrationMessageAsync(new TaskMessage
                {
                    Event = new EventRaisedEvent(-1, sent.Data) { Name = sent.Name },
                    OrchestrationInstance = new OrchestrationInstance { InstanceId = sent.Instance.InstanceId },
                });
            }

            request.Actions.Remove(action);
        }
    }
}
