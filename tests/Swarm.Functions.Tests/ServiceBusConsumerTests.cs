using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Swarm.Api.Client;
using Swarm.Domain.Composition;
using Swarm.Domain.Events;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;
using Swarm.ServiceBus;

namespace Swarm.Functions.Tests;

/// <summary>
/// The Functions app's Service Bus consumer — the timer function <c>DrainAgentEvents</c> — invoked as the host would,
/// on the embedded backend, against an in-memory topic and subscription.
/// </summary>
public sealed class ServiceBusConsumerTests
{
    private static AgentEvent Claimed(string team, WorkType type = WorkType.Feature, string? traceParent = null)
    {
        var item = new WorkItem
        {
            Id = $"sb{Guid.NewGuid():N}"[..18],
            Type = type,
            Title = "Over the bus",
            Priority = WorkPriority.High,
            Team = team,
            ClaimedAt = DateTimeOffset.UtcNow,
        };
        return new AgentEvent
        {
            Id = $"{EventTypes.WorkClaimed}:{item.Id}",
            Type = EventTypes.WorkClaimed,
            Source = AgentNames.Scrum,
            WorkId = item.Id,
            Team = item.Team,
            Payload = JsonSerializer.SerializeToElement(item, SwarmJson.Options),
            OccurredAt = DateTimeOffset.UtcNow,
            TraceParent = traceParent,
        };
    }

    /// <summary>
    /// The fast timings with an objection window no test outlasts. A routed feature claim starts its approval motion,
    /// which a 1 s window would carry by general consent and publish <c>roberts.motion.passed</c> onto the same
    /// subscription — into a drain still running on a loaded machine, adding a message to the counts these tests assert.
    /// </summary>
    private static SwarmOptions Quiet()
    {
        var options = EmbeddedSwarm.FastOptions();
        options.Governance.ObjectionWindow = TimeSpan.FromMinutes(10);
        return options;
    }

    [Fact]
    public async Task A_routed_message_is_completed_and_starts_its_motion_and_a_redelivery_changes_nothing()
    {
        await using var swarm = await BusSwarm.StartAsync(Quiet());
        var claimed = Claimed("bus-a");
        swarm.Broker.Send(AgentEventMessages.ToMessage(claimed));

        var run = await swarm.DrainOnceAsync();

        Assert.NotNull(run);
        Assert.Equal((1, 1, 0, 0, "idle"), (run.Received, run.Completed, run.DeadLettered, run.Abandoned, run.Ended));
        Assert.Equal([$"complete:{claimed.Id}"], swarm.Broker.Settlements);
        var motionId = InstanceIds.Motion(InstanceIds.ApprovalMotionId(claimed.WorkId!));
        var motion = await EmbeddedSwarm.EventuallyAsync(() => swarm.Client.GetInstanceAsync(motionId), i => i is not null, "approval motion");

        swarm.Broker.Redeliver(AgentEventMessages.ToMessage(claimed));
        var again = await swarm.DrainOnceAsync();
        var after = await swarm.Client.GetInstanceAsync(motionId);

        Assert.True(again!.Completed >= 1);
        Assert.Equal(2, swarm.Broker.Settlements.Count(s => s == $"complete:{claimed.Id}"));
        Assert.Equal(motion!.CreatedAt, after!.CreatedAt);
    }

    [Fact]
    public async Task Malformed_and_rule_breaking_messages_are_dead_lettered_with_their_reason_and_listed()
    {
        await using var swarm = await BusSwarm.StartAsync();
        swarm.Broker.Send(new ServiceBusMessage(BinaryData.FromString("not json")) { MessageId = "garbage-1" });
        var broken = Claimed("bus-b") with { Payload = JsonSerializer.SerializeToElement(new { title = "no id" }) };
        swarm.Broker.Send(AgentEventMessages.ToMessage(broken));

        var run = await swarm.DrainOnceAsync();
        var listed = await swarm.Api.ListDeadLettersAsync();

        Assert.Equal((2, 0, 2), (run!.Received, run.Completed, run.DeadLettered));
        Assert.Contains(("garbage-1", Settlement.MalformedEvent), swarm.Broker.DeadLetters);
        Assert.Contains((broken.Id, "invalid-input"), swarm.Broker.DeadLetters);
        var rule = Assert.Single(listed.Items, d => d.MessageId == broken.Id);
        Assert.Equal("invalid-input", rule.Reason);
        Assert.Contains("WorkItem", rule.Description);
        Assert.Equal(EventTypes.WorkClaimed, rule.EventType);
        Assert.Equal("bus-b", rule.Team);
    }

    [Fact]
    public async Task A_transient_failure_abandons_until_the_max_delivery_count_then_a_resubmission_delivers_it_once()
    {
        await using var swarm = await BusSwarm.StartAsync(Quiet());
        swarm.Broker.MaxDeliveryCount = 2;
        var claimed = Claimed("bus-c");
        swarm.Broker.Send(AgentEventMessages.ToMessage(claimed));
        swarm.Client.Failing = true;

        // The broker redelivers an abandoned message at once: the run meets it again (after a back-off) until the max delivery count.
        var first = await swarm.DrainOnceAsync();
        swarm.Client.Failing = false;
        var deadLetter = Assert.Single((await swarm.Api.ListDeadLettersAsync()).Items);

        Assert.Equal((2, 0, 2), (first!.Received, first.Completed, first.Abandoned));
        Assert.Equal("MaxDeliveryCountExceeded", deadLetter.Reason);
        Assert.Equal(2, deadLetter.DeliveryCount);

        var resubmitted = await swarm.Api.ResubmitDeadLetterAsync(deadLetter.Id);
        var repeated = await swarm.Api.ResubmitDeadLetterAsync(deadLetter.Id);
        var delivered = await swarm.DrainOnceAsync();

        Assert.Equal("resubmitted", resubmitted.Outcome);
        Assert.Equal("already-resubmitted", repeated.Outcome);
        Assert.Equal(resubmitted.MessageId, repeated.MessageId);
        Assert.Equal($"{claimed.Id}~resubmit-{deadLetter.Id}", resubmitted.MessageId);
        Assert.Equal((1, 1), (delivered!.Received, delivered.Completed));
        Assert.Empty((await swarm.Api.ListDeadLettersAsync()).Items);
        Assert.NotNull(await swarm.Client.GetInstanceAsync(InstanceIds.Motion(InstanceIds.ApprovalMotionId(claimed.WorkId!))));
        var unknown = await Assert.ThrowsAsync<ServerProblemException>(() => swarm.Api.ResubmitDeadLetterAsync("999999"));
        Assert.Equal(404, unknown.Status);
        var malformed = await Assert.ThrowsAsync<ServerProblemException>(() => swarm.Api.ResubmitDeadLetterAsync("abc"));
        Assert.Equal(400, malformed.Status);
    }

    [Fact]
    public async Task The_route_span_is_a_child_of_the_publish_span_with_messaging_attributes()
    {
        await using var swarm = await BusSwarm.StartAsync(Quiet());
        var publisher = swarm.Services.GetRequiredService<IAgentEventBus>();
        Assert.IsType<ServiceBusAgentEventPublisher>(publisher);
        Activity? origin;
        using (origin = SwarmTelemetry.Source.StartActivity("test.origin", ActivityKind.Internal, parentContext: default))
        {
            await publisher.PublishAsync(Claimed("bus-d", traceParent: origin!.Id));
        }

        await swarm.DrainOnceAsync();

        var trace = swarm.Spans.Where(s => s.TraceId == origin.TraceId).ToList();
        var send = Assert.Single(trace, s => s.DisplayName == "send swarm-events");
        var route = Assert.Single(trace, s => s.DisplayName == AgentEventRouter.RouteSpanName);
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(origin.SpanId, send.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, route.Kind);
        Assert.Equal(send.SpanId, route.ParentSpanId);
        Assert.Equal("servicebus", send.GetTagItem(MessagingAttributes.System));
        Assert.Equal("send", send.GetTagItem(MessagingAttributes.OperationType));
        Assert.Equal("swarm-events", send.GetTagItem(MessagingAttributes.DestinationName));
        Assert.Equal(FakeServiceBus.Namespace, send.GetTagItem(MessagingAttributes.ServerAddress));
        Assert.Equal("process", route.GetTagItem(MessagingAttributes.OperationType));
        Assert.Equal("swarm-agents", route.GetTagItem(MessagingAttributes.SubscriptionName));
        Assert.Equal(1, route.GetTagItem(MessagingAttributes.DeliveryCount));
        Assert.Equal("complete", route.GetTagItem(MessagingAttributes.DispositionStatus));
        Assert.Equal(send.GetTagItem(MessagingAttributes.MessageId), route.GetTagItem(MessagingAttributes.MessageId));
    }

    [Fact]
    public async Task A_dead_lettered_message_has_its_reason_and_delivery_count_on_the_route_span()
    {
        await using var swarm = await BusSwarm.StartAsync();
        var parent = ActivityContext.Parse("00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null);
        var message = new ServiceBusMessage(BinaryData.FromString("{}")) { MessageId = "empty-1" };
        message.ApplicationProperties[AgentEventMessages.DiagnosticId] = "00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        swarm.Broker.Send(message);

        await swarm.DrainOnceAsync();

        var route = Assert.Single(swarm.Spans, s => s.TraceId == parent.TraceId && s.DisplayName == AgentEventRouter.RouteSpanName);
        Assert.Equal(parent.SpanId, route.ParentSpanId);
        Assert.Equal("dead_letter", route.GetTagItem(MessagingAttributes.DispositionStatus));
        Assert.Equal(Settlement.MalformedEvent, route.GetTagItem(MessagingAttributes.DeadLetterReason));
        Assert.Equal(1, route.GetTagItem(MessagingAttributes.DeliveryCount));
        Assert.Equal(ActivityStatusCode.Error, route.Status);
    }

    [Fact]
    public async Task A_handler_slower_than_the_lock_renews_it_and_never_settles_on_an_expired_lock()
    {
        await using var swarm = await BusSwarm.StartAsync(Quiet());
        // The same ratio as a 60 s lock and a 90 s handler, in seconds with room for a loaded 2-core machine's scheduling.
        swarm.Broker.LockDuration = TimeSpan.FromSeconds(3);
        swarm.Client.Delay = TimeSpan.FromSeconds(4.5);
        swarm.Broker.Send(AgentEventMessages.ToMessage(Claimed("bus-e")));
        swarm.Broker.Send(AgentEventMessages.ToMessage(Claimed("bus-e")));

        var run = await swarm.DrainOnceAsync();

        Assert.Equal((2, 2), (run!.Received, run.Completed));
        Assert.True(swarm.Broker.Renewals >= 2, $"renewals: {swarm.Broker.Renewals}");
        Assert.Equal(0, swarm.Broker.LockViolations);
    }

    [Fact]
    public async Task A_run_on_an_empty_subscription_ends_as_idle_and_a_busy_one_handles_messages_concurrently_up_to_the_limit()
    {
        await using var swarm = await BusSwarm.StartAsync(bus: o => o.MaxConcurrentCalls = 3);
        var idle = await swarm.DrainOnceAsync();
        swarm.Client.Delay = TimeSpan.FromMilliseconds(300);
        for (var i = 0; i < 7; i++)
        {
            swarm.Broker.Send(AgentEventMessages.ToMessage(Claimed("bus-f", WorkType.Task)));
        }

        var busy = await swarm.DrainOnceAsync();

        Assert.Equal(("idle", 0), (idle!.Ended, idle.Received));
        Assert.Equal((7, 7), (busy!.Received, busy.Completed));
        // The ledger is an orchestration fed by events: it shows the run once it has processed the entry.
        var report = await EmbeddedSwarm.EventuallyAsync(() => swarm.Api.GetBusAsync(), r => r.Ledger.LastActiveRun is not null, "the run in the bus ledger");
        Assert.Equal("service-bus", report.Kind);
        Assert.Equal(SubscriptionDrain.Consumer, report.Consumer);
        Assert.Equal(FakeServiceBus.Namespace, report.Namespace);
        Assert.Equal(7, report.Ledger.LastActiveRun!.Completed);
        Assert.True(report.Ledger.Completed >= 7);
    }

    public static TheoryData<string> EventTypeNames => new(EventTypes.All);

    [Theory]
    [MemberData(nameof(EventTypeNames))]
    public async Task The_publisher_sends_each_event_type_with_its_id_properties_and_body(string type)
    {
        var broker = new FakeServiceBus();
        await using var publisher = new ServiceBusAgentEventPublisher(
            broker.Client,
            new ServiceBusEndpoint(FakeServiceBus.Namespace, "connection-string"),
            Options.Create(new ServiceBusBusOptions()),
            NullLogger<ServiceBusAgentEventPublisher>.Instance);
        var agentEvent = new AgentEvent
        {
            Id = $"{type}:x1",
            Type = type,
            Source = "test",
            WorkId = "w1",
            Team = "alpha",
            Payload = JsonSerializer.SerializeToElement(new { id = "x1" }),
            OccurredAt = DateTimeOffset.UtcNow,
            TraceParent = "00-6bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        };

        await publisher.PublishAsync(agentEvent);
        await publisher.PublishAsync(agentEvent);

        var sent = Assert.Single(broker.Sent);
        Assert.Equal(1, broker.DuplicatesDropped);
        Assert.Equal((agentEvent.Id, type, "application/json", "w1"), (sent.MessageId, sent.Subject, sent.ContentType, sent.CorrelationId));
        Assert.Equal("alpha", sent.ApplicationProperties[AgentEventMessages.Team]);
        Assert.Equal("w1", sent.ApplicationProperties[AgentEventMessages.WorkId]);
        Assert.Equal("test", sent.ApplicationProperties[AgentEventMessages.Source]);
        Assert.Equal(sent.ApplicationProperties[AgentEventMessages.TraceParent], sent.ApplicationProperties[AgentEventMessages.DiagnosticId]);
        Assert.Equal(agentEvent.Id, sent.Body.ToObjectFromJson<AgentEvent>(SwarmJson.Options)!.Id);
    }

    [Fact]
    public async Task The_seed_scenario_completes_over_service_bus_in_one_trace()
    {
        await using var swarm = await BusSwarm.StartAsync(SwarmOptions.Demo());
        swarm.StartConsumer();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        DemoReport report;
        using (SwarmTelemetry.Source.StartActivity("swarm.demo.seed_scenario", ActivityKind.Client, parentContext: default, SeedScenario.RootTags(SeedScenario.Team)))
        {
            report = await new SeedScenario(swarm.Api, SeedScenario.Team).RunAsync(deadline.Token);
        }

        Assert.Equal(LeanPhase.Closed, report.Project.Phase);
        Assert.StartsWith("process change passed", report.Project.Outcome);
        Assert.Equal(0, swarm.Broker.ActiveCount);
        Assert.Empty(swarm.Broker.DeadLetters);
        var trace = swarm.Spans.Where(s => s.TraceId.ToString() == report.TraceId).ToList();
        var sends = trace.Where(s => s.DisplayName == "send swarm-events").ToDictionary(s => s.SpanId);
        var routes = trace.Where(s => s.DisplayName == AgentEventRouter.RouteSpanName).ToList();
        var routedTypes = routes.Select(r => (string)r.GetTagItem(SwarmAttributes.EventType)!).ToHashSet();
        foreach (var expected in new[] { EventTypes.WorkClaimed, EventTypes.MotionPassed, EventTypes.SprintCompleted, EventTypes.DefectRateExceeded, EventTypes.ProposalReady })
        {
            Assert.Contains(expected, routedTypes);
        }

        Assert.All(routes, r => Assert.True(sends.ContainsKey(r.ParentSpanId), $"route of {r.GetTagItem(SwarmAttributes.EventType)} is not a child of a send span"));
        Assert.Contains(trace, s => s.DisplayName == "lean.project.close");
        Assert.Equal(sends.Count, swarm.Broker.Sent.Count(m => trace.Any(s => s.GetTagItem(MessagingAttributes.MessageId) as string == m.MessageId)));
    }
}
