namespace Swarm.Local.Web;

/// <summary>Log records of the embedded web host, source-generated with stable event ids and names.</summary>
internal static partial class WebLog
{
    [LoggerMessage(2003, LogLevel.Warning, "{Method} {Path} refused: no valid function key", EventName = "FunctionKeyRejected")]
    public static partial void FunctionKeyRejected(this ILogger logger, string method, string path);
}
