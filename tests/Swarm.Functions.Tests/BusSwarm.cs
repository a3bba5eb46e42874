using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Api;
using Swarm.Api.Notifications;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.Azure.Functions.Worker;
using Swarm.Api.Client;
using Swarm.Domain.Composition;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;
using Swarm.Local;
using Swarm.Local.Durable;
using Swarm.ServiceBus;

namespace Swarm.Functions.Tests;

/// <summary>
/// The Functions app with Service Bus linking the agents, over a <see cref="FakeServiceBus"/>: its orchestrator and
/// activity functions on the embedded backend (<see cref="FunctionTaskRegistry"/>), the Service Bus adapter registered
/// as the Functions app registers it (<c>AddServiceBusAgentEventBus</c> + <c>AddServiceBusDrain</c> from a
/// <c>ServiceBusConnection</c> setting), the HTTP API on 127.0.0.1, and the consumer — the timer function
/// <see cref="BusFunctions.DrainAgentEvents"/> — invoked as the host would, once per <see cref="DrainOnceAsync"/> or
/// continuously by <see cref="StartConsumer"/>. Spans of the Swarm source are recorded.
/// </summary>
public sealed class BusSwarm : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _spans = new();
    private CancellationTokenSource? _consumer;
    private Task? _consuming;

    private BusSwarm(WebApplication app, FakeServiceBus broker, ActivityListener listener)
    {
        _app = app;
        Broker = broker;
        _listener = listener;
    }

    public FakeServiceBus Broker { get; }
    public IServiceProvider Services => _app.Services;
    public FaultyDurableClient Client => (FaultyDurableClient)Services.GetRequiredService<DurableTaskClient>();
    public SwarmApiClient Api { get; private set; } = null!;
    public IReadOnlyList<Activity> Spans => [.. _spans];

    public static async Task<BusSwarm> StartAsync(SwarmOptions? swarm = null, Action<ServiceBusBusOptions>? bus = null)
    {
        var broker = new FakeServiceBus();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ServiceBusConnection"] = FakeServiceBus.ConnectionString,
            ["Swarm:ServiceBus:DrainIdleWait"] = "00:00:00.300",
        });
        var services = builder.Services;
        services.AddSwarmAgents();
        services.AddOptions<SwarmOptions>().Configure((swarm ?? EmbeddedSwarm.FastOptions()).CopyTo);
        services.AddSingleton<ServiceBusClient>(broker.Client);
        Assert.True(services.AddServiceBusAgentEventBus(builder.Configuration, SubscriptionDrain.Consumer));
        services.AddServiceBusDrain();
        if (bus is not null)
        {
            services.Configure(bus);
        }

        services.AddRemediationNotices();
        services.AddEmbeddedDurableTask(registry => registry.AddSwarmFunctionMethods());
        services.Configure<DurableTaskWorkerOptions>(o => o.DataConverter = new JsonDataConverter(SwarmJson.Options));
        services.Configure<DurableTaskClientOptions>(o => o.DataConverter = new JsonDataConverter(SwarmJson.Options));
        services.AddSingleton<DurableTaskClient>(sp => new FaultyDurableClient(sp.GetRequiredService<IDurableTaskClientProvider>().GetClient()));
        services.AddSwarmApi();

        var app = builder.Build();
        app.MapSwarmApi();
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is SwarmTelemetry.Name or "Microsoft.DurableTask" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        var swarmHost = new BusSwarm(app, broker, listener);
        listener.ActivityStopped = swarmHost._spans.Enqueue;
        ActivitySource.AddActivityListener(listener);
        await app.StartAsync();
        swarmHost.Api = new SwarmApiClient(new Uri(app.Urls.First()), null);
        return swarmHost;
    }

    /// <summary>One invocation of the timer function, as the host makes it: a fresh function instance in an invocation scope.</summary>
    public async Task<BusConsumerRun?> DrainOnceAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = Services.CreateAsyncScope();
        var functions = ActivatorUtilities.CreateInstance<BusFunctions>(scope.ServiceProvider, NullLogger<BusFunctions>.Instance);
        return await functions.DrainAgentEvents(new TimerInfo(), scope.ServiceProvider.GetRequiredService<DurableTaskClient>(), cancellationToken);
    }

    /// <summary>Runs the timer function back to back until disposed, as the host does when each run ends before the next tick.</summary>
    public void StartConsumer()
    {
        _consumer = new CancellationTokenSource();
        var token = _consumer.Token;
        _consuming = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                await DrainOnceAsync(token);
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_consumer is not null)
        {
            await _consumer.CancelAsync();
            await _consuming!;
            _consumer.Dispose();
        }

        _listener.Dispose();
        await _app.StopAsync(TimeSpan.FromSeconds(10));
        await _app.DisposeAsync();
    }
}
