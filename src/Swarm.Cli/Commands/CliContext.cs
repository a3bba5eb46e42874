using Spectre.Console;
using System.CommandLine;
using Swarm.Cli.Client;
using Swarm.Cli.Local;
using Swarm.Cli.Output;

namespace Swarm.Cli.Commands;

/// <summary>What every command shares: where it writes, the environment it reads and the options every command accepts.</summary>
public sealed class CliContext(CliIo io, CliEnvironment environment)
{
    public CliIo Io { get; } = io;
    public CliEnvironment Environment { get; } = environment;

    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"Base URL of the swarm's API [env: {CliEnvironment.UrlVariable}; default: {CliEnvironment.DefaultUrl}]",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = $"Function key for a host that needs one (Azure) [env: {CliEnvironment.KeyVariable}]",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print JSON for scripts (the server's answer as sent) instead of tables",
        Recursive = true,
    };

    public Uri UrlOf(ParseResult parse) => parse.GetValue(Url) is { } given
        ? CliEnvironment.ParseUrl(given, "--url")
        : Environment[CliEnvironment.UrlVariable] is { } configured
            ? CliEnvironment.ParseUrl(configured, CliEnvironment.UrlVariable)
            : CliEnvironment.DefaultUrl;

    public string? KeyOf(ParseResult parse) => parse.GetValue(Key) ?? Environment[CliEnvironment.KeyVariable];

    /// <summary>
    /// Runs a client command: resolves the URL and key, starts the CLI's telemetry and the command's root span (or the
    /// one <paramref name="startSpan"/> starts), calls the API through <paramref name="body"/>, and records the outcome on
    /// the span. Failures propagate as exceptions that <see cref="SwarmCli"/> turns into exit codes. Unless
    /// <paramref name="exportToStack"/> is false, the spans go to the local stack's dashboard when nothing else is configured.
    /// </summary>
    public async Task<int> RunClientAsync(
        ParseResult parse,
        string spanName,
        Func<ClientCall, CancellationToken, Task<int>> body,
        CancellationToken cancellationToken,
        Func<Activity?>? startSpan = null,
        IEnumerable<KeyValuePair<string, object?>>? tags = null,
        bool exportToStack = true,
        TimeSpan retryUnreachableFor = default)
    {
        var url = UrlOf(parse);
        var stack = LocalStack.Find(Environment.Home, url);
        using var telemetry = CliTelemetry.Start(Environment, exportToStack ? stack : null);
        using var api = new SwarmApiClient(url, KeyOf(parse))
        {
            RetryUnreachableFor = retryUnreachableFor,
            // On stderr, so that --json output stays one document.
            Outage = (back, what) => Io.Error.MarkupLine(back
                ? $"[grey]{Markup.Escape(url.ToString())} answers again ({Markup.Escape(what)}); going on[/]"
                : $"[yellow]{Markup.Escape(url.ToString())} does not answer ({Markup.Escape(what)}): retrying every 0.5 s for up to {retryUnreachableFor.TotalSeconds:0} s (a restarted swarm up resumes the run)[/]"),
        };
        using var span = startSpan?.Invoke() ?? CliTelemetry.StartCommand(spanName, tags);
        if (span is not null)
        {
            span.DisplayName = spanName;
        }

        try
        {
            var code = await body(new ClientCall(api, Io, parse.GetValue(Json), stack, span), cancellationToken);
            span?.SetStatus(code == ExitCodes.Ok ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            return code;
        }
        catch (Exception error)
        {
            span?.SetStatus(ActivityStatusCode.Error, error.Message);
            span?.AddException(error);
            throw;
        }
    }
}

/// <summary>One client command's call: the API, the output, whether JSON was asked for, the local stack if any, the root span.</summary>
public sealed record ClientCall(SwarmApiClient Api, CliIo Io, bool Json, LocalStack? Stack, Activity? Span)
{
    /// <summary>Prints the server's JSON as sent (for <c>--json</c>).</summary>
    public void WriteJson(string body) => Io.OutWriter.WriteLine(body);

    /// <summary>The dashboard page of this command's trace, when a local dashboard receives it.</summary>
    public string? TraceLink => Span is { Recorded: true } span && Stack?.Dashboard is { } dashboard
        ? new Uri(dashboard, $"traces/detail/{span.TraceId}").ToString()
        : null;
}
