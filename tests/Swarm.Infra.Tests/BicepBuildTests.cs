using System.Text.Json;
using System.Text.Json.Nodes;

namespace Swarm.Infra.Tests;

/// <summary>The Bicep compiles, its linter has nothing to say, and the example parameters are valid.</summary>
public sealed class BicepBuildTests
{
    [Fact]
    public void Main_template_builds_with_no_error_and_no_warning()
    {
        var run = Bicep.Build;

        Assert.True(run.ExitCode == 0, run.ToString());
        // Warnings (linter rules, missing types, BCP diagnostics) are printed on stderr: there must be none.
        Assert.True(string.IsNullOrWhiteSpace(run.Stderr), run.ToString());
        var template = JsonNode.Parse(run.Stdout)!.AsObject();
        Assert.Contains("deploymentTemplate.json", (string?)template["$schema"], StringComparison.Ordinal);
    }

    [Fact]
    public void Example_parameters_build_with_no_error_and_no_warning()
    {
        var run = Bicep.BuildParams;

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(string.IsNullOrWhiteSpace(run.Stderr), run.ToString());
        var parameters = JsonNode.Parse((string)JsonNode.Parse(run.Stdout)!["parametersJson"]!)!["parameters"]!.AsObject();
        Assert.Equal("10.0", (string?)parameters["dotnetVersion"]!["value"]);
        Assert.Equal(1, (int)parameters["alwaysReadyInstances"]!["value"]!);
        Assert.Equal("swarm-events", (string?)parameters["serviceBusTopicName"]!["value"]);
        // Secrets come from the environment at deployment time, never from the file.
        Assert.Equal(string.Empty, (string?)parameters["alertsFunctionKey"]!["value"]);
        Assert.Equal(string.Empty, (string?)parameters["notificationWebhook"]!["value"]);
    }

    [Fact]
    public void Every_parameter_of_the_template_has_a_default_so_the_example_file_is_optional()
    {
        var parameters = JsonNode.Parse(Bicep.Build.Stdout)!["parameters"]!.AsObject();

        Assert.All(parameters, p => Assert.True(p.Value!.AsObject().ContainsKey("defaultValue"), $"{p.Key} has no default"));
    }

    [Fact]
    public void The_snapshot_of_the_example_deployment_has_no_diagnostic()
    {
        var snapshot = Bicep.Example;

        Assert.Empty(snapshot.Diagnostics);
        Assert.True(string.IsNullOrWhiteSpace(snapshot.Run.Stderr), snapshot.Run.ToString());
    }

    [Fact]
    public void The_core_linter_rules_are_errors_and_only_the_date_dependent_one_is_off()
    {
        var config = JsonNode.Parse(
            File.ReadAllText(Path.Combine(Bicep.BicepDirectory, "bicepconfig.json")),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        var core = config["analyzers"]!["core"]!;
        var rules = core["rules"]!.AsObject();

        Assert.True((bool)core["enabled"]!);
        Assert.True(rules.Count >= 30, $"only {rules.Count} rules are configured");
        Assert.All(
            rules.Where(r => r.Key != "use-recent-api-versions"),
            r => Assert.Equal("error", (string?)r.Value!["level"]));
    }
}
