using NetArchTest.Rules;

namespace Swarm.Architecture.Tests;

/// <summary>
/// The dependency rules of docs/architecture.md, checked on the compiled assemblies: a rule broken in code fails here
/// with the offending types named.
/// </summary>
public sealed class DependencyRules
{
    private static readonly Assembly Domain = typeof(Swarm.Domain.SwarmOptions).Assembly;
    private static readonly Assembly Api = typeof(Swarm.Api.SwarmApi).Assembly;
    private static readonly Assembly ServiceDefaults = typeof(Swarm.ServiceDefaults.SwarmTelemetryHosting).Assembly;
    private static readonly Assembly ServiceBus = typeof(Swarm.ServiceBus.ServiceBusAgentEventPublisher).Assembly;
    private static readonly Assembly Functions = typeof(Swarm.Functions.SwarmFunctionsHosting).Assembly;

    private static readonly string[] AgentNames = ["Roberts", "Scrum", "Lean", "Remediation"];

    /// <summary>The agents of Domain, one namespace (and folder) each.</summary>
    public static readonly TheoryData<string> Agents = new(AgentNames);

    [Fact]
    public void Domain_references_no_other_project_and_no_azure_sdk_opentelemetry_sdk_or_aspnet_core()
    {
        AssertHolds(Types.InAssembly(Domain).ShouldNot().HaveDependencyOnAny(
            "Swarm.Api", "Swarm.ServiceDefaults", "Swarm.ServiceBus", "Swarm.Local", "Swarm.Functions", "Swarm.Cli",
            "Azure", "OpenTelemetry", "Microsoft.AspNetCore", "Grpc").GetResult());
        Assert.DoesNotContain(Domain.GetReferencedAssemblies(), a => a.Name!.StartsWith("Swarm.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_kernel_imports_no_agent_and_no_composition()
    {
        AssertHolds(Types.InAssembly(Domain)
            .That().ResideInNamespaceMatching(@"^Swarm\.Domain(\.Events|\.Telemetry)?$")
            .ShouldNot().HaveDependencyOnAny(AgentNamespaces().Append("Swarm.Domain.Composition").ToArray())
            .GetResult());
    }

    [Theory]
    [MemberData(nameof(Agents))]
    public void An_agent_reaches_no_other_agent_and_no_composition_only_the_kernel_and_the_event_contracts(string agent)
    {
        var others = AgentNamespaces().Where(n => n != $"Swarm.Domain.{agent}").Append("Swarm.Domain.Composition").ToArray();
        AssertHolds(Types.InAssembly(Domain)
            .That().ResideInNamespace($"Swarm.Domain.{agent}")
            .ShouldNot().HaveDependencyOnAny(others)
            .GetResult());
    }

    [Fact]
    public void The_functions_app_does_not_reference_the_local_host()
    {
        Assert.DoesNotContain(Functions.GetReferencedAssemblies(), a => a.Name == "Swarm.Local");
        AssertHolds(Types.InAssembly(Functions).ShouldNot().HaveDependencyOnAny(
            "Swarm.Local", "Microsoft.DurableTask.Testing", "Grpc.AspNetCore", "OpenTelemetry.Exporter.Prometheus").GetResult());
    }

    [Theory]
    [InlineData("Api")]
    [InlineData("ServiceDefaults")]
    [InlineData("ServiceBus")]
    public void The_shared_projects_do_not_reference_the_local_host_or_the_functions_app(string project)
    {
        var assembly = project switch { "Api" => Api, "ServiceDefaults" => ServiceDefaults, _ => ServiceBus };
        Assert.DoesNotContain(assembly.GetReferencedAssemblies(), a => a.Name is "Swarm.Local" or "Swarm.Functions");
        AssertHolds(Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny("Swarm.Local", "Swarm.Functions", "Swarm.Cli").GetResult());
    }

    [Fact]
    public void The_http_api_knows_no_service_bus_and_no_telemetry_sdk()
    {
        AssertHolds(Types.InAssembly(Api).ShouldNot().HaveDependencyOnAny(
            "Swarm.ServiceBus", "Swarm.ServiceDefaults", "Azure.Messaging", "OpenTelemetry").GetResult());
    }

    private static IEnumerable<string> AgentNamespaces() => AgentNames.Select(a => $"Swarm.Domain.{a}");

    private static void AssertHolds(TestResult result) =>
        Assert.True(result.IsSuccessful, "Broken by: " + string.Join(", ", result.FailingTypeNames ?? []));
}
