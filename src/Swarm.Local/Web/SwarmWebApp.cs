using Swarm.Local.Telemetry;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
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
        // An /api request that matches no route (404) or not with its method (405) gets the API's problem details too,
        // saying which (only answers without a body: the API's own problems pass untouched).
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseStatusCodePages(async pages =>
        {
            var http = pages.HttpContext;
            var status = http.Response.StatusCode;
            var (title, detail, code) = status switch
            {
                StatusCodes.Status404NotFound => ("Not found", $"No API route matches {http.Request.Path}.", "no-route"),
                StatusCodes.Status405MethodNotAllowed => ("Method not allowed", $"{http.Request.Path} does not accept {http.Request.Method}.", "method-not-allowed"),
                _ => (ReasonPhrases.GetReasonPhrase(status), $"{http.Request.Method} {http.Request.Path} answered {status}.", $"http-{status}"),
            };
            await SwarmProblems.Problem(http.Request, status, title, detail, code, []).ExecuteAsync(http);
        }));
        app.UseFunctionKeys(app.Configuration[FunctionKeys.Setting]);
        app.MapSwarmApi();
        app.MapSwarmMetrics();
        app.MapSwarmBoard();
        // A browser pointed at the host's address gets the board rather than an empty 404.
        app.MapGet("/", () => Results.Redirect(BoardHosting.Path)).ExcludeFromDescription();
        return app;
    }
}
