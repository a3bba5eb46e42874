namespace Swarm.Api;

/// <summary>Log records of the HTTP edge, source-generated with stable event ids and names.</summary>
internal static partial class HttpLog
{
    [LoggerMessage(2001, LogLevel.Error, "{Method} {Path} failed unexpectedly", EventName = "RequestFailed")]
    public static partial void RequestFailed(this ILogger logger, Exception error, string method, string path);

    [LoggerMessage(2002, LogLevel.Warning, "The Durable backend did not answer the health probe", EventName = "HealthProbeFailed")]
    public static partial void HealthProbeFailed(this ILogger logger, Exception error);
}
