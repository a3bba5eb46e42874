namespace Swarm.Cli.Tests;

/// <summary><c>swarm demo</c>: the seed scenario over the API, against a running host or one it starts itself.</summary>
[Collection(EmbeddedHostCollection.Name)]
public sealed class DemoCommandTests(EmbeddedHost host)
{
    [Fact]
    public async Task Against_a_running_host_it_drives_the_seed_scenario_over_http_and_narrates_it()
    {
        var result = await Cli.RunAsync("demo", "--team", "demo-http", "--url", host.Url, "--timeout", "90");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"over the API at {host.Url}/api/", result.Out, StringComparison.Ordinal);
        Assert.Contains("claimed feature 'Sprint 42'", result.Out, StringComparison.Ordinal);
        Assert.Contains("adopted by general consent", result.Out, StringComparison.Ordinal);
        Assert.Contains("velocity 11 points, defect rate 20.0 % (1 of 5 failed)", result.Out, StringComparison.Ordinal);
        Assert.Contains("treasurer objects", result.Out, StringComparison.Ordinal);
        Assert.Contains("process change passed", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"trace id [0-9a-f]{32}", result.Out);
        // Piped, there is no spinner: what it waits for is a whole line of its own, however long.
        Assert.Contains("\n… roberts: motion on 'Sprint 42' awaits objections (general consent at the end of the window)…\n", result.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_no_host_at_the_url_it_starts_one_for_the_run_and_reports_in_json()
    {
        var result = await Cli.RunAsync("demo", "--url", Cli.ClosedUrl(), "--json", "--timeout", "90");

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = result.Json();
        Assert.Matches("^[0-9a-f]{32}$", report.GetProperty("traceId").GetString());
        Assert.Equal(42, report.GetProperty("sprint").GetProperty("number").GetInt32());
        Assert.Equal(0.2, report.GetProperty("sprint").GetProperty("defectRate").GetDouble(), 3);
        Assert.Equal(5, report.GetProperty("work").GetArrayLength());
        Assert.Equal("closed", report.GetProperty("project").GetProperty("phase").GetString());
        Assert.StartsWith("process change passed", report.GetProperty("project").GetProperty("outcome").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scenario_that_cannot_finish_in_time_exits_1_saying_what_it_waited_for()
    {
        var result = await Cli.RunAsync("demo", "--team", "demo-slow", "--url", host.Url, "--timeout", "1");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("did not finish within 1 s", result.Err, StringComparison.Ordinal);
        Assert.Contains("--demo-timers", result.Err, StringComparison.Ordinal);
    }
}
