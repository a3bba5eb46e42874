using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FluentUI.AspNetCore.Components;
using Swarm.Board.Components;

namespace Swarm.Board;

/// <summary>Adds the board to a web app: its services (bound to <see cref="BoardOptions"/>) and its pages under <c>/board</c>.</summary>
public static class BoardHosting
{
    /// <summary>The board's path on the host: <c>/board</c>.</summary>
    public const string Path = "/board";

    /// <summary>The board page of one orchestration, relative to the document's base: <c>board/instances/{escaped id}</c>.</summary>
    public static string InstancePage(string instanceId) => $"board/instances/{Uri.EscapeDataString(instanceId)}";

    /// <summary>
    /// Registers the board: Razor components with interactive server rendering, Fluent UI, and a <see cref="BoardApi"/>
    /// per circuit. <paramref name="configure"/> sets where the API is (the local host passes its own address).
    /// Call <see cref="UseBoardAssets"/> on the builder when the app runs from its build output rather than a publish.
    /// </summary>
    public static IServiceCollection AddSwarmBoard(this IServiceCollection services, IConfiguration configuration, Action<BoardOptions>? configure = null)
    {
        services.AddOptions<BoardOptions>().Bind(configuration.GetSection(BoardOptions.Section)).Configure(o => configure?.Invoke(o));
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddFluentUIComponents();
        services.AddScoped<BoardApi>();
        return services;
    }

    /// <summary>Serves the packages' static web assets (Fluent UI's styles and scripts) from the build output, as a published app serves them from wwwroot.</summary>
    public static void UseBoardAssets(this IWebHostBuilder builder) => builder.UseStaticWebAssets();

    /// <summary>
    /// Maps the board's pages and the assets they need (Fluent UI's, Blazor's script) from the app's static-assets
    /// manifest (<c>{app}.staticwebassets.endpoints.json</c>, written by the Web SDK next to the app); the app must have
    /// called <see cref="AddSwarmBoard"/>. An app built without a manifest (a test host) serves the pages without assets.
    /// </summary>
    public static WebApplication MapSwarmBoard(this WebApplication app)
    {
        app.UseAntiforgery();
        if (AssetsManifest() is { } manifest)
        {
            app.MapStaticAssets(manifest);
        }

        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    private static string? AssetsManifest()
    {
        var name = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name;
        var path = name is null ? null : System.IO.Path.Combine(AppContext.BaseDirectory, $"{name}.staticwebassets.endpoints.json");
        return path is not null && File.Exists(path) ? path : null;
    }
}
