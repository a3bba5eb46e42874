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
/// </summary>
internal sealed class EmbeddedTaskHubGrpcServer : TaskHubGrpcServer
{
    private readonly IOrchestrationServiceClient client;

    public EmbeddedTaskHubGrpcServer(
        IHostApplicationLifetime hostApplicationLifetime,
        ILoggerFactory loggerFactory,
        IOrchestrationService service,
        IOrchestrationServiceClient client,
        IOptions<TaskHubGrpcServerOptions> options)
        : base(hostApplicationLifetime, loggerFactory, service, client, options)
    {
        this.client = client;
    }

    public override async Task<P.CompleteTaskResponse> CompleteOrchestratorTask(
        P.OrchestratorResponse request, ServerCallContext context)
    {
        var continueAsNew = request.Actions
            .Select(a => a.CompleteOrchestration)
            .FirstOrDefault(c => c?.OrchestrationStatus == P.OrchestrationStatus.ContinuedAsNew);
        if (continueAsNew is not null)
        {
            await DeliverSentEventsAsync(request, continueAsNew);
        }

        return await base.CompleteOrchestratorTask(request, context);
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
