namespace Swarm.Cli.Tests;

/// <summary>Nothing listening at the URL: every client command exits 3 and names the URL it tried.</summary>
public sealed class UnreachableTests
{
    public static TheoryData<string[], string> Commands => new()
    {
        { ["work", "claim", "feature", "Sprint 42", "high", "--team", "alpha"], "/api/work" },
        { ["work", "list"], "/api/work" },
        { ["work", "show", "w1"], "/api/work/w1" },
        { ["work", "progress", "w1", "50"], "/api/work/w1/progress" },
        { ["work", "complete", "w1", "--status", "failed"], "/api/work/w1/complete" },
        { ["motion", "vote", "m1", "yes", "--voter", "chair"], "/api/motions/m1/votes" },
        { ["agents"], "/api/agents" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_command_exits_3_naming_the_url_tried(string[] args, string path)
    {
        var url = Cli.ClosedUrl();

        var result = await Cli.RunAsync([.. args, "--url", url]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"{url}{path}", result.Err, StringComparison.Ordinal);
        Assert.Contains("connection refused", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swarm_url_from_the_environment_is_the_url_tried()
    {
        var url = Cli.ClosedUrl();

        var result = await Cli.RunAsync(["work", "list"], new() { ["SWARM_URL"] = url });

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"{url}/api/work", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trace_exits_3_naming_the_dashboard_tried()
    {
        var dashboard = Cli.ClosedUrl();

        var result = await Cli.RunAsync("trace", "w1", "--dashboard", dashboard, "--wait", "0", "--url", Cli.ClosedUrl());

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"{dashboard}/api/telemetry/traces", result.Err, StringComparison.Ordinal);
        Assert.Contains("--dashboard", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_against_a_remote_url_that_does_not_answer_exits_3_instead_of_starting_a_host()
    {
        var result = await Cli.RunAsync("demo", "--url", "http://swarm.invalid:7071", "--timeout", "10");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("http://swarm.invalid:7071/api/health", result.Err, StringComparison.Ordinal);
    }
}
