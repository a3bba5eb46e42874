using Swarm.Domain.Composition;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Swarm.Api;
using Swarm.Api.Client;
using Microsoft.Extensions.Logging;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;
using Swarm.Local;
using Swarm.ServiceBus;
using Swarm.Local.Bus;
using Swarm.Local.Durable;

namespace Swarm.Workflow.Tests;

/// <summary>
/// A running embedded swarm for one test class: agents, in-process bus, embedded backend, span capture, and the HTTP
/// API on a free 127.0.0.1 port (<see cref="Api"/>).
/// </summary>
public sealed class SwarmTestHost : IAsyncDisposable
{
    private readonly WebApplication _host;
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<AgentEvent> _delivered = new();

    /// <summary>
    /// The host whose start a piece of work descends from: set while a host starts, so the loops it starts then (the
    /// Durable worker and sidecar, their timers and dispatchers) carry it in their execution context. Span listeners
    /// are process-wide; with it a host records its own orchestrations' and activities' spans and not those of
    /// another host running the same test alongside (same team, same ids) — only spans of no host in particular (the
    /// test's own calls) are seen by every host, as before.
    /// </summary>
    private static readonly AsyncLocal<SwarmTestHost?> Owner = new();

    private SwarmTestHost(WebApplication host, ActivityListener listener)
    {
        _host = host;
        _listener = listener;
        Bus.Delivered += e => _delivered.Enqueue(e);
    }

    public IServiceProvider Services => _host.Services;

    /// <summary>A client of this host's <c>/api</c> routes (no function key: none is configured).</summary>
    public SwarmApiClient Api { get; private set; } = null!;
    public SwarmCommands Commands => Services.GetRequiredService<SwarmCommands>();
    public DurableTaskClient Client => Services.GetRequiredService<DurableTaskClient>();
    public AgentMailbox Mailbox => Services.GetRequiredService<AgentMailbox>();
    public AgentEventRouter Router => Services.GetRequiredService<AgentEventRouter>();
    public InProcessAgentEventBus Bus => Services.GetRequiredService<InProcessAgentEventBus>();

    public IReadOnlyList<Activity> Spans => [.. _spans];
    public IReadOnlyList<AgentEvent> Delivered => [.. _delivered];

    /// <summary>Timings short enough for tests, long enough that a test can act inside each window.</summary>
    public static SwarmOptions FastOptions() => new()
    {
        Governance = new GovernanceOptions
        {
            SecondingDeadline = TimeSpan.FromSeconds(1),
            ObjectionWindow = TimeSpan.FromSeconds(1),
            VotingDeadline = TimeSpan.FromSeconds(5),
        },
        Scrum = new ScrumOptions { PlanningWindow = TimeSpan.FromSeconds(2), SprintLength = TimeSpan.FromSeconds(60) },
    };

    /// <summary>
    /// Starts a host with <see cref="FastOptions"/> adjusted by <paramref name="configure"/>, on the in-memory backend
    /// or, given <paramref name="storage"/>, on the Azure Storage provider: on <paramref name="taskHub"/> when given (a
    /// restart, a second host), else on a task hub of its own.
    /// </summary>
    public static async Task<SwarmTestHost> StartAsync(
        Action<SwarmOptions>? configure = null, DurableStorageOptions? storage = null, Action<IServiceCollection>? services = null, string? taskHub = null)
    {
        var listener = new ActivityListener
        {
            // ASP.NET Core's request span is the claim's parent: with it listened to, the caller's traceparent carries over.
            ShouldListenTo = source => source.Name is SwarmTelemetry.Name or "Microsoft.DurableTask" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning);
        var options = FastOptions();
        configure?.Invoke(options);
        builder.Services.AddEmbeddedSwarm(configureSwarm: options.CopyTo, configureBackend: backend =>
        {
            if (storage is not null)
            {
                backend.AzureStorage = storage;
                backend.TaskHub = taskHub ?? $"test{Guid.NewGuid():N}"[..24];
            }
        });
        services?.Invoke(builder.Services);
        builder.Services.AddSwarmApi();
        var host = builder.Build();
        host.MapSwarmApi();
        var testHost = new SwarmTestHost(host, listener);
        listener.ActivityStopped = span =>
        {
            if (Owner.Value is null || Owner.Value == testHost)
            {
                testHost._spans.Enqueue(span);
            }
        };
        ActivitySource.AddActivityListener(listener);
        Owner.Value = testHost;
        await host.StartAsync();
        testHost.Api = new SwarmApiClient(new Uri(host.Urls.First()), null);
        return testHost;
    }

    /// <summary>Waits until the bus has delivered an event matching <paramref name="match"/> (delivery is asynchronous).</summary>
    public Task<AgentEvent> DeliveredAsync(Func<AgentEvent, bool> match, string what) =>
        EventuallyAsync(() => Task.FromResult(Delivered.FirstOrDefault(match)), _ => true, what: what);

    /// <summary>How long one read of <see cref="EventuallyAsync"/> may take before the next is made.</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Polls <paramref name="read"/> until <paramref name="condition"/> holds, failing after <paramref name="timeout"/>.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> read, Func<T, bool> condition, TimeSpan? timeout = null, string? what = null)
        where T : class
    {
        var limit = Stopwatch.StartNew();
        var budget = timeout ?? TimeSpan.FromSeconds(30);
        T? last = null;
        while (limit.Elapsed < budget)
        {
            try
            {
                // Each read is bounded too: a call that never answers is left behind and the next one made, so the
                // loop ends within its budget (a read of the Azure Storage backend once hung for good in a suite run).
                var left = budget - limit.Elapsed;
                last = await read().WaitAsync(left < ReadTimeout ? left : ReadTimeout);
                if (last is not null && condition(last))
                {
                    return last;
                }
            }
            catch (NotFoundException)
            {
            }
            catch (TimeoutException) when (limit.Elapsed < budget)
            {
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"{what ?? typeof(T).Name} did not reach the expected state within {budget.TotalSeconds} s; last seen: {System.Text.Json.JsonSerializer.Serialize(last)}");
    }

    public async Task<OrchestrationMetadata> CompletedAsync(string instanceId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await EventuallyAsync(() => Client.GetInstanceAsync(instanceId, cts.Token), _ => true, timeout, instanceId);
        return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await _host.StopAsync(stopping.Token);
        }

        await _host.DisposeAsync();
        _listener.Dispose();
    }
}
