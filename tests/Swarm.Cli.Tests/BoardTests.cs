using System.Net.Http.Json;

namespace Swarm.Cli.Tests;

/// <summary>
/// <c>swarm board --url</c> against a host that requires a key, in a real browser: without the key each page shows the
/// API's 401 problem; with it, a vote cast from a motion's card reaches the motion, and an objection to a remediation
/// plan from its incident's card puts the plan to a vote. In the <c>swarm up</c> collection, so
/// that its browser and its two hosts never run beside the timing-sensitive crash-recovery tests on two cores.
/// </summary>
[Collection(UpCollection.Name)]
public sealed class BoardTests
{
    private const string Key = "board-test-key";

    [Fact]
    public async Task The_board_works_with_the_key_shows_the_401_problem_without_it_and_votes_on_a_motion_and_on_a_remediation_plan_reach_them()
    {
        // Objections stay open for 10 minutes, for work and for remediation plans: the votes below land while the motions wait.
        await using var host = await EmbeddedHost.StartAsync(Key, o =>
        {
            o.Governance.ObjectionWindow = TimeSpan.FromMinutes(10);
            o.Remediation.ApprovalWindow = TimeSpan.FromMinutes(10);
        });
        using var api = new HttpClient { BaseAddress = new Uri(host.Url), Timeout = TimeSpan.FromSeconds(10) };
        api.DefaultRequestHeaders.Add("x-functions-key", Key);
        using var claimed = await api.PostAsJsonAsync("/api/work", new { type = "feature", title = "Board vote", priority = "medium", team = "boarders", points = 3 });
        var workId = (await claimed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var motion = $"approve-{workId}";
        await Cli.EventuallyAsync(async () => (await api.GetAsync(new Uri($"/api/motions/{motion}", UriKind.Relative))).StatusCode, s => s == System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(30));

        var port = Cli.FreePort();
        var board = Cli.Start(["board", "--url", host.Url, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        try
        {
            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Cli.EventuallyAsync(
                async () =>
                {
                    try
                    {
                        return (await probe.GetAsync(new Uri($"http://127.0.0.1:{port}/board"))).StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return System.Net.HttpStatusCode.ServiceUnavailable;
                    }
                },
                s => s == System.Net.HttpStatusCode.OK,
                TimeSpan.FromSeconds(30));

            var folder = Path.Combine(Cli.RepositoryRoot, "artifacts", "screenshots");
            var result = await Browser.RunScriptAsync("vote.mjs", folder, null, $"http://127.0.0.1:{port}/", folder, motion, "member-a", "object", Key);

            Assert.Contains("401", result.GetProperty("withoutKey").GetString(), StringComparison.Ordinal);
            Assert.Contains($"on {motion} accepted", result.GetProperty("withKey").GetString(), StringComparison.Ordinal);
            var after = await api.GetFromJsonAsync<JsonElement>(new Uri($"/api/motions/{motion}", UriKind.Relative));
            Assert.Contains(after.GetProperty("objections").EnumerateArray(), o => o.GetString() == "member-a");

            // Shedding every team's load needs the board's consent: an objection from the incident's card puts the plan to a vote.
            using var alert = await api.PostAsync(
                new Uri("/api/alerts", UriKind.Relative),
                new StringContent("""{"version":"4","status":"firing","receiver":"swarm","groupKey":"board-approval","alerts":[{"status":"firing","labels":{"alertname":"SlowTransitions","severity":"warning"},"annotations":{"summary":"transitions are slow"},"startsAt":"2026-11-30T00:00:00Z","fingerprint":"5b0a2"}]}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.True(alert.IsSuccessStatusCode, await alert.Content.ReadAsStringAsync());
            var incident = await Cli.EventuallyAsync(
                async () => (await api.GetFromJsonAsync<JsonElement>(new Uri("/api/remediations?state=awaiting-approval", UriKind.Relative)))
                    .GetProperty("items").EnumerateArray().Select(i => (JsonElement?)i).FirstOrDefault(),
                i => i is { } e && e.TryGetProperty("approvalMotionId", out var m) && m.ValueKind == JsonValueKind.String,
                TimeSpan.FromSeconds(30));
            var incidentId = incident!.Value.GetProperty("id").GetString()!;
            var approval = incident.Value.GetProperty("approvalMotionId").GetString()!;
            await Cli.EventuallyAsync(
                async () => (await api.GetFromJsonAsync<JsonElement>(new Uri($"/api/motions/{approval}", UriKind.Relative))).GetProperty("state").GetString(),
                state => state == "seconded",
                TimeSpan.FromSeconds(30));
            var objected = await Browser.RunScriptAsync(
                "vote.mjs",
                folder,
                new() { ["BOARD_VOTE_ROUTE"] = "board/incidents", ["BOARD_VOTE_CARD"] = $"incident-{incidentId}", ["BOARD_VOTE_SHOT"] = "incident-objection" },
                $"http://127.0.0.1:{port}/", folder, approval, "treasurer", "object", Key);
            Assert.Contains("401", objected.GetProperty("withoutKey").GetString(), StringComparison.Ordinal);
            Assert.Contains($"on {approval} accepted (voting)", objected.GetProperty("withKey").GetString(), StringComparison.Ordinal);
            var plan = await api.GetFromJsonAsync<JsonElement>(new Uri($"/api/motions/{approval}", UriKind.Relative));
            Assert.Equal("voting", plan.GetProperty("state").GetString());
            Assert.Contains(plan.GetProperty("objections").EnumerateArray(), o => o.GetString() == "treasurer");
        }
        finally
        {
            board.Kill(entireProcessTree: true);
            await board.WaitForExitAsync();
            board.Dispose();
        }
    }
}
