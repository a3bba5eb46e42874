namespace Swarm.Cli.Tests;

[CollectionDefinition(Name)]
public sealed class EmbeddedHostCollection : ICollectionFixture<EmbeddedHost>
{
    public const string Name = "embedded host";
}

/// <summary><c>swarm work …</c> against the embedded host in this process.</summary>
[Collection(EmbeddedHostCollection.Name)]
public sealed class WorkCommandTests(EmbeddedHost host)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Claim_in_the_seeds_positional_form_prints_the_work_item_and_where_to_follow_it()
    {
        var result = await Run("work", "claim", "feature", "Sprint 42", "high", "--team", "t-claim");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"claimed feature Sprint 42 as work item [0-9a-f]{16} \(high, team t-claim, 5 points\)", result.Out);
        Assert.Contains("Roberts opens a work-approval motion", result.Out, StringComparison.Ordinal);
        // No local swarm up serves this host, so no stack says there is no dashboard: swarm trace is suggested.
        Assert.Matches(@"follow it with swarm work show [0-9a-f]{16} and swarm trace [0-9a-f]{16}", result.Out);
        Assert.Matches(@"trace [0-9a-f]{32}", result.Out);
        Assert.Empty(result.Err);
    }

    /// <summary>At 80 columns (a pipe) the commands to follow the item and the trace link stay whole lines.</summary>
    [Fact]
    public async Task Claim_at_80_columns_keeps_the_commands_to_follow_it_on_one_line()
    {
        var result = await Cli.RunAsync(["work", "claim", "feature", "Sprint 42", "high", "--team", "t-claim-80", "--url", host.Url], width: 80);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(result.Out.Split('\n'), line => System.Text.RegularExpressions.Regex.IsMatch(line, @"follow it with swarm work show [0-9a-f]{16} and swarm trace [0-9a-f]{16}$"));
        Assert.Contains(result.Out.Split('\n'), line => System.Text.RegularExpressions.Regex.IsMatch(line, @"^trace [0-9a-f]{32}"));
    }

    [Fact]
    public async Task Claim_with_json_prints_the_servers_answer_and_defaults_priority_and_team()
    {
        var result = await Run("work", "claim", "task", "Write the runbook", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var answer = result.Json();
        var item = answer.GetProperty("workItem");
        Assert.Equal(answer.GetProperty("id").GetString(), item.GetProperty("id").GetString());
        Assert.Equal("task", item.GetProperty("type").GetString());
        Assert.Equal("medium", item.GetProperty("priority").GetString());
        Assert.Equal("default", item.GetProperty("team").GetString());
        Assert.EndsWith($"/api/work/{item.GetProperty("id").GetString()}", answer.GetProperty("statusQueryGetUri").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retried_claim_with_the_same_idempotency_key_is_the_same_work_item()
    {
        var key = $"retry-{Guid.NewGuid():N}";
        var first = await Run("work", "claim", "bug", "Fix the login timeout", "critical", "--team", "t-retry", "--idempotency-key", key, "--json");
        var second = await Run("work", "claim", "bug", "Fix the login timeout", "critical", "--team", "t-retry", "--idempotency-key", key, "--json");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(first.Json().GetProperty("id").GetString(), second.Json().GetProperty("id").GetString());
    }

    [Fact]
    public async Task List_shows_the_teams_work_in_a_table_and_filters_by_status()
    {
        var id = await ClaimAsync("task", "Refactor the sprint board", "t-list");

        var table = await Run("work", "list", "--team", "t-list");
        var json = await Run("work", "list", "--team", "t-list", "--json");
        var none = await Run("work", "list", "--team", "t-list", "--status", "completed");

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(id, table.Out, StringComparison.Ordinal);
        Assert.Contains("Refactor the sprint board", table.Out, StringComparison.Ordinal);
        Assert.Contains("1 work item", table.Out, StringComparison.Ordinal);
        Assert.Equal(1, json.Json().GetProperty("count").GetInt32());
        Assert.Equal(0, none.ExitCode);
        Assert.Contains("no work items", none.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redirected_list_output_keeps_each_id_whole_and_takes_its_width_from_COLUMNS()
    {
        var id = await ClaimAsync("task", "A title long enough to need wrapping in a narrow table of work items", "t-pipe");

        var narrow = await Cli.RunProcessAsync(["work", "list", "--team", "t-pipe", "--url", host.Url]);
        var wide = await Cli.RunProcessAsync(["work", "list", "--team", "t-pipe", "--url", host.Url], new() { ["COLUMNS"] = "220" });

        Assert.True(narrow.ExitCode == 0, narrow.ToString());
        // Copied from a pipe, an id must survive: it is never broken over lines, whatever the width.
        Assert.Contains(id, narrow.Out, StringComparison.Ordinal);
        Assert.True(wide.ExitCode == 0, wide.ToString());
        Assert.Contains("A title long enough to need wrapping in a narrow table of work items", wide.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("A title long enough to need wrapping in a narrow table of work items", narrow.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_prints_the_work_item_as_its_orchestration_reports_it()
    {
        var id = await ClaimAsync("epic", "Self-service onboarding", "t-show");

        var shown = await Run("work", "show", id);
        var json = await Run("work", "show", id, "--json");

        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains("Self-service onboarding", shown.Out, StringComparison.Ordinal);
        Assert.Contains("epic", shown.Out, StringComparison.Ordinal);
        Assert.Contains("claimed", shown.Out, StringComparison.Ordinal);
        Assert.Equal(id, json.Json().GetProperty("id").GetString());
    }

    [Fact]
    public async Task Progress_then_complete_drive_a_planned_item_to_its_end()
    {
        var id = await ClaimAsync("task", "Update the on-call runbook", "t-flow");
        var planned = await Cli.EventuallyAsync(() => Run("work", "show", id, "--json"), r => r.Json().GetProperty("status").GetString() == "planned", Settle);
        Assert.Equal("planned", planned.Json().GetProperty("status").GetString());

        var progress = await Run("work", "progress", id, "50", "--blocker", "waiting on review");
        var started = await Cli.EventuallyAsync(() => Run("work", "show", id, "--json"), r => r.Json().GetProperty("status").GetString() == "in-progress", Settle);
        var complete = await Run("work", "complete", id, "--status", "failed", "--reason", "missing regression tests");
        var done = await Cli.EventuallyAsync(() => Run("work", "show", id, "--json"), r => r.Json().GetProperty("status").GetString() == "completed", Settle);

        Assert.True(progress.ExitCode == 0, progress.ToString());
        Assert.Contains("in-progress, 50 %, blocked by waiting on review", progress.Out, StringComparison.Ordinal);
        Assert.Equal(50, started.Json().GetProperty("progress").GetInt32());
        Assert.True(complete.ExitCode == 0, complete.ToString());
        Assert.Contains("completed (failed) — missing regression tests", complete.Out, StringComparison.Ordinal);
        Assert.Equal("failed", done.Json().GetProperty("completion").GetString());
    }

    [Fact]
    public async Task A_problem_from_the_server_exits_1_with_its_title_and_detail()
    {
        var missing = await Run("work", "show", "no-such-item");
        var json = await Run("work", "show", "no-such-item", "--json");

        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.Contains("404", missing.Err, StringComparison.Ordinal);
        Assert.Contains("No work item with id 'no-such-item'", missing.Err, StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        Assert.Equal(404, json.Json().GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_command_the_agents_state_refuses_exits_1_with_the_conflict()
    {
        var id = await ClaimAsync("feature", "Not approved yet", "t-refused");

        var result = await Run("work", "progress", id, "10");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("409", result.Err, StringComparison.Ordinal);
        Assert.Contains("claimed", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_board_member_objects_and_votes_on_a_features_approval_motion()
    {
        // A host of its own whose objection window and voting deadline outlast the test: on the shared host (3 s) the
        // motion could pass by general consent before the objection lands on a loaded machine.
        await using var own = await EmbeddedHost.StartAsync(null, o =>
        {
            o.Governance.ObjectionWindow = TimeSpan.FromMinutes(10);
            o.Governance.VotingDeadline = TimeSpan.FromMinutes(10);
        });
        Task<CliResult> Run(params string[] args) => Cli.RunAsync([.. args, "--url", own.Url]);
        var claimed = await Run("work", "claim", "feature", "Governed feature", "--team", "t-vote", "--json");
        Assert.True(claimed.ExitCode == 0, claimed.ToString());
        var id = claimed.Json().GetProperty("id").GetString()!;
        var motion = $"approve-{id}";
        await Cli.EventuallyAsync(
            () => Run("agents", "--json"),
            r => r.Json().GetProperty("roberts").GetProperty("openMotions").EnumerateArray()
                .Any(m => m.GetProperty("id").GetString() == motion && m.GetProperty("state").GetString() == "seconded"),
            Settle);

        var objection = await Run("motion", "vote", motion, "object", "--voter", "treasurer");
        // The objection is applied by the motion's orchestration; a vote is legal once it has put the motion to a vote.
        await Cli.EventuallyAsync(
            () => Run("agents", "--json"),
            r => r.Json().GetProperty("roberts").GetProperty("openMotions").EnumerateArray()
                .Any(m => m.GetProperty("id").GetString() == motion && m.GetProperty("state").GetString() == "voting"),
            Settle);
        var vote = await Run("motion", "vote", motion, "yes", "--voter", "chair", "--json");
        var unknown = await Run("motion", "vote", "no-such-motion", "yes", "--voter", "chair");

        Assert.True(objection.ExitCode == 0, objection.ToString());
        Assert.Contains("treasurer says object on motion", objection.Out, StringComparison.Ordinal);
        Assert.Contains("voting", objection.Out, StringComparison.Ordinal);
        Assert.True(vote.ExitCode == 0, vote.ToString());
        Assert.Equal("yes", vote.Json().GetProperty("votes").GetProperty("chair").GetString());
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("404", unknown.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_shows_each_agents_state()
    {
        await ClaimAsync("task", "Something for scrum", "t-agents");
        await Cli.EventuallyAsync(
            () => Run("agents", "--json"),
            r => r.Json().GetProperty("scrum").GetProperty("teams").EnumerateArray().Any(t => t.GetProperty("team").GetString() == "t-agents"),
            Settle);

        var result = await Run("agents");
        var json = await Run("agents", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("roberts", result.Out, StringComparison.Ordinal);
        Assert.Contains("scrum", result.Out, StringComparison.Ordinal);
        Assert.Contains("t-agents", result.Out, StringComparison.Ordinal);
        Assert.Contains("in all", result.Out, StringComparison.Ordinal);
        foreach (var agent in new[] { "roberts", "scrum", "lean", "work" })
        {
            Assert.True(json.Json().TryGetProperty(agent, out _), agent);
        }
    }

    [Fact]
    public async Task Agents_shows_the_remediations_under_way()
    {
        using var http = new HttpClient { BaseAddress = new Uri(host.Url) };
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        using var delivered = await http.PostAsync(new Uri("/api/alerts", UriKind.Relative), new StringContent($$"""
            {"version":"4","groupKey":"cli","status":"firing","receiver":"swarm",
             "alerts":[{"status":"firing","labels":{"alertname":"WorkItemsStuck","team":"t-remedy","severity":"warning"},
                        "annotations":{"summary":"stuck"},"startsAt":"2026-11-29T10:00:00Z","fingerprint":"{{fingerprint}}"}]}
            """, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(202, (int)delivered.StatusCode);

        var result = await Cli.EventuallyAsync(() => Run("agents"), r => r.Out.Contains("t-remedy", StringComparison.Ordinal), Settle);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("remediation", result.Out, StringComparison.Ordinal);
        Assert.Contains("WorkItemsStuck", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_trace_begins_in_the_cli_the_server_continues_the_commands_trace()
    {
        var id = $"missing-{Guid.NewGuid():N}";
        var cliTraces = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Swarm",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStopped = span =>
            {
                if (span.DisplayName == "swarm.cli.work.show" && Equals(span.GetTagItem("swarm.work.id"), id))
                {
                    lock (cliTraces)
                    {
                        cliTraces.Add(span.TraceId.ToString());
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var result = await Run("work", "show", id, "--json");

        Assert.Equal(1, result.ExitCode);
        var cliTrace = Assert.Single(cliTraces);
        Assert.Equal(cliTrace, result.Json().GetProperty("traceId").GetString());
    }

    private Task<CliResult> Run(params string[] args) => Cli.RunAsync([.. args, "--url", host.Url]);

    private async Task<string> ClaimAsync(string type, string title, string team)
    {
        var result = await Run("work", "claim", type, title, "--team", team, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Json().GetProperty("id").GetString()!;
    }
}
