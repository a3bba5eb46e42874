using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Swarm.Api;
using Swarm.Api.Client;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Local.Bus;

namespace Swarm.Workflow.Tests;

/// <summary><c>GET /api/bus</c> and the dead letters on the embedded host's in-process bus, over HTTP.</summary>
public sealed class InProcessBusMonitorTests
{
    [Fact]
    public async Task An_event_every_attempt_failed_to_route_is_listed_and_a_resubmission_that_fails_again_keeps_it()
    {
        await using var swarm = await SwarmTestHost.StartAsync();
        var bus = swarm.Services.GetRequiredService<InProcessAgentEventBus>();
        var broken = new AgentEvent
        {
            Id = $"{EventTypes.WorkClaimed}:broken-1",
            Type = EventTypes.WorkClaimed,
            Source = "test",
            Team = "mon",
            Payload = JsonSerializer.SerializeToElement(new { title = "no id" }),
        };

        await Assert.ThrowsAsync<InvalidInputException>(() => bus.PublishAsync(broken).AsTask());
        var report = await swarm.Api.GetBusAsync();
        var listed = await swarm.Api.ListDeadLettersAsync(max: 10);
        var retried = await Assert.ThrowsAsync<ServerProblemException>(() => swarm.Api.ResubmitDeadLetterAsync(broken.Id));
        var unknown = await Assert.ThrowsAsync<ServerProblemException>(() => swarm.Api.ResubmitDeadLetterAsync("work.claimed:nothing"));
        var badMax = await Assert.ThrowsAsync<ServerProblemException>(() => swarm.Api.ListDeadLettersAsync(max: 500));

        Assert.Equal("in-process", report.Kind);
        Assert.Equal(1, report.DeadLetters);
        Assert.Equal(1, report.Ledger.DeadLettered);
        var deadLetter = Assert.Single(listed.Items);
        Assert.Equal((broken.Id, "delivery-failed", InProcessAgentEventBus.MaxAttempts, "mon"), (deadLetter.Id, deadLetter.Reason, deadLetter.DeliveryCount, deadLetter.Team));
        Assert.Contains("WorkItem", deadLetter.Description);
        Assert.Equal(400, retried.Status);
        Assert.Single((await swarm.Api.ListDeadLettersAsync()).Items);
        Assert.Equal(404, unknown.Status);
        Assert.Equal((400, "max"), (badMax.Status, badMax.Field));
    }
}
