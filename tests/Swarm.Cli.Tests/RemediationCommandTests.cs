namespace Swarm.Cli.Tests;

/// <summary><c>swarm remediations …</c> against the embedded host in this process.</summary>
[Collection(EmbeddedHostCollection.Name)]
public sealed class RemediationCommandTests(EmbeddedHost host)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Remediations_lists_the_incident_and_show_prints_its_timeline()
    {
        using var http = new HttpClient { BaseAddress = new Uri(host.Url) };
        foreach (var startsAt in new[] { "2026-11-29T10:00:00Z", "2026-11-29T10:05:00Z" })
        {
            using var delivered = await http.PostAsync(new Uri("/api/alerts", UriKind.Relative), new StringContent($$"""
                {"version":"4","groupKey":"cli","status":"firing","receiver":"swarm",
                 "alerts":[{"status":"firing","labels":{"alertname":"QueueBacklog","team":"t-incident","severity":"warning"},
                            "annotations":{"summary":"backlog"},"startsAt":"{{startsAt}}"}]}
                """, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(202, (int)delivered.StatusCode);
        }

        var json = await Cli.EventuallyAsync(
            () => Run("remediations", "--team", "t-incident", "--json"),
            r => r.ExitCode == 0 && r.Json().GetProperty("items").EnumerateArray().Any(i => i.GetProperty("deliveries").GetInt32() == 2),
            Settle);
        var incident = json.Json().GetProperty("items")[0];
        var id = incident.GetProperty("id").GetString()!;
        var table = await Run("remediations", "--team", "t-incident");
        var show = await Run("remediations", "show", id);

        Assert.Equal("notify-only/QueueBacklog/team=t-incident", incident.GetProperty("incidentKey").GetString());
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("notify-only/QueueBacklog/team=t-incident", table.Out.Replace("\n", string.Empty, StringComparison.Ordinal).Replace("│", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("timeline", show.Out, StringComparison.Ordinal);
        Assert.Contains("opened", show.Out, StringComparison.Ordinal);
        Assert.Contains("joined", show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_incident_or_a_bad_filter_is_a_clear_error()
    {
        var unknown = await Run("remediations", "show", "0123456789abcdef-7");
        var badState = await Run("remediations", "--state", "sleeping");

        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("404", unknown.Err, StringComparison.Ordinal);
        Assert.Contains("0123456789abcdef-7", unknown.Err, StringComparison.Ordinal);
        Assert.Equal(1, badState.ExitCode);
        Assert.Contains("state 'sleeping' is unknown", badState.Err, StringComparison.Ordinal);
    }

    private Task<CliResult> Run(params string[] args) => Cli.RunAsync([.. args, "--url", host.Url]);
}
