using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Swarm.Infra.Tests;

/// <summary>
/// A <c>bicep snapshot</c>: every resource the deployment would create, modules flattened, with names, parameters and
/// variables evaluated. Values known only in Azure (reference(), list keys, secure parameters) stay ARM expressions.
/// </summary>
public sealed class Snapshot(JsonObject document, BicepRun run)
{
    public const string SubscriptionId = "00000000-0000-0000-0000-00000000cafe";
    public const string ResourceGroup = "rg-swarm-test";
    public const string Location = "swedencentral";

    public BicepRun Run { get; } = run;

    public IReadOnlyList<JsonObject> Resources { get; } =
        [.. document["predictedResources"]!.AsArray().Select(r => r!.AsObject())];

    public JsonArray Diagnostics => document["diagnostics"]?.AsArray() ?? [];

    public JsonObject Outputs => document["outputs"]!.AsObject();

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Single(string type) => Assert.Single(OfType(type));

    public JsonObject Properties(string type) => Single(type)["properties"]!.AsObject();

    /// <summary>The app settings resource's properties: an ARM union() expression, because some values come from other resources.</summary>
    public AppSettings AppSettings => new((string)Single("Microsoft.Web/sites/config")["properties"]!);
}

/// <summary>
/// The app settings as the snapshot leaves them: <c>[union(createObject('Name', value, …), …)]</c>. Names are literal,
/// and so are the values that come from parameters and variables.
/// </summary>
public sealed partial class AppSettings(string expression)
{
    public string Expression { get; } = expression;

    public bool Has(string name) => Expression.Contains($"'{name}', ", StringComparison.Ordinal);

    /// <summary>The literal value of <paramref name="name"/>, or null when it is not a literal (or not there).</summary>
    public string? Literal(string name)
    {
        var match = Regex.Match(Expression, $@"'{Regex.Escape(name)}', '((?:[^']|'')*)'");
        return match.Success ? match.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal) : null;
    }

    /// <summary>The ARM expression that computes <paramref name="name"/> (up to the next setting).</summary>
    public string ValueExpression(string name)
    {
        var start = Expression.IndexOf($"'{name}', ", StringComparison.Ordinal);
        Assert.True(start >= 0, $"app setting {name} is missing from {Expression}");
        var value = Expression[(start + name.Length + 4)..];
        var next = SettingName().Match(value);
        return next.Success ? value[..next.Index] : value;
    }

    [GeneratedRegex(@", '[A-Za-z_][A-Za-z0-9_]*', ")]
    private static partial Regex SettingName();
}
