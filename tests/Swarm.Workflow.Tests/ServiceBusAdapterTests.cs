using Swarm.Domain.Composition;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Scrum;
using Swarm.ServiceBus;
using Swarm.Local.Bus;

namespace Swarm.Workflow.Tests;

/// <summary>
/// No Service Bus broker runs here, so the adapter is tested to the edge of the SDK: message building, reading
/// back, and how each outcome of routing settles the message (complete, dead-letter, abandon).
/// </summary>
public sealed class ServiceBusAdapterTests
{
    private static AgentEvent ClaimedEvent(WorkType type = WorkType.Feature)
    {
        var item = new WorkItem
        {
            Id = $"sb{Guid.NewGuid():N}"[..18],
            Type = type,
            Title = "Over the bus",
            Priority = WorkPriority.High,
            Team = "sigma",
            ClaimedAt = DateTimeOffset.UtcNow,
        };
        return new AgentEvent
        {
            Id = $"{EventTypes.WorkClaimed}:{item.Id}",
            Type = EventTypes.WorkClaimed,
            Source = "scrum-agent",
            WorkId = item.Id,
            Team = item.Team,
            Payload = JsonSerializer.SerializeToElement(item, SwarmJson.Options),
            OccurredAt = DateTimeOffset.UtcNow,
            TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            TraceState = "swarm=1",
        };
    }

    private static ServiceBusReceivedMessage Received(ServiceBusMessage sent, int deliveryCount = 1) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: sent.Body,
            messageId: sent.MessageId,
            subject: sent.Subject,
            contentType: sent.ContentType,
            correlationId: sent.CorrelationId,
            properties: sent.ApplicationProperties,
            deliveryCount: deliveryCount);

    [Fact]
    public void An_event_becomes_a_message_whose_id_is_the_event_id_and_reads_back_unchanged()
    {
        var agentEvent = ClaimedEvent();

        var message = AgentEventMessages.ToMessage(agentEvent);
        var back = AgentEventMessages.FromMessage(Received(message));

        Assert.Equal(agentEvent.Id, message.MessageId);
        Assert.Equal(EventTypes.WorkClaimed, message.Subject);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal(agentEvent.WorkId, message.CorrelationId);
        Assert.Equal(agentEvent.TraceParent, message.ApplicationProperties[AgentEventMessages.TraceParent]);
        Assert.Equal(agentEvent.TraceParent, message.ApplicationProperties[AgentEventMessages.DiagnosticId]);
        Assert.Equal("swarm=1", message.ApplicationProperties[AgentEventMessages.TraceState]);
        Assert.Equal("sigma", message.ApplicationProperties[AgentEventMessages.Team]);
        Assert.Equal(agentEvent.Id, back.Id);
        Assert.Equal(agentEvent.TraceParent, back.TraceParent);
        Assert.Equal(agentEvent.Read<WorkItem>().Title, back.Read<WorkItem>().Title);
    }

    [Fact]
    public void The_trace_context_is_taken_from_message_properties_when_the_body_lacks_it()
    {
        var message = AgentEventMessages.ToMessage(ClaimedEvent() with { TraceParent = null, TraceState = null });
        message.ApplicationProperties[AgentEventMessages.TraceParent] = "00-11111111111111111111111111111111-2222222222222222-01";

        var back = AgentEventMessages.FromMessage(Received(message));

        Assert.Equal("00-11111111111111111111111111111111-2222222222222222-01", back.TraceParent);
    }

    [Fact]
    public void The_message_trace_context_wins_over_the_body_and_diagnostic_id_is_the_fallback()
    {
        const string Publisher = "00-11111111111111111111111111111111-3333333333333333-01";
        var withBoth = AgentEventMessages.ToMessage(ClaimedEvent(), Publisher);
        var diagnosticOnly = AgentEventMessages.ToMessage(ClaimedEvent());
        diagnosticOnly.ApplicationProperties.Remove(AgentEventMessages.TraceParent);
        diagnosticOnly.ApplicationProperties[AgentEventMessages.DiagnosticId] = Publisher;
        var neither = AgentEventMessages.ToMessage(ClaimedEvent());
        neither.ApplicationProperties.Remove(AgentEventMessages.TraceParent);
        neither.ApplicationProperties.Remove(AgentEventMessages.DiagnosticId);

        Assert.Equal(Publisher, AgentEventMessages.FromMessage(Received(withBoth)).TraceParent);
        Assert.Equal(Publisher, AgentEventMessages.FromMessage(Received(diagnosticOnly)).TraceParent);
        Assert.Equal(ClaimedEvent().TraceParent, AgentEventMessages.FromMessage(Received(neither)).TraceParent);
    }

    public static TheoryData<string, string, string?> RoutingOutcomes => new()
    {
        { "none", "complete", null },
        { "invalid-input", "dead_letter", "invalid-input" },
        { "illegal-transition", "dead_letter", "illegal-transition" },
        { "conflict", "dead_letter", "conflict" },
        { "not-found", "abandon", null },
        { "timeout", "abandon", null },
        { "cancelled", "abandon", null },
    };

    [Theory]
    [MemberData(nameof(RoutingOutcomes))]
    public void The_settlement_follows_what_routing_did(string error, string disposition, string? reason)
    {
        Exception? thrown = error switch
        {
            "none" => null,
            "invalid-input" => new InvalidInputException("payload", "no WorkItem"),
            "illegal-transition" => new IllegalTransitionException("scrum-agent", "completed", "approve"),
            "conflict" => new ConflictException("changed vote"),
            "not-found" => new NotFoundException("motion", "m1"),
            "timeout" => new TimeoutException("backend slow"),
            _ => new OperationCanceledException(),
        };

        var settlement = Settlement.ForRouting(thrown);

        Assert.Equal(disposition, settlement.DispositionStatus);
        Assert.Equal(reason, settlement.Reason);
        Assert.Equal(thrown?.Message, settlement.Description);
    }

    [Fact]
    public void A_long_error_is_cut_to_the_description_limit_and_an_unreadable_body_is_a_malformed_event()
    {
        var settlement = Settlement.ForRouting(new InvalidInputException("payload", new string('x', 5000)));
        var unreadable = Settlement.ForUnreadable(new InvalidInputException("body", "not json"));

        Assert.Equal(Settlement.MaxDescription, settlement.Description!.Length);
        Assert.Equal((SettlementAction.DeadLetter, "malformed-event"), (unreadable.Action, unreadable.Reason));
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(6, 3200)]
    [InlineData(7, 5000)]
    [InlineData(10, 5000)]
    public void A_transient_failure_is_held_for_a_doubling_back_off_before_it_is_abandoned(int deliveryCount, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), AgentEventDelivery.Backoff(deliveryCount));
    }

    [Fact]
    public async Task A_routed_event_is_completed_and_its_motion_starts()
    {
        await using var swarm = await SwarmTestHost.StartAsync();
        var agentEvent = ClaimedEvent();
        var receiver = new RecordingReceiver();

        var processor = Adapter(swarm);

        await processor.HandleAsync(new ProcessMessageEventArgs(Received(AgentEventMessages.ToMessage(agentEvent)), receiver, CancellationToken.None));
        await processor.FlushAsync("window");

        Assert.Equal(["complete"], receiver.Settlements);
        var motion = await SwarmTestHost.EventuallyAsync(
            () => swarm.Client.GetInstanceAsync(InstanceIds.Motion(InstanceIds.ApprovalMotionId(agentEvent.WorkId!))), _ => true, what: "motion");
        Assert.NotNull(motion);
        // The processor writes each window that received something to the bus ledger as one run.
        var ledger = new BusLedgerStore(new AgentMailbox(swarm.Client));
        var recorded = await SwarmTestHost.EventuallyAsync(async () => (await ledger.ReadAsync()) is { LastRun: not null } l ? l : null, _ => true, what: "ledger");
        Assert.Equal((ServiceBusEventProcessor.Consumer, 1, 1, "window"), (recorded.LastRun!.Consumer, recorded.LastRun.Received, recorded.LastRun.Completed, recorded.LastRun.Ended));
    }

    [Fact]
    public async Task A_body_that_is_not_an_agent_event_is_dead_lettered()
    {
        await using var swarm = await SwarmTestHost.StartAsync();
        var receiver = new RecordingReceiver();
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromString("not json"), messageId: "m1");

        await Adapter(swarm).HandleAsync(new ProcessMessageEventArgs(message, receiver, CancellationToken.None));

        Assert.Equal(["dead-letter:malformed-event"], receiver.Settlements);
    }

    [Fact]
    public async Task An_event_whose_payload_breaks_a_rule_is_dead_lettered_with_the_reason()
    {
        await using var swarm = await SwarmTestHost.StartAsync();
        var receiver = new RecordingReceiver();
        var broken = ClaimedEvent() with { Payload = JsonSerializer.SerializeToElement(new { title = "no id" }) };

        await Adapter(swarm).HandleAsync(new ProcessMessageEventArgs(Received(AgentEventMessages.ToMessage(broken)), receiver, CancellationToken.None));

        Assert.Equal(["dead-letter:invalid-input"], receiver.Settlements);
        Assert.Contains("WorkItem", receiver.Descriptions.Single());
    }

    [Fact]
    public async Task A_transient_failure_abandons_the_message_for_redelivery()
    {
        var swarm = await SwarmTestHost.StartAsync();
        var adapter = Adapter(swarm);
        await swarm.DisposeAsync();
        var receiver = new RecordingReceiver();

        await adapter.HandleAsync(new ProcessMessageEventArgs(Received(AgentEventMessages.ToMessage(ClaimedEvent()), deliveryCount: 2), receiver, CancellationToken.None));

        Assert.Equal(["abandon"], receiver.Settlements);
    }

    private static ServiceBusEventProcessor Adapter(SwarmTestHost swarm) => new(
        new ServiceBusClient("Endpoint=sb://127.0.0.1/;SharedAccessKeyName=test;SharedAccessKey=dGVzdA=="),
        new AgentEventDelivery(swarm.Router, Options.Create(new ServiceBusBusOptions()), NullLogger<AgentEventDelivery>.Instance),
        new BusLedgerStore(new AgentMailbox(swarm.Client)),
        Options.Create(new ServiceBusBusOptions()),
        TimeProvider.System,
        NullLogger<ServiceBusEventProcessor>.Instance);

    private sealed class RecordingReceiver : ServiceBusReceiver
    {
        public List<string> Settlements { get; } = [];
        public List<string> Descriptions { get; } = [];

        public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
        {
            Settlements.Add("complete");
            return Task.CompletedTask;
        }

        public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
        {
            Settlements.Add($"dead-letter:{deadLetterReason}");
            Descriptions.Add(deadLetterErrorDescription ?? string.Empty);
            return Task.CompletedTask;
        }

        public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
        {
            Settlements.Add("abandon");
            return Task.CompletedTask;
        }
    }
}

public sealed class BusSelectionTests
{
    [Theory]
    [InlineData(null, null, typeof(InProcessAgentEventBus))]
    [InlineData("swarm.servicebus.windows.net", null, typeof(ServiceBusAgentEventPublisher))]
    [InlineData(null, "Endpoint=sb://127.0.0.1/;SharedAccessKeyName=k;SharedAccessKey=dGVzdA==", typeof(ServiceBusAgentEventPublisher))]
    public async Task The_bus_follows_the_service_bus_settings(string? fullyQualifiedNamespace, string? connectionString, Type expected)
    {
        var settings = new Dictionary<string, string?>();
        if (fullyQualifiedNamespace is not null)
        {
            settings["ServiceBusConnection:fullyQualifiedNamespace"] = fullyQualifiedNamespace;
        }

        if (connectionString is not null)
        {
            settings["ServiceBusConnection"] = connectionString;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSwarmAgents();
        services.AddSingleton(new AgentMailbox(null!));
        services.AddSingleton<ITeamImprovements>(new NoImprovements());
        Swarm.Local.SwarmHosting.AddAgentEventBus(services, configuration);
        await using var provider = services.BuildServiceProvider();

        Assert.IsType(expected, provider.GetRequiredService<IAgentEventBus>());
        Assert.IsType(expected == typeof(InProcessAgentEventBus) ? typeof(InProcessBusMonitor) : typeof(ServiceBusMonitor), provider.GetRequiredService<IAgentEventBusMonitor>());
    }

    /// <summary>The router's view of Lean without a task hub (this container has no Durable client).</summary>
    private sealed class NoImprovements : ITeamImprovements
    {
        public Task<TeamImprovement?> CurrentAsync(string team, DateTimeOffset closedSince, CancellationToken cancellationToken = default) =>
            Task.FromResult<TeamImprovement?>(null);
    }
}
