using System.Text.Json.Nodes;

namespace Swarm.Infra.Tests;

/// <summary>
/// The alert queries are valid KQL over the real columns of AppMetrics and AppDependencies, and return exactly the
/// dimension and the measure their rule names. Checked with Microsoft's Kusto language service (parser and semantic
/// analyzer, the npm package @kusto/language-service-next) run by node; no Log Analytics workspace is involved.
/// </summary>
public sealed class KqlTests
{
    private static readonly Lazy<JsonObject> Report = new(Analyze);

    public static TheoryData<string> AlertNames => [.. PrometheusRules.All.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(AlertNames))]
    public void Each_query_is_valid_kql_that_returns_its_dimension_and_its_numeric_measure(string name)
    {
        var rule = Assert.Single(Bicep.Example.OfType("Microsoft.Insights/scheduledQueryRules"), r => (string?)r["name"] == name);
        var criterion = rule["properties"]!["criteria"]!["allOf"]![0]!;
        var dimension = (string)criterion["dimensions"]![0]!["name"]!;
        var measure = (string)criterion["metricMeasureColumn"]!;
        var result = Report.Value[name]!;

        Assert.Empty(result["diagnostics"]!.AsArray().Select(d => (string)d!));
        var columns = result["columns"]!.AsArray().Select(c => (string)c!).ToList();
        Assert.Equal(2, columns.Count);
        Assert.Equal($"{dimension}:string", columns[0]);
        Assert.Contains(columns[1], new[] { $"{measure}:real", $"{measure}:long", $"{measure}:int" });
    }

    private static JsonObject Analyze()
    {
        var node = Tool.OnPath("node") ?? throw new InvalidOperationException("node is not on PATH (the machine's Node.js runs the KQL checker)");
        var npm = Tool.OnPath("npm") ?? throw new InvalidOperationException("npm is not on PATH");
        var directory = Path.Combine(AppContext.BaseDirectory, "kql");
        var service = Path.Combine(directory, "node_modules", "@kusto", "language-service-next", "Kusto.Language.Bridge.min.js");
        if (!File.Exists(service))
        {
            var install = Tool.Run(npm, directory, TimeSpan.FromMinutes(3), "ci", "--no-audit", "--no-fund", "--loglevel=error");
            if (install.ExitCode != 0 || !File.Exists(service))
            {
                throw new InvalidOperationException($"npm ci of the KQL checker failed: {install}");
            }
        }

        var queries = new JsonObject();
        foreach (var rule in Bicep.Example.OfType("Microsoft.Insights/scheduledQueryRules"))
        {
            queries[(string)rule["name"]!] = (string)rule["properties"]!["criteria"]!["allOf"]![0]!["query"]!;
        }

        var input = Path.Combine(Path.GetTempPath(), $"swarm-kql-{Guid.NewGuid():N}.json");
        File.WriteAllText(input, queries.ToJsonString());
        try
        {
            var run = Tool.Run(node, directory, TimeSpan.FromSeconds(60), "check-kql.js", input);
            return run.ExitCode == 0
                ? JsonNode.Parse(run.Stdout)!.AsObject()
                : throw new InvalidOperationException($"the KQL checker failed: {run}");
        }
        finally
        {
            File.Delete(input);
        }
    }
}
