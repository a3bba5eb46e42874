using Microsoft.AspNetCore.Http;
using Swarm.Functions;

namespace Swarm.Functions.Tests;

/// <summary>What an HTTP function answered, as a client would see it.</summary>
public sealed record FunctionResponse(int Status, IHeaderDictionary Headers, string ContentType, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value.ToString() : null;
}

/// <summary>
/// Invokes an HTTP trigger method of <see cref="ApiFunctions"/> directly, the way the worker would: the function
/// class built from an invocation scope, a real <see cref="HttpContext"/>, the Durable client of the invocation,
/// and the returned <see cref="IResult"/> executed against the response.
/// </summary>
public static class FunctionCall
{
    public static async Task<FunctionResponse> InvokeAsync(
        IServiceProvider services,
        string method,
        string pathAndQuery,
        Func<ApiFunctions, HttpRequest, DurableTaskClient, Task<IResult>> function,
        string? body = null,
        IDictionary<string, string>? headers = null,
        Action<HttpRequest>? adjust = null)
    {
        await using var scope = services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var request = context.Request;
        request.Method = method;
        request.Scheme = "http";
        request.Host = new HostString("127.0.0.1", 7071);
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        request.Path = query < 0 ? pathAndQuery : pathAndQuery[..query];
        request.QueryString = query < 0 ? QueryString.Empty : new QueryString(pathAndQuery[query..]);
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            request.Body = new MemoryStream(bytes);
            request.ContentLength = bytes.Length;
            request.ContentType = "application/json";
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers[name] = value;
        }

        adjust?.Invoke(request);
        var response = new MemoryStream();
        context.Response.Body = response;

        var functions = ActivatorUtilities.CreateInstance<ApiFunctions>(scope.ServiceProvider);
        var result = await function(functions, request, scope.ServiceProvider.GetRequiredService<DurableTaskClient>());
        await result.ExecuteAsync(context);

        return new FunctionResponse(
            context.Response.StatusCode,
            context.Response.Headers,
            context.Response.ContentType ?? string.Empty,
            Encoding.UTF8.GetString(response.ToArray()));
    }
}
