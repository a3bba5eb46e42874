using System.Collections.Concurrent;

namespace Swarm.Cli.Tests;

/// <summary>
/// <c>swarm up --demo-timers</c> runs the seed's whole loop by itself: <c>swarm demo</c>'s sprint fails one item in
/// five, Prometheus (started by <c>swarm up</c>) fires HighDefectRate from the one rules.yml with windows in seconds,
/// Alertmanager (also started by it) delivers it to <c>/api/alerts</c>, and a remediation starts. A server that dies
/// is reported in <c>/api/health</c> and restarted once.
/// </summary>
[Collection(UpCollection.Name)]
public sealed class AlertLoopUpTests
{
    [Fact]
    public async Task The_demo_fires_HighDefectRate_through_Prometheus_and_Alertmanager_and_a_killed_Prometheus_is_reported_and_restarted()
    {
        await using var stack = await UpStack.StartAsync("--no-dashboard");
        using var http = new HttpClient { BaseAddress = new Uri(stack.Api), Timeout = TimeSpan.FromSeconds(10) };
        var prometheus = new Uri(stack.State.GetProperty("prometheus").GetString()!);

        // Remediations leave /api/agents once their alert resolves (a 20 s window here), so they are watched throughout.
        var seen = new ConcurrentDictionary<string, string>();
        using var watching = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                try
                {
                    var agents = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/agents", UriKind.Relative), watching.Token)).RootElement;
                    foreach (var active in agents.GetProperty("remediation").GetProperty("active").EnumerateArray())
                    {
                        seen[active.GetProperty("id").GetString()!] = $"{active.GetProperty("alert").GetString()} {active.GetProperty("team").GetString()}";
                    }

                    await Task.Delay(200, watching.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        var demo = await Cli.RunProcessAsync(["demo", "--team", "loop", "--url", stack.Api, "--json", "--timeout", "90"], stack.Environment, TimeSpan.FromSeconds(120));
        Assert.True(demo.ExitCode == 0, demo.ToString());
        // The demo itself ends with the loop's last step: the team's HighDefectRate incident, opened and acting.
        var remediation = JsonDocument.Parse(demo.Out).RootElement.GetProperty("remediation");
        Assert.Equal("HighDefectRate", remediation.GetProperty("alert").GetString());
        Assert.Equal("loop", remediation.GetProperty("team").GetString());
        // The sprint review's project (open, or closed within a sprint length), else one of its own.
        Assert.Matches("^(defect-sprint[0-9]+|alert-[0-9a-f]{8})$", remediation.GetProperty("leanProjectId").GetString());
        await Cli.EventuallyAsync(() => Task.FromResult(seen.Values.ToList()), v => v.Contains("HighDefectRate loop"), TimeSpan.FromSeconds(60));
        await watching.CancelAsync();
        await watcher;

        var pid = stack.State.GetProperty("prometheusProcessId").GetInt32();
        using (var kill = Process.Start("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var reported = await Cli.EventuallyAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/health", UriKind.Relative))).RootElement.Clone(),
            h => h.GetProperty("status").GetString() == "degraded" && Server(h, "prometheus").GetProperty("status").GetString() == "degraded",
            TimeSpan.FromSeconds(20));
        Assert.Equal("reachable", reported.GetProperty("backend").GetString());
        Assert.Equal("healthy", Server(reported, "azurite").GetProperty("status").GetString());

        // Restarted once, on the same port: it answers again, and the report says what happened.
        var restarted = await Cli.EventuallyAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/health", UriKind.Relative))).RootElement.Clone(),
            h => Server(h, "prometheus").GetProperty("detail").GetString()!.Contains("restarted", StringComparison.Ordinal),
            TimeSpan.FromSeconds(45));
        Assert.Equal("degraded", restarted.GetProperty("status").GetString());
        using var ready = await http.GetAsync(new Uri(prometheus, "/-/ready"));
        Assert.True(ready.IsSuccessStatusCode, $"Prometheus at {prometheus} answers {(int)ready.StatusCode} after its restart");
        Assert.Contains("prometheus stopped answering; restarting it once", stack.Output, StringComparison.Ordinal);
        // The state file names the new process, so that a run after a crash of this one stops the restarted Prometheus.
        var rewritten = await Cli.EventuallyAsync(
            async () => JsonDocument.Parse(await File.ReadAllTextAsync(stack.StatePath)).RootElement.GetProperty("prometheusProcessId").GetInt32(),
            id => id != pid,
            TimeSpan.FromSeconds(10));
        Assert.NotEqual(pid, rewritten);
        Assert.True(IsRunning(rewritten), $"the state file names Prometheus as pid {rewritten}, which is not running");

        // This swarm up has no dashboard, so a claim does not suggest swarm trace (which reads one).
        var claim = await Cli.RunProcessAsync(["work", "claim", "task", "No dashboard here", "--team", "loop-hint", "--url", stack.Api], stack.Environment, TimeSpan.FromSeconds(60));
        Assert.True(claim.ExitCode == 0, claim.ToString());
        Assert.Contains("follow it with swarm work show", claim.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("swarm trace", claim.Out, StringComparison.Ordinal);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static JsonElement Server(JsonElement health, string name) =>
        health.GetProperty("servers").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);
}
