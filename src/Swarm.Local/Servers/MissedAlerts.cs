using System.Globalization;
using System.Text;
using System.Text.Json;
using Swarm.Domain.Remediation;

namespace Swarm.Local.Servers;

/// <summary>
/// Alerts that fired while the host was down, found in Prometheus' own history. Alertmanager delivers a firing alert
/// until it is delivered or resolved; one that fires and resolves while <c>/api/alerts</c> does not answer is never
/// delivered (Alertmanager's notification log has no firing to resolve, so it sends nothing). Prometheus records every
/// rule evaluation in its <c>ALERTS</c> series and every failed scrape of the host as <c>up == 0</c>, so the episodes
/// that fired while the host was down can be rebuilt and delivered as Alertmanager would have delivered them: same
/// fingerprint (<see cref="Fingerprint"/>) and <c>startsAt</c> (the episode's first firing evaluation, Prometheus'
/// <c>FiredAt</c>), so a delivery the host did receive before it went down is recognised as the same episode.
/// </summary>
public static class MissedAlerts
{
    /// <summary>The host's scrape job in <c>local/prometheus/prometheus.yml</c>.</summary>
    public const string HostJob = "swarm-agents";

    /// <summary>
    /// How far before a down interval an episode's first firing evaluation is looked for: 1 h (the longest window of
    /// the repository's rules). An episode that began earlier is replayed with the earliest evaluation in reach as its
    /// start, so it counts as a new episode of the same alert.
    /// </summary>
    public static readonly TimeSpan EpisodeLookback = TimeSpan.FromHours(1);

    /// <summary>How far back the first replay of a home looks for down intervals: 24 h. Later replays start where the last one ended.</summary>
    public static readonly TimeSpan FirstLookback = TimeSpan.FromHours(24);

    /// <summary>
    /// Alertmanager's fingerprint of a label set (<c>model.LabelSet.Fingerprint</c> of prometheus/common): FNV-1a 64
    /// over each label, in ordinal order of names, as UTF-8 name, byte 0xFF, value, byte 0xFF; 16 lower-case hex digits.
    /// The webhook's <c>fingerprint</c> field carries it, and it is the alert's <see cref="Swarm.Domain.Remediation.AlertNotification.Id"/>.
    /// </summary>
    public static string Fingerprint(IReadOnlyDictionary<string, string> labels)
    {
        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var hash = offset;
        void Add(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
            {
                hash ^= b;
                hash *= prime;
            }
        }

        ReadOnlySpan<byte> separator = [0xFF];
        foreach (var label in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            Add(Encoding.UTF8.GetBytes(label.Key));
            Add(separator);
            Add(Encoding.UTF8.GetBytes(label.Value));
            Add(separator);
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The intervals in which the host was down, from the times at which <c>min_over_time(up[step]) == 0</c> held
    /// (each such time <c>t</c> covers <c>(t − step, t]</c>): adjoining or overlapping covers merge. Sorted.
    /// </summary>
    public static IReadOnlyList<Interval> DownIntervals(IEnumerable<DateTimeOffset> downAt, TimeSpan step)
    {
        var intervals = new List<Interval>();
        foreach (var at in downAt.Order())
        {
            var from = at - step;
            if (intervals.Count > 0 && from <= intervals[^1].To)
            {
                intervals[^1] = intervals[^1] with { To = at };
            }
            else
            {
                intervals.Add(new Interval(from, at));
            }
        }

        return intervals;
    }

    /// <summary>
    /// The firing episodes to deliver: of each series of <c>ALERTS{alertstate="firing"}</c> (raw evaluation times; its
    /// labels less <c>__name__</c> and <c>alertstate</c> are the alert's),
    /// the runs of evaluations no more than two <paramref name="evaluationInterval"/>s apart that overlap a down
    /// interval (or end within one evaluation before it), except those of an alert <paramref name="activeNow"/>
    /// (fingerprints of alerts pending or firing in Prometheus now: Alertmanager delivers those, and a replayed
    /// resolution would close the incident they belong to). Each is resolved one evaluation after its last firing one.
    /// </summary>
    public static IReadOnlyList<MissedAlert> Find(
        IEnumerable<AlertSeries> firing, IReadOnlyList<Interval> down, IReadOnlySet<string> activeNow, TimeSpan evaluationInterval)
    {
        var missed = new Dictionary<(string, DateTimeOffset), MissedAlert>();
        foreach (var series in firing)
        {
            var labels = AlertLabels(series);
            var fingerprint = Fingerprint(labels);
            if (activeNow.Contains(fingerprint))
            {
                continue;
            }

            foreach (var (first, last) in Episodes(series.EvaluatedAt, evaluationInterval))
            {
                if (down.Any(d => first <= d.To && last >= d.From - evaluationInterval))
                {
                    missed.TryAdd((fingerprint, first), new MissedAlert(labels, fingerprint, first, last + evaluationInterval));
                }
            }
        }

        return [.. missed.Values.OrderBy(m => m.FiredAt)];
    }

    /// <summary>An <c>ALERTS</c> series' labels less <c>__name__</c> and <c>alertstate</c>: the alert's, as Prometheus sends them to Alertmanager.</summary>
    public static Dictionary<string, string> AlertLabels(AlertSeries series) =>
        series.Labels.Where(l => l.Key is not ("alertstate" or "__name__")).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);

    /// <summary>
    /// The Alertmanager webhook (version 4) that would have delivered <paramref name="alert"/> in state
    /// <paramref name="firing"/> (else resolved), from receiver <paramref name="receiver"/>; its <c>summary</c> is
    /// <paramref name="summary"/>, by default one that says it was replayed.
    /// </summary>
    public static string Webhook(MissedAlert alert, bool firing, string receiver, string? summary = null)
    {
        var status = firing ? "firing" : "resolved";
        summary ??= $"{alert.Name} fired at {alert.FiredAt:HH:mm:ss}Z and resolved by {alert.ResolvedAt:HH:mm:ss}Z while the host was down; "
                    + AlertPayloads.ReplayedSummaryNote;
        var labels = alert.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).ToDictionary(l => l.Key, l => l.Value);
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["version"] = "4",
            ["receiver"] = receiver,
            ["status"] = status,
            ["groupKey"] = $"{{}}/{{replayed}}:{{alertname=\"{alert.Name}\"}}",
            ["truncatedAlerts"] = 0,
            ["groupLabels"] = new Dictionary<string, string> { ["alertname"] = alert.Name },
            ["commonLabels"] = labels,
            ["commonAnnotations"] = new Dictionary<string, string> { ["summary"] = summary },
            ["alerts"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["status"] = status,
                    ["labels"] = labels,
                    ["annotations"] = new Dictionary<string, string> { ["summary"] = summary },
                    ["startsAt"] = alert.FiredAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                    ["endsAt"] = firing ? "0001-01-01T00:00:00Z" : alert.ResolvedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                    ["fingerprint"] = alert.Fingerprint,
                },
            },
        });
    }

    /// <summary>The runs of evaluation times no more than two <paramref name="evaluationInterval"/>s apart: each run's first and last, oldest first.</summary>
    public static IEnumerable<(DateTimeOffset First, DateTimeOffset Last)> Episodes(IEnumerable<DateTimeOffset> evaluatedAt, TimeSpan evaluationInterval)
    {
        DateTimeOffset? first = null, last = null;
        foreach (var at in evaluatedAt.Order())
        {
            if (last is { } previous && at - previous > 2 * evaluationInterval)
            {
                yield return (first!.Value, previous);
                first = null;
            }

            first ??= at;
            last = at;
        }

        if (first is { } f && last is { } l)
        {
            yield return (f, l);
        }
    }
}

/// <summary>A span of time, <see cref="From"/> to <see cref="To"/> (UTC).</summary>
public readonly record struct Interval(DateTimeOffset From, DateTimeOffset To);

/// <summary>One series of <c>ALERTS</c>: its labels (with <c>alertname</c>) and the times of its raw samples (rule evaluations).</summary>
public sealed record AlertSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<DateTimeOffset> EvaluatedAt);

/// <summary>
/// A firing episode the host never received: its labels (with <c>alertname</c>, without <c>alertstate</c>), its
/// Alertmanager fingerprint, its first firing evaluation (the webhook's <c>startsAt</c>) and its resolution (one
/// evaluation after its last firing one, the webhook's <c>endsAt</c>).
/// </summary>
public sealed record MissedAlert(IReadOnlyDictionary<string, string> Labels, string Fingerprint, DateTimeOffset FiredAt, DateTimeOffset ResolvedAt)
{
    /// <summary>The alert's name (label <c>alertname</c>).</summary>
    public string Name => Labels.TryGetValue("alertname", out var name) ? name : "unnamed";

    /// <summary>The labels other than <c>alertname</c>, as <c>{team="alpha", severity="warning"}</c>.</summary>
    public string Describe() =>
        "{" + string.Join(", ", Labels.Where(l => l.Key != "alertname").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
}
