namespace Swarm.Cli.Tests;

/// <summary>Every usage error exits 2 with a message naming the argument, before anything is sent anywhere.</summary>
public sealed class UsageTests
{
    /// <summary>The URL given points nowhere: had the CLI tried to call it, the exit code would be 3, not 2.</summary>
    private static readonly string Nowhere = Cli.ClosedUrl();

    public static TheoryData<string[], string> BadCommandLines => new()
    {
        { ["work", "claim"], "<type>" },
        { ["work", "claim", "feature"], "<title>" },
        { ["work", "claim", "story", "Sprint 42"], "<type>" },
        { ["work", "claim", "feature", " "], "<title>" },
        { ["work", "claim", "feature", "Sprint 42", "urgent"], "<priority>" },
        { ["work", "claim", "feature", "Sprint 42", "high", "--team", "Team Alpha"], "--team" },
        { ["work", "claim", "feature", "Sprint 42", "--points", "0"], "--points" },
        { ["work", "claim", "feature", "Sprint 42", "--points", "five"], "--points" },
        { ["work", "claim", "feature", "Sprint 42", "high", "extra"], "extra" },
        { ["work", "list", "--status", "done"], "--status" },
        { ["work", "list", "--team", "Not a team"], "--team" },
        { ["work", "show"], "<id>" },
        { ["work", "progress", "abc"], "<percent>" },
        { ["work", "progress", "abc", "half"], "<percent>" },
        { ["work", "progress", "abc", "101"], "<percent>" },
        { ["work", "progress", "abc", "-5"], "<percent>" },
        { ["work", "complete", "abc", "--status", "done"], "--status" },
        { ["work", "complete", "--status", "success"], "<id>" },
        { ["motion", "vote", "m1", "maybe", "--voter", "chair"], "<choice>" },
        { ["motion", "vote", "m1", "yes"], "--voter is required (The board member voting" },
        { ["work", "complete", "abc"], "--status is required (How it ended" },
        { ["motion", "vote", "m1", "yes", "--voter", " "], "--voter" },
        { ["motion", "vote"], "<id>" },
        { ["trace"], "<work-id>" },
        { ["trace", "w1", "--wait", "-1"], "--wait" },
        { ["trace", "w1", "--dashboard", "not a url"], "--dashboard" },
        { ["demo", "--timeout", "0"], "--timeout" },
        { ["demo", "--team", "Team Alpha"], "--team" },
        { ["up", "--port", "70000"], "--port" },
        { ["up", "--dashboard-port", "-1"], "--dashboard-port" },
        { ["up", "--otlp-port", "many"], "--otlp-port" },
        { ["frobnicate"], "frobnicate" },
        { [], "command" },
        { ["work"], "'work' needs one of its commands: claim" },
        { ["work", "claim", "feature", "Sprint 42", "--bogus"], "unknown option '--bogus'" },
        { ["work", "claim", "feature", "Sprint 42", "-x"], "unknown option '-x'" },
        { ["up", "--port", "abc"], "--port: 'abc' is not a whole number" },
    };

    [Fact]
    public async Task An_unknown_command_is_named_alone_without_a_missing_command_beside_it()
    {
        var result = await Cli.RunAsync(["frobnicate", "--url", Nowhere]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'frobnicate'", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_lives_under_another_is_named_with_its_full_path()
    {
        var result = await Cli.RunAsync(["vote", "approve-1", "yes", "--voter", "chair", "--url", Nowhere]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("swarm: 'vote' is not a command of its own; did you mean 'swarm motion vote'?", result.Err, StringComparison.Ordinal);
        Assert.Contains("See 'swarm motion vote --help'.", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_title_after_a_double_dash_may_start_with_a_dash()
    {
        // Not an option: everything after -- is an argument. The claim then fails to reach the closed URL (3), past parsing.
        var result = await Cli.RunAsync(["work", "claim", "--url", Nowhere, "task", "--", "-x marks the spot"]);

        Assert.True(result.ExitCode == 3, result.ToString());
    }

    [Theory]
    [MemberData(nameof(BadCommandLines))]
    public async Task A_bad_command_line_exits_2_naming_the_argument(string[] args, string named)
    {
        var result = await Cli.RunAsync([.. args, "--url", Nowhere]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(named, result.Err, StringComparison.Ordinal);
        Assert.Contains("--help", result.Err, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task A_url_that_is_not_one_is_a_usage_error_naming_the_option()
    {
        var given = await Cli.RunAsync("work", "list", "--url", "127.0.0.1:7071");
        var configured = await Cli.RunAsync(["agents"], new() { ["SWARM_URL"] = "ftp://example" });

        Assert.Equal(2, given.ExitCode);
        Assert.Contains("--url", given.Err, StringComparison.Ordinal);
        Assert.Equal(2, configured.ExitCode);
        Assert.Contains("SWARM_URL", configured.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("work", "claim", "--help")]
    [InlineData("up", "-h")]
    public async Task Help_exits_0_and_describes_the_command(params string[] args)
    {
        var result = await Cli.RunAsync(args);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_claim_help_shows_the_seeds_positional_form()
    {
        var result = await Cli.RunAsync("work", "claim", "--help");

        Assert.Contains("claim <type> <title> [<priority>]", result.Out, StringComparison.Ordinal);
        Assert.Contains("--team", result.Out, StringComparison.Ordinal);
    }
}
