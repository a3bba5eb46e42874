using Swarm.Domain.Composition;
using System.Reflection;
using Grpc.Net.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Functions;
using Swarm.Api;

namespace Swarm.Functions.Tests;

/// <summary>How the Functions app composes the agents: everything that reaches the Durable client lives per invocation.</summary>
public sealed class FunctionsCompositionTests
{
    private static readonly Type[] FunctionClasses =
    [
        .. typeof(ApiFunctions).Assembly.GetTypes().Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<Microsoft.Azure.Functions.Worker.FunctionAttribute>() is not null)),
    ];

    [Fact]
    public async Task Every_function_class_resolves_in_an_invocation_scope_with_that_invocations_client()
    {
        await using var services = Compose();
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:9");
        var client = new GrpcDurableTaskClient("invocation", new GrpcDurableTaskClientOptions { Channel = channel }, NullLogger.Instance);
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<InvocationDurableClient>().Bind(client);

        foreach (var type in FunctionClasses)
        {
            Assert.NotNull(ActivatorUtilities.CreateInstance(scope.ServiceProvider, type));
        }

        Assert.Same(client, scope.ServiceProvider.GetRequiredService<AgentMailbox>().Client);
        Assert.Same(client, scope.ServiceProvider.GetRequiredService<SwarmApiServices>().Client);
        Assert.IsType<DirectAgentEventBus>(scope.ServiceProvider.GetRequiredService<Swarm.Domain.Events.IAgentEventBus>());
        Assert.Contains(typeof(ApiFunctions), FunctionClasses);
    }

    [Fact]
    public async Task A_function_without_a_durable_client_binding_fails_loudly_naming_the_fix()
    {
        await using var services = Compose();
        await using var scope = services.CreateAsyncScope();

        var error = Assert.Throws<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<SwarmCommands>());

        Assert.Contains("[DurableClient]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_shedding_is_one_instance_for_the_app_and_reads_through_the_invocations_client()
    {
        await using var services = Compose();
        Swarm.Domain.Remediation.LoadShedding first;
        Swarm.Domain.Remediation.LoadShedding second;
        await using (var one = services.CreateAsyncScope())
        {
            first = one.ServiceProvider.GetRequiredService<Swarm.Domain.Remediation.LoadShedding>();
        }

        await using (var other = services.CreateAsyncScope())
        {
            second = other.ServiceProvider.GetRequiredService<Swarm.Domain.Remediation.LoadShedding>();
        }

        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:9");
        var client = new GrpcDurableTaskClient("invocation", new GrpcDurableTaskClientOptions { Channel = channel }, NullLogger.Instance);
        services.GetRequiredService<InvocationDurableClient>().Bind(client);

        Assert.Same(first, second);
        Assert.Same(client, services.GetRequiredService<IDurableClientSource>().Current);
    }

    [Fact]
    public void The_agents_settings_bind_from_the_swarm_section_as_app_settings_provide_them()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Swarm:Governance:ObjectionWindow"] = "00:00:05",
                ["Swarm:Teams:alpha:FirstSprint"] = "42",
            })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddSwarmFunctions(configuration).BuildServiceProvider();

        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SwarmOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(5), options.Governance.ObjectionWindow);
        Assert.Equal(42, options.Team("alpha").FirstSprint);
    }

    private static ServiceProvider Compose() =>
        new ServiceCollection()
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .AddSwarmFunctions(new ConfigurationBuilder().Build())
            .BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
}
