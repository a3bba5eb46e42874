using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Swarm.Domain.Events;
using Swarm.Api;
using Swarm.Local.Web;

namespace Swarm.Cli.Client;

/// <summary>An answer of the API: its status and body as sent.</summary>
public sealed record ApiAnswer(int Status, string Body)
{
    public T Read<T>() => JsonSerializer.Deserialize<T>(Body, SwarmJson.Options)
        ?? throw new InvalidOperationException($"The server answered {Status} with an empty body.");
}

/// <summary>
/// The swarm's HTTP API as the CLI calls it: the routes under <c>{url}/api</c>, the function key as
/// <c>x-functions-key</c>, problem details turned into <see cref="ServerProblemException"/> and a server that does not
/// answer into <see cref="ServerUnreachableException"/>. The caller's span is current, so every request carries its
/// <c>traceparent</c>.
/// </summary>
public sealed class SwarmApiClient : IDisposable
{
    public static readonly Uri DefaultUrl = new($"http://127.0.0.1:{SwarmWebApp.DefaultPort}");

    private readonly HttpClient _http;
    private readonly string? _key;

    public SwarmApiClient(Uri url, string? key, TimeSpan? timeout = null)
    {
        Url = url;
        ApiRoot = RootOf(url);
        _key = string.IsNullOrWhiteSpace(key) ? null : key.Trim();
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("swarm-cli", Swarm.Domain.Telemetry.SwarmTelemetry.Version));
    }

    /// <summary>The URL as given (<c>--url</c>, <c>SWARM_URL</c> or the local default).</summary>
    public Uri Url { get; }

    /// <summary>Where the routes are: <c>{url}/api/</c>.</summary>
    public Uri ApiRoot { get; }

    /// <summary>Reads <c>--url</c>: an absolute http(s) URL, with or without the <c>/api</c> suffix.</summary>
    public static Uri ParseUrl(string text, string argument)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || string.IsNullOrEmpty(url.Host))
        {
            throw new UsageException(argument, $"{argument}: '{text}' is not an absolute http:// or https:// URL.");
        }

        return url;
    }

    public Uri Resolve(string path) => new(ApiRoot, path.TrimStart('/'));

    public Task<ApiAnswer> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, null, cancellationToken);

    public Task<ApiAnswer> PostAsync(string path, object body, string? idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, idempotencyKey, cancellationToken);

    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var url = Resolve(path);
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_key is not null)
        {
            request.Headers.Add(FunctionKeys.Header, _key);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add(SwarmApi.IdempotencyKeyHeader, idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, SwarmJson.Options), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException error)
        {
            throw new ServerUnreachableException(url, Reason(error), error);
        }
        catch (TaskCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServerUnreachableException(url, $"no answer within {_http.Timeout.TotalSeconds:0} s", error);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new ApiAnswer(status, text);
            }

            throw Problem(status, response.ReasonPhrase, text, url);
        }
    }

    public void Dispose() => _http.Dispose();

    private static Uri RootOf(Uri url)
    {
        var path = url.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
        {
            path += "/api";
        }

        return new UriBuilder(url) { Path = path + "/", Query = string.Empty, Fragment = string.Empty }.Uri;
    }

    private static string Reason(HttpRequestException error)
    {
        if (error.InnerException is SocketException socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "unknown host",
                SocketError.TimedOut => "connection timed out",
                _ => socket.Message,
            };
        }

        return error.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "unknown host",
            HttpRequestError.ConnectionError => "connection failed",
            HttpRequestError.SecureConnectionError => "TLS handshake failed",
            HttpRequestError.ResponseEnded => "the connection closed before an answer",
            _ => error.Message,
        };
    }

    private static ServerProblemException Problem(int status, string? reason, string body, Uri url)
    {
        var title = reason ?? ((HttpStatusCode)status).ToString();
        string? detail = null, field = null, code = null, traceId = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                title = Text(root, "title") ?? title;
                detail = Text(root, "detail");
                field = Text(root, "field");
                code = Text(root, "code");
                traceId = Text(root, "traceId");
            }
        }
        catch (JsonException)
        {
            detail = body.Length > 300 ? body[..300] + "…" : body.Length == 0 ? null : body;
        }

        return new ServerProblemException(status, title, detail, field, code, traceId, body, url);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
