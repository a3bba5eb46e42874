namespace Swarm.Cli.Client;

/// <summary>The command line is wrong: <see cref="Argument"/> names the argument or option as it is written in help.</summary>
public sealed class UsageException(string argument, string message) : Exception(message)
{
    public string Argument { get; } = argument;
}

/// <summary>The server answered with a failure (RFC 9457 problem details, or another non-success status).</summary>
public sealed class ServerProblemException(int status, string title, string? detail, string? field, string? code, string? traceId, string body, Uri url)
    : Exception($"{status} {title}{(detail is null ? string.Empty : $": {detail}")}")
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public string? Field { get; } = field;
    public string? Code { get; } = code;
    public string? TraceId { get; } = traceId;

    /// <summary>The answer as the server sent it, which <c>--json</c> prints.</summary>
    public string Body { get; } = body;

    public Uri Url { get; } = url;
}

/// <summary>Nothing answered at <see cref="Url"/>: connection refused, unknown host, or no answer in time.</summary>
public sealed class ServerUnreachableException(Uri url, string reason, Exception? inner = null, string? hint = null)
    : Exception($"cannot reach {url} ({reason})", inner)
{
    public Uri Url { get; } = url;
    public string Reason { get; } = reason;

    /// <summary>What to do about it.</summary>
    public string Hint { get; } = hint ?? $"Is `swarm up` running there? Point the CLI elsewhere with --url or {CliEnvironment.UrlVariable}.";
}
