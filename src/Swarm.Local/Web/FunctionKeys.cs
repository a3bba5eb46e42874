using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Swarm.Api;

namespace Swarm.Local.Web;

/// <summary>
/// Function keys for the embedded host, as Azure Functions checks them: when <c>Swarm:ApiKey</c> is set, a route
/// marked <see cref="ApiAccess.FunctionKey"/> needs that key in the <c>x-functions-key</c> header, the <c>code</c>
/// query parameter or an <c>Authorization: Bearer</c> header; anonymous routes (health) stay open.
/// </summary>
public static class FunctionKeys
{
    public const string Setting = "Swarm:ApiKey";
    public const string Header = SwarmApi.FunctionKeyHeader;
    public const string QueryParameter = "code";

    public static IApplicationBuilder UseFunctionKeys(this IApplicationBuilder app, string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey))
        {
            return app;
        }

        var expected = Encoding.UTF8.GetBytes(apiKey);
        return app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<RouteAccess>() is { Level: ApiAccess.FunctionKey } && !Presents(context.Request, expected))
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FunctionKeys))
                    .FunctionKeyRejected(context.Request.Method, context.Request.Path);
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await SwarmProblems.Problem(
                    context.Request,
                    StatusCodes.Status401Unauthorized,
                    "Function key required",
                    $"This route needs the function key: send it as the {Header} header, the {QueryParameter} query parameter or a Bearer token.",
                    "unauthorized",
                    []).ExecuteAsync(context);
                return;
            }

            await next(context);
        });
    }

    private static bool Presents(HttpRequest request, byte[] expected)
    {
        var offered = request.Headers[Header].ToString();
        if (string.IsNullOrEmpty(offered))
        {
            offered = request.Query[QueryParameter].ToString();
        }

        if (string.IsNullOrEmpty(offered)
            && request.Headers[HeaderNames.Authorization].ToString() is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            offered = authorization["Bearer ".Length..].Trim();
        }

        return offered.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(offered), expected);
    }
}
