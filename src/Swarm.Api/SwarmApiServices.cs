using Swarm.Domain.Composition;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Remediation;
using Swarm.Domain.Scrum;

namespace Swarm.Api;

/// <summary>
/// What the API handlers need, resolved per request: in the embedded host from the request's services, in the
/// Functions app from the invocation's services (where the Durable client is the invocation's own).
/// </summary>
public sealed class SwarmApiServices(
    SwarmCommands commands,
    IWorkHistory history,
    AgentEventRouter router,
    DurableTaskClient client,
    AlertIntake alerts,
    LoadShedding shedding,
    ILogger<SwarmApiServices> logger,
    DurableBackendInfo? durable = null,
    HealthCheckService? healthChecks = null,
    IAgentEventBusMonitor? bus = null,
    IEnumerable<RecoverableOrchestrator>? recoverable = null,
    IOptions<SwarmOptions>? options = null)
{
    /// <summary>
    /// How long a request may wait on the backend (<see cref="SwarmOptions.RequestTimeout"/>); zero or less means no
    /// deadline (<see cref="Timeout.InfiniteTimeSpan"/>).
    /// </summary>
    public TimeSpan RequestTimeout { get; } = (options?.Value.RequestTimeout ?? SwarmOptions.DefaultRequestTimeout) is { Ticks: > 0 } timeout
        ? timeout
        : Timeout.InfiniteTimeSpan;

    /// <summary>The agent orchestrators an instance restart may start again, with how each one's last state is read.</summary>
    public IReadOnlyList<RecoverableOrchestrator> Recoverable { get; } = [.. recoverable ?? []];

    /// <summary>The bus between the agents and its dead letters, when the host registers a monitor (both hosts do).</summary>
    public IAgentEventBusMonitor Bus => bus ?? throw new InvalidOperationException(
        "This host registers no IAgentEventBusMonitor; the embedded host and the Functions app register one with their bus.");

    /// <summary>What runs the orchestrations, when the host says so.</summary>
    public DurableBackendInfo? Durable => durable;

    /// <summary>The host's health checks of its local servers (the embedded host registers them; Functions has none).</summary>
    public HealthCheckService? HealthChecks => healthChecks;

    public SwarmCommands Commands => commands;
    public IWorkHistory History => history;
    public AgentEventRouter Router => router;
    public DurableTaskClient Client => client;
    public AlertIntake Alerts => alerts;
    public LoadShedding Shedding => shedding;
    public ILogger Logger => logger;
}

public static class SwarmApiServiceCollectionExtensions
{
    /// <summary>The API handlers' services; the agents (<c>AddSwarmAgents</c>) and a Durable client come from the host.</summary>
    public static IServiceCollection AddSwarmApi(this IServiceCollection services)
    {
        services.AddScoped<SwarmApiServices>();
        return services;
    }
}
