using Swarm.Api.Notifications;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Swarm.Domain;
using Swarm.Domain.Remediation;
using Swarm.Local;

namespace Swarm.EndToEnd.Tests;

/// <summary>The notification webhook against a real HTTP receiver on loopback.</summary>
public sealed class WebhookNotifierTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<JsonElement> _received = new();
    private WebApplication _receiver = null!;
    private int _failuresLeft;
    private string _url = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                return Results.StatusCode(503);
            }

            _received.Enqueue(body);
            return Results.Ok();
        });
        await _receiver.StartAsync();
        _url = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private IRemediationNotifier Notifier(string? url)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddOptions<SwarmOptions>().Configure(o => o.Remediation.NotificationWebhook = url);
        services.AddRemediationNotices();
        return services.BuildServiceProvider().GetRequiredService<IRemediationNotifier>();
    }

    private static RemediationNotice Notice() =>
        new("HighDefectRate fired", "Lean project started", "HighDefectRate", "fp-1", "remediation-abc", "alpha", "warning");

    [Fact]
    public async Task A_notice_reaches_the_webhook_in_the_text_shape_chat_tools_accept()
    {
        var where = await Notifier(_url).NotifyAsync(Notice());

        Assert.StartsWith("webhook (200, attempt 1)", where);
        var body = Assert.Single(_received);
        Assert.Contains("HighDefectRate fired", body.GetProperty("text").GetString());
        Assert.Equal("remediation-abc", body.GetProperty("remediationId").GetString());
        Assert.Equal("alpha", body.GetProperty("team").GetString());
    }

    [Fact]
    public async Task Transient_failures_are_retried()
    {
        _failuresLeft = 2;

        var where = await Notifier(_url).NotifyAsync(Notice());

        Assert.Equal("webhook (200, attempt 3)", where);
        Assert.Single(_received);
    }

    [Fact]
    public async Task A_webhook_that_keeps_failing_is_reported_after_the_last_attempt()
    {
        _failuresLeft = 10;

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Notifier(_url).NotifyAsync(Notice()));

        Assert.Contains("503", error.Message);
        Assert.Empty(_received);
    }

    [Fact]
    public async Task Without_a_webhook_notices_are_logged()
    {
        var where = await Notifier(null).NotifyAsync(Notice());

        Assert.StartsWith("logged", where);
        Assert.Empty(_received);
    }
}
