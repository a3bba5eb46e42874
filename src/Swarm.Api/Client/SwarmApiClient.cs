using System.Globalization;
using System.Text.Json;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Polly;
using Polly.Retry;
using Swarm.Domain.Events;

namespace Swarm.Api.Client;

/// <summary>An answer of the API: its status and body as sent.</summary>
public sealed record ApiAnswer(int Status, string Body)
{
    /// <summary>The body as <typeparamref name="T"/> (the API's JSON: camelCase, kebab-case enums); throws when the body is empty.</summary>
    public T Read<T>() => JsonSerializer.Deserialize<T>(Body, SwarmJson.Options)
        ?? throw new InvalidOperationException($"The server answered {Status} with an empty body.");
}

/// <summary>
/// The swarm's HTTP API as a client calls it (the CLI, the seed scenario, tests): the routes under <c>{url}/api</c>,
/// the function key as <c>x-functions-key</c>, problem details turned into <see cref="ServerProblemException"/> and a server that does not
/// answer into <see cref="ServerUnreachableException"/>. The caller's span is current, so every request carries its
/// <c>traceparent</c>.
/// </summary>
public sealed class SwarmApiClient : IDisposable
{
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

    /// <summary>The absolute URL of a route given relative to <see cref="ApiRoot"/> (<c>work/{id}</c>).</summary>
    public Uri Resolve(string path) => new(ApiRoot, path.TrimStart('/'));

    /// <summary>GET of <paramref name="path"/>; see <see cref="SendAsync"/> for the errors.</summary>
    public Task<ApiAnswer> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, null, cancellationToken);

    /// <summary>POST of <paramref name="body"/> as JSON to <paramref name="path"/>, with an <c>Idempotency-Key</c> when given.</summary>
    public Task<ApiAnswer> PostAsync(string path, object body, string? idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, idempotencyKey, cancellationToken);

    /// <summary><c>GET /api/bus</c>: the bus in effect, its consumer's ledger and the dead letters waiting.</summary>
    public async Task<BusReport> GetBusAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync("bus", cancellationToken)).Read<BusReport>();

    /// <summary><c>GET /api/bus/dead-letters?max=</c>: the oldest dead letters, at most <paramref name="max"/> (1-100).</summary>
    public async Task<DeadLetterList> ListDeadLettersAsync(int? max = null, CancellationToken cancellationToken = default) =>
        (await GetAsync(max is null ? "bus/dead-letters" : $"bus/dead-letters?max={max}", cancellationToken)).Read<DeadLetterList>();

    /// <summary><c>POST /api/bus/dead-letters/{id}/resubmit</c>: idempotent; a repeat answers <c>already-resubmitted</c>.</summary>
    public async Task<ResubmitOutcome> ResubmitDeadLetterAsync(string id, CancellationToken cancellationToken = default) =>
        (await PostAsync($"bus/dead-letters/{Uri.EscapeDataString(id)}/resubmit", new { }, null, cancellationToken)).Read<ResubmitOutcome>();

    /// <summary>
    /// Sends one request and returns a success answer; throws <see cref="ServerProblemException"/> for any other status
    /// (with the problem details' fields when the body has them) and <see cref="ServerUnreachableException"/> when
    /// nothing answers within the client's timeout (30 s unless given).
    /// </summary>
    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var url = Resolve(path);
        var content = body is null ? null : JsonSerializer.Serialize(body, SwarmJson.Options);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        HttpResponseMessage response;
        try
        {
            response = await Reconnect().ExecuteAsync(
                async (context, state) =>
                {
                    // A request message is sent once: each attempt builds its own.
                    using var request = state.self.Request(state.method, state.url, state.content, state.idempotencyKey);
                    return await state.self._http.SendAsync(request, context.CancellationToken);
                },
                context,
                (self: this, method, url, content, idempotencyKey));
        }
        catch (HttpRequestException error)
        {
            throw new ServerUnreachableException(url, Reason(error), error);
        }
        catch (TaskCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServerUnreachableException(url, $"no answer within {_http.Timeout.TotalSeconds:0} s", error);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
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

    /// <summary>
    /// How long to keep trying while nothing answers (connection refused or reset, as while a host restarts): every
    /// 500 ms until this much time has passed since the first failure. Zero (the default) fails at once. Requests
    /// are re-sent whole, so a POST should carry an <c>Idempotency-Key</c>.
    /// </summary>
    public TimeSpan RetryUnreachableFor { get; init; }

    /// <summary>
    /// Told about an outage that <see cref="RetryUnreachableFor"/> rides out, so that a long wait is not silent: once
    /// when a request first finds nothing answering (<c>false</c>, with the reason, e.g. "connection refused") and once
    /// when that request is answered again (<c>true</c>, with the time since the first failure, e.g. "after 9.4 s").
    /// </summary>
    public Action<bool, string>? Outage { get; init; }

    private ResiliencePipeline<HttpResponseMessage> Reconnect()
    {
        if (RetryUnreachableFor <= TimeSpan.Zero)
        {
            return ResiliencePipeline<HttpResponseMessage>.Empty;
        }

        var firstFailure = (long?)null;
        return new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = int.MaxValue,
                Delay = TimeSpan.FromMilliseconds(500),
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = args =>
                {
                    var retry = args.Outcome.Exception is HttpRequestException
                        && Stopwatch.GetElapsedTime(firstFailure ??= Stopwatch.GetTimestamp()) < RetryUnreachableFor;
                    if (retry && args.AttemptNumber == 0)
                    {
                        Outage?.Invoke(false, Reason((HttpRequestException)args.Outcome.Exception!));
                    }
                    else if (!retry && firstFailure is { } since && args.Outcome.Exception is null)
                    {
                        Outage?.Invoke(true, string.Create(CultureInfo.InvariantCulture, $"after {Stopwatch.GetElapsedTime(since).TotalSeconds:0.0} s"));
                    }

                    return ValueTask.FromResult(retry);
                },
            })
            .Build();
    }

    private HttpRequestMessage Request(HttpMethod method, Uri url, string? content, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_key is not null)
        {
            request.Headers.Add(SwarmApi.FunctionKeyHeader, _key);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add(SwarmApi.IdempotencyKeyHeader, idempotencyKey);
        }

        if (content is not null)
        {
            request.Content = new StringContent(content, Encoding.UTF8, "application/json");
        }

        return request;
    }

    /// <inheritdoc/>
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

/// <summary>The server answered with a failure (RFC 9457 problem details, or another non-success status).</summary>
public sealed class ServerProblemException(int status, string title, string? detail, string? field, string? code, string? traceId, string body, Uri url)
    : Exception($"{status} {title}{(detail is null ? string.Empty : $": {detail}")}")
{
    /// <summary>The HTTP status code.</summary>
    public int Status { get; } = status;

    /// <summary>The problem's title, or the status's reason phrase.</summary>
    public string Title { get; } = title;

    /// <summary>The problem's detail, or the start of a non-JSON body.</summary>
    public string? Detail { get; } = detail;

    /// <summary>The request field the problem is about (the API's <c>field</c> extension).</summary>
    public string? Field { get; } = field;

    /// <summary>The API's error code (<c>invalid_input</c>, <c>not_found</c>, …).</summary>
    public string? Code { get; } = code;

    /// <summary>The trace the server recorded the request in.</summary>
    public string? TraceId { get; } = traceId;

    /// <summary>The answer as the server sent it, which <c>--json</c> prints.</summary>
    public string Body { get; } = body;

    /// <summary>The URL requested.</summary>
    public Uri Url { get; } = url;
}

/// <summary>Nothing answered at <see cref="Url"/>: connection refused, unknown host, or no answer in time.</summary>
public sealed class ServerUnreachableException(Uri url, string reason, Exception? inner = null, string? hint = null)
    : Exception($"cannot reach {url} ({reason})", inner)
{
    /// <summary>The URL requested.</summary>
    public Uri Url { get; } = url;

    /// <summary>Why nothing answered, in a few words (<c>connection refused</c>, <c>no answer within 30 s</c>).</summary>
    public string Reason { get; } = reason;

    /// <summary>What to do about it.</summary>
    public string Hint { get; } = hint ?? "Is `swarm up` running there? Point the CLI elsewhere with --url or SWARM_URL.";
}
