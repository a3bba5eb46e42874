using Swarm.Domain.Remediation;
using Swarm.Local.Servers;

namespace Swarm.Cli.Tests;

/// <summary>
/// The rebuilding of alert episodes that fired while the host was down, from Prometheus' <c>ALERTS</c> and <c>up</c>
/// series: Alertmanager's fingerprint, the down intervals, which episodes are delivered, and the webhook they become.
/// </summary>
public sealed class MissedAlertsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 3, 15, 0, TimeSpan.Zero);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void The_fingerprint_is_Alertmanagers()
    {
        // Read from Alertmanager 0.25's GET /api/v2/alerts after posting these label sets.
        Assert.Equal("44aa260a6c6513bd", MissedAlerts.Fingerprint(new Dictionary<string, string> { ["team"] = "alpha", ["alertname"] = "HighDefectRate", ["severity"] = "warning" }));
        Assert.Equal("e6103c18b04c955f", MissedAlerts.Fingerprint(new Dictionary<string, string> { ["alertname"] = "Ünïcode", ["team"] = "b=c" }));
    }

    [Fact]
    public void Down_covers_that_touch_merge_and_distant_ones_stay_apart()
    {
        var step = TimeSpan.FromSeconds(2);
        var down = MissedAlerts.DownIntervals([T0.AddSeconds(4), T0.AddSeconds(2), T0.AddSeconds(6), T0.AddSeconds(30)], step);

        Assert.Equal([new Interval(T0, T0.AddSeconds(6)), new Interval(T0.AddSeconds(28), T0.AddSeconds(30))], down);
        Assert.Empty(MissedAlerts.DownIntervals([], step));
    }

    [Fact]
    public void An_episode_that_overlapped_a_down_interval_is_missed_one_that_ended_before_it_or_still_holds_is_not()
    {
        var down = new[] { new Interval(T0.AddSeconds(10), T0.AddSeconds(40)) };
        var during = Alert("HighDefectRate", "rp", Seconds(12, 13, 14, 15));
        // Two episodes of one series: the gap (more than two evaluations) splits them; only the second overlaps.
        var split = Alert("WorkItemsStuck", "rp", Seconds(1, 2, 3, 20, 21));
        var before = Alert("HighDefectRate", "early", Seconds(1, 2, 3, 4, 5, 6, 7, 8));
        var stillActive = Alert("HighDefectRate", "active", Seconds(30, 31, 32));
        var activeNow = new HashSet<string> { MissedAlerts.Fingerprint(Labels(stillActive)) };

        var missed = MissedAlerts.Find([during, split, before, stillActive], down, activeNow, Second);

        Assert.Equal(2, missed.Count);
        var first = missed[0];
        Assert.Equal("HighDefectRate", first.Name);
        Assert.Equal(T0.AddSeconds(12), first.FiredAt);
        Assert.Equal(T0.AddSeconds(16), first.ResolvedAt);
        Assert.DoesNotContain("__name__", first.Labels.Keys);
        Assert.DoesNotContain("alertstate", first.Labels.Keys);
        Assert.Equal(MissedAlerts.Fingerprint(new Dictionary<string, string> { ["alertname"] = "HighDefectRate", ["team"] = "rp", ["severity"] = "warning" }), first.Fingerprint);
        Assert.Equal("{severity=\"warning\", team=\"rp\"}", first.Describe());
        Assert.Equal(("WorkItemsStuck", T0.AddSeconds(20)), (missed[1].Name, missed[1].FiredAt));
    }

    [Fact]
    public void An_episode_that_ended_one_evaluation_before_the_host_went_down_is_missed_too()
    {
        // Its resolution would have been sent at the evaluation after its last firing one: when the host was already down.
        var down = new[] { new Interval(T0.AddSeconds(10), T0.AddSeconds(20)) };

        Assert.Single(MissedAlerts.Find([Alert("HighDefectRate", "edge", Seconds(7, 8, 9))], down, new HashSet<string>(), Second));
        Assert.Empty(MissedAlerts.Find([Alert("HighDefectRate", "edge", Seconds(6, 7, 8))], down, new HashSet<string>(), Second));
    }

    [Fact]
    public void The_webhooks_read_back_as_the_episode_Alertmanager_would_have_delivered()
    {
        var alert = MissedAlerts.Find(
            [Alert("HighDefectRate", "rp", Seconds(12, 13))], [new Interval(T0.AddSeconds(10), T0.AddSeconds(40))], new HashSet<string>(), Second).Single();

        var firing = AlertPayloads.Read(JsonDocument.Parse(MissedAlerts.Webhook(alert, firing: true, "swarm-up-replay")).RootElement).Alerts.Single();
        var resolved = AlertPayloads.Read(JsonDocument.Parse(MissedAlerts.Webhook(alert, firing: false, "swarm-up-replay")).RootElement).Alerts.Single();

        Assert.Equal((AlertPayloads.AlertmanagerSource, alert.Fingerprint, AlertStatus.Firing, "warning"), (firing.Source, firing.Id, firing.Status, firing.Severity));
        Assert.Equal(T0.AddSeconds(12), firing.StartsAt);
        Assert.Null(firing.EndsAt);
        Assert.Equal("rp", firing.Label("team"));
        Assert.Contains("while the host was down", firing.Summary, StringComparison.Ordinal);
        // How swarm demo tells a replayed alert from one Alertmanager delivered.
        Assert.EndsWith(AlertPayloads.ReplayedSummaryNote, firing.Summary, StringComparison.Ordinal);
        Assert.Equal((AlertStatus.Resolved, T0.AddSeconds(14)), (resolved.Status, resolved.EndsAt));
        // One episode: the resolution closes what the firing opened.
        Assert.Equal(firing.Identity, resolved.Identity);
    }

    private static AlertSeries Alert(string name, string team, IReadOnlyList<DateTimeOffset> at) =>
        new(new Dictionary<string, string> { ["__name__"] = "ALERTS", ["alertname"] = name, ["alertstate"] = "firing", ["team"] = team, ["severity"] = "warning" }, at);

    private static Dictionary<string, string> Labels(AlertSeries series) =>
        series.Labels.Where(l => l.Key is not ("__name__" or "alertstate")).ToDictionary(l => l.Key, l => l.Value);

    private static DateTimeOffset[] Seconds(params int[] seconds) => [.. seconds.Select(s => T0.AddSeconds(s))];
}
