using System.Collections;

namespace Swarm.Cli;

/// <summary>The environment variables a command reads (<c>SWARM_*</c>, <c>OTEL_*</c>), passed in so tests need not change the process's own.</summary>
public sealed class CliEnvironment(IReadOnlyDictionary<string, string?> variables)
{
    /// <summary>Base URL of the swarm's API (<c>--url</c> overrides it).</summary>
    public const string UrlVariable = "SWARM_URL";

    /// <summary>The function key sent as <c>x-functions-key</c> (<c>--key</c> overrides it).</summary>
    public const string KeyVariable = "SWARM_FUNCTION_KEY";

    /// <summary>The dashboard <c>swarm trace</c> reads (<c>--dashboard</c> overrides it; else the running <c>swarm up</c>'s).</summary>
    public const string DashboardVariable = "SWARM_DASHBOARD_URL";

    /// <summary>Where <c>swarm up</c> leaves the addresses of what it started (default <c>~/.swarm</c>).</summary>
    public const string HomeVariable = "SWARM_HOME";

    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Where <c>swarm up</c> serves by default: <c>http://127.0.0.1:7071</c>, the port <c>func start</c> uses.</summary>
    public static readonly Uri DefaultUrl = new($"http://127.0.0.1:{Swarm.Local.Web.SwarmWebApp.DefaultPort}");

    public IReadOnlyDictionary<string, string?> Variables { get; } = variables;

    /// <summary>Reads a URL argument: an absolute http(s) URL, with or without the <c>/api</c> suffix; else <see cref="Client.UsageException"/>.</summary>
    public static Uri ParseUrl(string text, string argument)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || string.IsNullOrEmpty(url.Host))
        {
            throw new Client.UsageException(argument, $"{argument}: '{text}' is not an absolute http:// or https:// URL.");
        }

        return url;
    }

    public string? this[string name] => Variables.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    public string Home => this[HomeVariable]
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".swarm");

    /// <summary>Whether telemetry export was configured by the user (any OTLP endpoint setting).</summary>
    public bool HasOtlpEndpoint => Variables.Keys.Any(k => k.StartsWith("OTEL_EXPORTER_OTLP_", StringComparison.Ordinal)
        && k.EndsWith("ENDPOINT", StringComparison.Ordinal) && this[k] is not null);

    public static CliEnvironment Process()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string;
        }

        return new CliEnvironment(variables);
    }
}
