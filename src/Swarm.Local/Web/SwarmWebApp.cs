using Swarm.Local.Telemetry;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Swarm.Api;
using Swarm.ServiceDefaults;
using Swarm.Local.Dashboard;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Swarm.Board;

namespace Swarm.Local.Web;

/// <summary>
/// The embedded host: an ASP.NET Core app on <c>127.0.0.1</c> serving the same <c>/api</c> as the Functions app, with
/// the agents, the in-process bus and the embedded Durable backend in the process. <c>swarm up</c> and tests start it.
/// </summary>
public static class SwarmWebApp
{
    /// <summary>The port <c>func start</c> uses, so clients work against either host unchanged.</summary>
    public const int DefaultPort = 7071;

    /// <summary>The embedded host's <c>service.name</c> unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string ServiceName = "swarm-local";

    /// <summary>Setting of the loopback port (0 picks a free one).</summary>
    public const string PortSetting = "Swarm:Port";

    /// <summary>
    /// Builds the app from <paramref name="args"/> and the usual configuration sources; <paramref name="configure"/>
    /// may add settings or services before anything is read from them.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder);

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, context.Configuration.GetValue(PortSetting, DefaultPort));
        });

        builder.Services.AddEmbeddedSwarm(builder.Configuration);
        builder.Services.AddSwarmApi();
        // An /api request that matches no route (404) or not with its method (405) gets problem details too, saying which.
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            var request = context.HttpContext.Request;
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound when context.HttpContext.GetEndpoint() is null => $"No API route matches {request.Path}.",
                StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not accept {request.Method}.",
                _ => null,
            };
        });
        builder.Services.AddLocalSwarmTelemetry(builder.Configuration, ServiceName);

        // The board reads this host's own API unless Swarm:Board:ApiUrl names another. It does not inherit the host's key:
        // whoever uses the board enters it (or Swarm:Board:Key provides it), as any other client of the API would.
        builder.WebHost.UseBoardAssets();
        builder.Services.AddSwarmBoard(builder.Configuration);
        builder.Services.AddOptions<BoardOptions>().PostConfigure<IServer, IConfiguration>((board, server, configuration) =>
        {
            if (configuration[$"{BoardOptions.Section}:ApiUrl"] is null
                && server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address)
            {
                board.ApiUrl = new Uri(address.TrimEnd('/') + "/");
            }
        });

        var app = builder.Build();
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseStatusCodePages());
        app.UseFunctionKeys(app.Configuration[FunctionKeys.Setting]);
        app.MapSwarmApi();
        app.MapSwarmMetrics();
        app.MapSwarmBoard();
        return app;
    }
}
