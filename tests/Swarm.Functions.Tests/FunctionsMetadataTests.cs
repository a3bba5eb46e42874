using System.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Swarm.Functions;
using Swarm.Api;
using Swarm.Local.Web;

namespace Swarm.Functions.Tests;

/// <summary>What the Functions host will load: the generated functions.metadata and host.json of the built app.</summary>
public sealed class FunctionsMetadataTests
{
    private static readonly string AppOutput = Path.Combine(AppContext.BaseDirectory, "functions-app");

    /// <summary>Every HTTP function: method, route (under the <c>api</c> prefix) and authorization level.</summary>
    public static TheoryData<string, string, string, string> HttpFunctions => new()
    {
        { "ClaimWork_Http", "post", "work", "Function" },
        { "ListWork_Http", "get", "work", "Function" },
        { "GetWork_Http", "get", "work/{id}", "Function" },
        { "ReportProgress_Http", "post", "work/{id}/progress", "Function" },
        { "CompleteWork_Http", "post", "work/{id}/complete", "Function" },
        { "CastVote_Http", "post", "motions/{id}/votes", "Function" },
        { "GetSprint_Http", "get", "teams/{team}/sprints/{number}", "Function" },
        { "GetAgents_Http", "get", "agents", "Function" },
        { "PublishAgentEvent_Http", "post", "agents/{agent}/events", "Function" },
        { "ReceiveAlerts_Http", "post", "alerts", "Function" },
        { "ListRemediations_Http", "get", "remediations", "Function" },
        { "GetRemediation_Http", "get", "remediations/{id}", "Function" },
        { "GetBus_Http", "get", "bus", "Function" },
        { "ListDeadLetters_Http", "get", "bus/dead-letters", "Function" },
        { "ResubmitDeadLetter_Http", "post", "bus/dead-letters/{id}/resubmit", "Function" },
        { "ListMotions_Http", "get", "motions", "Function" },
        { "GetMotion_Http", "get", "motions/{id}", "Function" },
        { "ListLeanProjects_Http", "get", "lean/projects", "Function" },
        { "ListSprints_Http", "get", "teams/{team}/sprints", "Function" },
        { "ListInstances_Http", "get", "instances", "Function" },
        { "GetInstance_Http", "get", "instances/{id}", "Function" },
        { "TerminateInstance_Http", "post", "instances/{id}/terminate", "Function" },
        { "RestartInstance_Http", "post", "instances/{id}/restart", "Function" },
        { "RaiseInstanceEvent_Http", "post", "instances/{id}/events/{name}", "Function" },
        { "Health_Http", "get", "health", "Anonymous" },
    };

    private static IReadOnlyList<JsonElement> Functions { get; } =
        [.. JsonDocument.Parse(File.ReadAllText(Path.Combine(AppOutput, "functions.metadata"))).RootElement.EnumerateArray()];

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void Each_http_function_has_its_route_method_and_auth_level_and_a_durable_client(string name, string method, string route, string authLevel)
    {
        var function = Function(name);
        var trigger = Binding(function, "httpTrigger");

        Assert.Equal("In", trigger.GetProperty("direction").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(authLevel, trigger.GetProperty("authLevel").GetString());
        Assert.Equal("In", Binding(function, "durableClient").GetProperty("direction").GetString());
        Assert.Equal("Out", Binding(function, "http").GetProperty("direction").GetString());
    }

    [Fact]
    public void The_http_functions_are_exactly_the_api()
    {
        var expected = HttpFunctions.Select(row => (string)row[0]).Order();

        Assert.Equal(expected, NamesWith("httpTrigger").Order());
    }

    [Fact]
    public void Orchestrator_and_activity_functions_are_exactly_the_catalog()
    {
        Assert.Equal(SwarmTasks.Orchestrators.All.Order(), NamesWith("orchestrationTrigger").Order());
        Assert.Equal(SwarmTasks.Activities.All.Order(), NamesWith("activityTrigger").Order());
    }

    [Fact]
    public void Orchestrators_bind_only_their_trigger_and_activities_also_get_a_durable_client()
    {
        foreach (var name in SwarmTasks.Orchestrators.All)
        {
            Assert.Equal(["orchestrationTrigger"], Function(name).GetProperty("bindings").EnumerateArray().Select(b => b.GetProperty("type").GetString()));
        }

        foreach (var name in SwarmTasks.Activities.All)
        {
            Assert.Equal(["activityTrigger", "durableClient"], Function(name).GetProperty("bindings").EnumerateArray().Select(b => b.GetProperty("type").GetString()));
        }
    }

    [Fact]
    public void The_service_bus_consumer_is_a_timer_with_a_durable_client_and_no_function_has_a_service_bus_trigger()
    {
        var consumer = Function(BusFunctions.DrainFunction);
        var timer = Binding(consumer, "timerTrigger");

        Assert.Equal([BusFunctions.DrainFunction], NamesWith("timerTrigger"));
        Assert.Equal(Swarm.ServiceBus.ServiceBusBusOptions.DrainSchedule, timer.GetProperty("schedule").GetString());
        Assert.Equal("In", Binding(consumer, "durableClient").GetProperty("direction").GetString());
        Assert.DoesNotContain(
            Functions.SelectMany(f => f.GetProperty("bindings").EnumerateArray()),
            b => b.GetProperty("type").GetString()!.StartsWith("serviceBus", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Every_function_points_at_a_method_whose_function_attribute_has_its_name()
    {
        var assembly = typeof(ApiFunctions).Assembly;
        foreach (var function in Functions)
        {
            var name = function.GetProperty("name").GetString()!;
            var entryPoint = function.GetProperty("entryPoint").GetString()!;
            var split = entryPoint.LastIndexOf('.');
            var method = assembly.GetType(entryPoint[..split])?.GetMethod(entryPoint[(split + 1)..]);

            Assert.Equal("Swarm.Functions.dll", function.GetProperty("scriptFile").GetString());
            Assert.Equal("dotnet-isolated", function.GetProperty("language").GetString());
            Assert.NotNull(method);
            Assert.Equal(name, method.GetCustomAttribute<FunctionAttribute>()?.Name);
        }
    }

    [Fact]
    public async Task The_embedded_host_serves_the_same_routes_methods_and_access_as_the_functions()
    {
        await using var app = SwarmWebApp.Build([], builder => builder.Configuration[SwarmWebApp.PortSetting] = "0");
        var embedded = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.TrimStart('/').StartsWith("api/", StringComparison.Ordinal))
            .Select(e => (
                Method: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Single().ToLowerInvariant(),
                Route: e.RoutePattern.RawText!.TrimStart('/'),
                Access: e.Metadata.GetMetadata<RouteAccess>()!.Level == ApiAccess.Anonymous ? "Anonymous" : "Function"))
            .OrderBy(e => e.Route).ThenBy(e => e.Method)
            .ToList();
        var functions = HttpFunctions
            .Select(row => (Method: (string)row[1], Route: $"api/{row[2]}", Access: (string)row[3]))
            .OrderBy(e => e.Route).ThenBy(e => e.Method)
            .ToList();

        Assert.Equal(functions, embedded);
    }

    [Fact]
    public void Host_json_in_the_app_output_sets_open_telemetry_the_task_hub_setting_tracing_v2_and_the_api_prefix()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppOutput, "host.json"))).RootElement;
        var extensions = host.GetProperty("extensions");
        var durable = extensions.GetProperty("durableTask");

        Assert.Equal("2.0", host.GetProperty("version").GetString());
        Assert.Equal("OpenTelemetry", host.GetProperty("telemetryMode").GetString());
        Assert.Equal("api", extensions.GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal("%SWARM_TASK_HUB%", durable.GetProperty("hubName").GetString());
        Assert.True(durable.GetProperty("tracing").GetProperty("DistributedTracingEnabled").GetBoolean());
        Assert.Equal("V2", durable.GetProperty("tracing").GetProperty("Version").GetString());
        Assert.Equal("Information", host.GetProperty("logging").GetProperty("logLevel").GetProperty("default").GetString());
    }

    private static JsonElement Function(string name) =>
        Assert.Single(Functions, f => f.GetProperty("name").GetString() == name);

    private static JsonElement Binding(JsonElement function, string type) =>
        Assert.Single(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == type);

    private static IEnumerable<string> NamesWith(string triggerType) =>
        Functions.Where(f => f.GetProperty("bindings").EnumerateArray().Any(b => b.GetProperty("type").GetString() == triggerType))
            .Select(f => f.GetProperty("name").GetString()!);
}
