using System.Text.RegularExpressions;

namespace Swarm.Local.Servers;

/// <summary>
/// Prometheus and Alertmanager (Debian packages <c>prometheus</c> and <c>prometheus-alertmanager</c>, installed by
/// <c>scripts/install-prereqs.sh</c>) for <c>swarm up</c>: Prometheus scrapes the host's <c>/metrics</c> and evaluates
/// <c>local/prometheus/rules.yml</c>; Alertmanager routes with <c>local/alertmanager/alertmanager.yml</c> to the host's
/// <c>/api/alerts</c>, with its function key. The repository's files are compiled into this assembly and rewritten
/// for the ports in use (and, for demo timers, by <see cref="WithDemoTimers"/>), so there is one copy of each.
/// Both listen on 127.0.0.1 only and keep their data, and their logs (<c>prometheus.log</c>, <c>alertmanager.log</c>),
/// in <c>{home}/alerting-{api port}</c>.
/// </summary>
public sealed partial class AlertingServers : IAsyncDisposable
{
    /// <summary>Prometheus's usual port, used when free.</summary>
    public const int DefaultPrometheusPort = 9090;

    /// <summary>Alertmanager's usual port, used when free.</summary>
    public const int DefaultAlertmanagerPort = 9093;

    /// <summary>For the calls to Prometheus' and Alertmanager's HTTP APIs on the loopback interface: 2 s each.</summary>
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private AlertingServers(LocalProcess prometheus, LocalProcess alertmanager, Uri prometheusUrl, Uri alertmanagerUrl, string work, int apiPort, string? apiKey, bool demoTimers)
    {
        Prometheus = prometheus;
        Alertmanager = alertmanager;
        PrometheusUrl = prometheusUrl;
        AlertmanagerUrl = alertmanagerUrl;
        _work = work;
        _host = new Uri($"http://127.0.0.1:{apiPort}");
        _apiKey = apiKey;
        _demoTimers = demoTimers;
        EvaluationInterval = ScrapeInterval = TimeSpan.FromSeconds(demoTimers ? 1 : 15);
    }

    private readonly string _work;
    private readonly Uri _host;
    private readonly string? _apiKey;
    private readonly bool _demoTimers;

    /// <summary>Prometheus' rule evaluation interval: 15 s, 1 s with demo timers (<see cref="PrometheusConfig"/>).</summary>
    public TimeSpan EvaluationInterval { get; }

    /// <summary>Prometheus' scrape interval of the host: 15 s, 1 s with demo timers.</summary>
    public TimeSpan ScrapeInterval { get; }

    /// <summary>The Prometheus process.</summary>
    public LocalProcess Prometheus { get; }

    /// <summary>The Alertmanager process.</summary>
    public LocalProcess Alertmanager { get; }

    /// <summary>Prometheus's UI and HTTP API.</summary>
    public Uri PrometheusUrl { get; }

    /// <summary>Alertmanager's UI and HTTP API.</summary>
    public Uri AlertmanagerUrl { get; }

    /// <summary>
    /// When Prometheus last scraped the host's <c>/metrics</c> successfully (the <c>lastScrape</c> of its <c>up</c>
    /// targets in <c>GET /api/v1/targets</c>, UTC), or null before the first success or when Prometheus does not answer.
    /// </summary>
    public async Task<DateTimeOffset?> LastScrapeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var targets = System.Text.Json.JsonDocument.Parse(
                await Http.GetStringAsync(new Uri(PrometheusUrl, "/api/v1/targets?state=active"), cancellationToken));
            DateTimeOffset? last = null;
            foreach (var target in targets.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray())
            {
                if (target.GetProperty("health").GetString() == "up"
                    && target.GetProperty("lastScrape").TryGetDateTimeOffset(out var scraped)
                    && (last is null || scraped > last))
                {
                    last = scraped;
                }
            }

            return last;
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException
                                       && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>An Alertmanager's webhook requests so far: made and failed (one per attempt, retries included).</summary>
    public readonly record struct WebhookRequests(double Made, double Failed);

    /// <summary>
    /// The webhook requests of the Alertmanager at <paramref name="alertmanager"/>, from its <c>/metrics</c>
    /// (<c>alertmanager_notification_requests_total</c> and <c>…_failed_total</c>; <c>alertmanager_notifications_total</c>
    /// counts a whole retried flush once); null when it does not answer.
    /// </summary>
    public static async Task<WebhookRequests?> WebhookRequestsAsync(Uri alertmanager, CancellationToken cancellationToken)
    {
        try
        {
            var text = await Http.GetStringAsync(new Uri(alertmanager, "/metrics"), cancellationToken);
            double Sum(string metric) => text.Split('\n')
                .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains("integration=\"webhook\"", StringComparison.Ordinal))
                .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            return new WebhookRequests(Sum("alertmanager_notification_requests_total"), Sum("alertmanager_notification_requests_failed_total"));
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or FormatException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// Waits until the Alertmanager at <paramref name="alertmanager"/> holds no active alert, or has made a successful
    /// webhook request since <paramref name="before"/>, or stops answering — at most <paramref name="wait"/>. True when
    /// it delivered. A crashed <c>swarm up</c>'s Alertmanager retries what the dead host never received every group
    /// interval, so once the next host answers on the same port it delivers there.
    /// </summary>
    public static async Task<bool> WaitForDeliveryAsync(Uri alertmanager, WebhookRequests? before, TimeSpan wait, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < wait)
        {
            try
            {
                using var active = System.Text.Json.JsonDocument.Parse(await Http.GetStringAsync(
                    new Uri(alertmanager, "/api/v2/alerts?active=true&silenced=false&inhibited=false"), cancellationToken));
                if (active.RootElement.GetArrayLength() == 0)
                {
                    return false;
                }
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException
                                           && !cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            if (before is { } b && await WebhookRequestsAsync(alertmanager, cancellationToken) is { } now && now.Made - b.Made > now.Failed - b.Failed)
            {
                return true;
            }

            await Task.Delay(250, cancellationToken);
        }

        return false;
    }

    /// <summary>What <see cref="ReplayMissedAlertsAsync"/> did: the episodes it delivered, and why it stopped short, if it did.</summary>
    /// <param name="Delivered">Episodes delivered to <c>/api/alerts</c> (firing, then resolved), oldest first.</param>
    /// <param name="Problem">Null when every missed episode was delivered (the next replay starts after this one); else what failed (the next one tries again).</param>
    public sealed record AlertReplay(IReadOnlyList<MissedAlert> Delivered, string? Problem);

    /// <summary>The file in this run's alerting folder that holds the end of the last complete replay (ISO 8601, UTC).</summary>
    public const string ReplayedThroughFile = "alerts-replayed-through";

    /// <summary>
    /// Delivers to the host's <c>/api/alerts</c> the alert episodes that fired while the host was down and that no one
    /// delivered (<see cref="MissedAlerts"/>): from Prometheus' history since the end of the last replay (the first one
    /// of a home looks back <see cref="MissedAlerts.FirstLookback"/>), the intervals in which its scrapes of the host
    /// failed; if there are any, it waits for two rule evaluations of this Prometheus (so that an alert still holding
    /// is pending or firing again — Alertmanager delivers those; at most three evaluation intervals and 10 s), then
    /// delivers each episode that overlapped a down interval as Alertmanager would have: firing, then resolved, with its
    /// fingerprint and <c>startsAt</c>, so the host's incident desk sees a delivery it did receive as the same episode.
    /// A host that does not answer is retried for 5 s. Never throws for an unreachable server: the problem is returned.
    /// </summary>
    public async Task<AlertReplay> ReplayMissedAlertsAsync(CancellationToken cancellationToken)
    {
        var watermarkFile = Path.Combine(_work, ReplayedThroughFile);
        try
        {
            var now = DateTimeOffset.UtcNow;
            var from = now - MissedAlerts.FirstLookback;
            if (File.Exists(watermarkFile)
                && DateTimeOffset.TryParse((await File.ReadAllTextAsync(watermarkFile, cancellationToken)).Trim(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var through)
                && through > from)
            {
                from = through;
            }

            // min_over_time over each step catches a single failed scrape; the steps stay under Prometheus' 11,000 points per series.
            var step = TimeSpan.FromSeconds(Math.Max(2 * ScrapeInterval.TotalSeconds, Math.Ceiling((now - from).TotalSeconds / 10_000)));
            var downAt = (await QueryRangeAsync($"min_over_time(up{{job=\"{MissedAlerts.HostJob}\"}}[{step.TotalSeconds:0}s]) == 0", from, now, step, cancellationToken))
                .SelectMany(series => series.EvaluatedAt);
            var down = MissedAlerts.DownIntervals(downAt, step);
            if (down.Count == 0)
            {
                await WriteWatermarkAsync(now);
                return new AlertReplay([], null);
            }

            var evaluated = await TwoEvaluationsAsync(now, cancellationToken);
            var active = await ActiveAlertsAsync(cancellationToken);
            var firing = new Dictionary<string, (IReadOnlyDictionary<string, string> Labels, HashSet<DateTimeOffset> At)>();
            foreach (var interval in down)
            {
                var start = interval.From - MissedAlerts.EpisodeLookback;
                var end = interval.To + MissedAlerts.EpisodeLookback < evaluated ? interval.To + MissedAlerts.EpisodeLookback : evaluated;
                foreach (var series in await QueryRawAsync($"ALERTS{{alertstate=\"firing\"}}[{Math.Ceiling((end - start).TotalSeconds):0}s]", end, cancellationToken))
                {
                    var key = MissedAlerts.Fingerprint(MissedAlerts.AlertLabels(series));
                    if (!firing.TryGetValue(key, out var known))
                    {
                        firing[key] = known = (series.Labels, []);
                    }

                    known.At.UnionWith(series.EvaluatedAt);
                }
            }

            var missed = MissedAlerts.Find(
                firing.Values.Select(f => new AlertSeries(f.Labels, [.. f.At])), down, active, EvaluationInterval);
            var delivered = new List<MissedAlert>();
            using var host = new Swarm.Api.Client.SwarmApiClient(_host, _apiKey, TimeSpan.FromSeconds(10)) { RetryUnreachableFor = TimeSpan.FromSeconds(5) };
            foreach (var alert in missed)
            {
                string[] webhooks = [MissedAlerts.Webhook(alert, firing: true, "swarm-up-replay"), MissedAlerts.Webhook(alert, firing: false, "swarm-up-replay")];
                if (await PostAsync(host, alert, webhooks, cancellationToken) is { } problem)
                {
                    return new AlertReplay(delivered, problem);
                }

                delivered.Add(alert);
            }

            await WriteWatermarkAsync(evaluated);
            return new AlertReplay(delivered, null);
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or IOException or FormatException
                                       && !cancellationToken.IsCancellationRequested)
        {
            return new AlertReplay([], $"Prometheus at {PrometheusUrl} could not be read: {error.Message}");
        }

        Task WriteWatermarkAsync(DateTimeOffset through) =>
            File.WriteAllTextAsync(watermarkFile, through.ToString("O", System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
    }

    /// <summary>
    /// The longest Alertmanager may take to send a resolution once Prometheus stops firing an alert: group wait, group
    /// interval and two evaluation intervals, plus 10 s — 14 s with demo timers, 110 s otherwise
    /// (<c>local/alertmanager/alertmanager.yml</c>: <c>group_wait</c> 10 s, <c>group_interval</c> 1 min).
    /// </summary>
    public TimeSpan ResolutionGrace => _demoTimers
        ? TimeSpan.FromSeconds(1 + 1) + (2 * EvaluationInterval) + TimeSpan.FromSeconds(10)
        : TimeSpan.FromSeconds(10 + 60) + (2 * EvaluationInterval) + TimeSpan.FromSeconds(10);

    /// <summary>How often <c>swarm up</c> runs <see cref="DeliverLostResolutionsAsync"/>: every 5 s with demo timers, every 30 s otherwise.</summary>
    public TimeSpan ResolutionCheckInterval => TimeSpan.FromSeconds(_demoTimers ? 5 : 30);

    /// <summary>
    /// Delivers the resolutions Alertmanager never sent. An Alertmanager sends a resolution only for an alert whose firing
    /// it sent itself (its notification log), so one that replaced another — after a crash of <c>swarm up</c>, or a
    /// restart by the supervisor — never resolves an incident its predecessor opened, and the incident would stay open
    /// until it expires. So each episode this Prometheus fired within the last hour (<c>ALERTS</c>) that is neither
    /// pending nor firing now and whose last firing evaluation is older than <see cref="ResolutionGrace"/> is looked up
    /// once among the host's open incidents: if one still counts it firing (source <c>alertmanager:{fingerprint}</c>), it
    /// gets the resolved webhook Alertmanager would have sent. The host is asked only when such an episode is new. An
    /// alert Prometheus never fired (posted by hand, or from another system) is left alone. <paramref name="settled"/>
    /// remembers the episodes looked up (fingerprint and episode start), so none is looked up or sent twice. Returns what
    /// was delivered and the problem, if any; never throws for an unreachable server.
    /// </summary>
    public async Task<AlertReplay> DeliverLostResolutionsAsync(ISet<string> settled, CancellationToken cancellationToken)
    {
        try
        {
            var now = DateTimeOffset.UtcNow;
            var active = await ActiveAlertsAsync(cancellationToken);
            var overdue = new List<MissedAlert>();
            foreach (var series in await QueryRawAsync("ALERTS{alertstate=\"firing\"}[1h]", now, cancellationToken))
            {
                var labels = MissedAlerts.AlertLabels(series);
                var fingerprint = MissedAlerts.Fingerprint(labels);
                if (series.EvaluatedAt.Count == 0 || active.Contains(fingerprint))
                {
                    continue;
                }

                var (first, last) = MissedAlerts.Episodes(series.EvaluatedAt, EvaluationInterval).Last();
                if (last + ResolutionGrace <= now && !settled.Contains(Settled(fingerprint, first)))
                {
                    overdue.Add(new MissedAlert(labels, fingerprint, first, last + EvaluationInterval));
                }
            }

            if (overdue.Count == 0)
            {
                return new AlertReplay([], null);
            }

            using var host = new Swarm.Api.Client.SwarmApiClient(_host, _apiKey, TimeSpan.FromSeconds(10));
            var waiting = (await host.GetAsync("remediations", cancellationToken)).Read<Swarm.Api.IncidentList>().Items
                .Where(i => i.State is not (Swarm.Domain.Remediation.RemediationState.Resolved or Swarm.Domain.Remediation.RemediationState.Idle) && i.StillFiring > 0)
                .SelectMany(i => i.Sources)
                .ToHashSet(StringComparer.Ordinal);
            var resolved = new List<MissedAlert>();
            foreach (var alert in overdue)
            {
                if (waiting.Contains($"{Swarm.Domain.Remediation.AlertPayloads.AlertmanagerSource}:{alert.Fingerprint}"))
                {
                    var summary = $"{alert.Name} resolved at {alert.ResolvedAt:HH:mm:ss}Z in Prometheus; no resolution came from Alertmanager within "
                                  + $"{ResolutionGrace.TotalSeconds:0} s, so swarm up delivered it from Prometheus' rule history (ALERTS)";
                    if (await PostAsync(host, alert, [MissedAlerts.Webhook(alert, firing: false, "swarm-up-replay", summary)], cancellationToken) is { } problem)
                    {
                        return new AlertReplay(resolved, $"the resolution of {problem}");
                    }

                    resolved.Add(alert);
                }

                settled.Add(Settled(alert.Fingerprint, alert.FiredAt));
            }

            return new AlertReplay(resolved, null);
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException
                                           or Swarm.Api.Client.ServerProblemException or Swarm.Api.Client.ServerUnreachableException
                                       && !cancellationToken.IsCancellationRequested)
        {
            return new AlertReplay([], $"open incidents could not be checked against Prometheus at {PrometheusUrl}: {error.Message}");
        }

        static string Settled(string fingerprint, DateTimeOffset firedAt) => $"{fingerprint}:{firedAt.ToUnixTimeSeconds()}";
    }

    /// <summary>POSTs <paramref name="webhooks"/> of <paramref name="alert"/> to the host's <c>/api/alerts</c> in order; null when all were accepted, else what was refused and why.</summary>
    private static async Task<string?> PostAsync(Swarm.Api.Client.SwarmApiClient host, MissedAlert alert, string[] webhooks, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var body in webhooks)
            {
                using var webhook = System.Text.Json.JsonDocument.Parse(body);
                await host.PostAsync("alerts", webhook.RootElement, idempotencyKey: null, cancellationToken);
            }

            return null;
        }
        catch (Exception error) when (error is Swarm.Api.Client.ServerProblemException or Swarm.Api.Client.ServerUnreachableException)
        {
            return $"{alert.Name} {alert.Describe()} was not accepted by {host.Resolve("alerts")}: {error.Message}";
        }
    }

    /// <summary>Waits until every rule group of Prometheus has been evaluated twice since <paramref name="since"/>; returns the earliest group's last evaluation.</summary>
    private async Task<DateTimeOffset> TwoEvaluationsAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var limit = (3 * EvaluationInterval) + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var rules = System.Text.Json.JsonDocument.Parse(await Http.GetStringAsync(new Uri(PrometheusUrl, "/api/v1/rules?type=alert"), cancellationToken));
            var last = rules.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                .Select(group => group.GetProperty("lastEvaluation").GetDateTimeOffset())
                .DefaultIfEmpty(DateTimeOffset.MinValue)
                .Min();
            if (last >= since + EvaluationInterval || Stopwatch.GetElapsedTime(started) > limit)
            {
                return last > since ? last : DateTimeOffset.UtcNow;
            }

            await Task.Delay(EvaluationInterval / 4, cancellationToken);
        }
    }

    /// <summary>The fingerprints of the alerts pending or firing in Prometheus now (<c>GET /api/v1/alerts</c>).</summary>
    private async Task<IReadOnlySet<string>> ActiveAlertsAsync(CancellationToken cancellationToken)
    {
        using var alerts = System.Text.Json.JsonDocument.Parse(await Http.GetStringAsync(new Uri(PrometheusUrl, "/api/v1/alerts"), cancellationToken));
        return alerts.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Select(alert => MissedAlerts.Fingerprint(Labels(alert.GetProperty("labels"))))
            .ToHashSet(StringComparer.Ordinal);
    }

    private async Task<IReadOnlyList<AlertSeries>> QueryRangeAsync(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken) =>
        Series(await Http.GetStringAsync(new Uri(
            PrometheusUrl,
            $"/api/v1/query_range?query={Uri.EscapeDataString(query)}&start={Unix(start)}&end={Unix(end)}&step={step.TotalSeconds:0}s"), cancellationToken));

    private async Task<IReadOnlyList<AlertSeries>> QueryRawAsync(string query, DateTimeOffset at, CancellationToken cancellationToken) =>
        Series(await Http.GetStringAsync(new Uri(PrometheusUrl, $"/api/v1/query?query={Uri.EscapeDataString(query)}&time={Unix(at)}"), cancellationToken));

    private static string Unix(DateTimeOffset at) => (at.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A matrix result of Prometheus' query API: each series' labels and sample times.</summary>
    private static IReadOnlyList<AlertSeries> Series(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(series => new AlertSeries(
            Labels(series.GetProperty("metric")),
            [.. series.GetProperty("values").EnumerateArray().Select(sample => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(sample[0].GetDouble() * 1000)))]))];
    }

    private static Dictionary<string, string> Labels(System.Text.Json.JsonElement labels) =>
        labels.EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString() ?? string.Empty, StringComparer.Ordinal);

    /// <summary>One of the repository's files under <c>local/</c>, as compiled in (<c>prometheus/rules.yml</c>, …).</summary>
    public static string Repository(string path)
    {
        var name = path.Replace('/', '.');
        using var stream = typeof(AlertingServers).Assembly.GetManifestResourceStream($"local.{name}")
            ?? throw new FileNotFoundException($"local/{path} is not compiled into {typeof(AlertingServers).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The rules and routing with every window and wait in seconds, for <c>--demo-timers</c>: range windows
    /// <c>[20s]</c>, <c>for: 1s</c> — or the rule's own demo wait, written after its <c>for</c> as
    /// <c># demo-timers: 15s</c> — and Alertmanager's <c>group_wait</c> and <c>group_interval</c> 1 s. An annotation that
    /// names its rule's window writes it as "the last 1h", and says "the last 20s" with them. Derived from the one file,
    /// never a second copy.
    /// </summary>
    public static string WithDemoTimers(string yaml)
    {
        yaml = RangeWindow().Replace(yaml, "[20s]");
        yaml = ProseWindow().Replace(yaml, "the last 20s");
        yaml = ForClause().Replace(yaml, match => $"for: {(match.Groups["demo"].Success ? match.Groups["demo"].Value : "1s")}");
        return yaml
            .Replace("group_wait: 10s", "group_wait: 1s", StringComparison.Ordinal)
            .Replace("group_interval: 1m", "group_interval: 1s", StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>local/prometheus/prometheus.yml</c> for a host at <paramref name="apiPort"/> and an Alertmanager at
    /// <paramref name="alertmanagerPort"/>; scrapes and evaluations every second with <paramref name="demoTimers"/>.
    /// </summary>
    public static string PrometheusConfig(int apiPort, int alertmanagerPort, bool demoTimers)
    {
        var yaml = Repository("prometheus/prometheus.yml")
            .Replace("127.0.0.1:9093", $"127.0.0.1:{alertmanagerPort}", StringComparison.Ordinal)
            .Replace("127.0.0.1:7071", $"127.0.0.1:{apiPort}", StringComparison.Ordinal);
        return demoTimers
            ? yaml.Replace("scrape_interval: 15s", "scrape_interval: 1s", StringComparison.Ordinal)
                .Replace("evaluation_interval: 15s", "evaluation_interval: 1s", StringComparison.Ordinal)
            : yaml;
    }

    /// <summary>
    /// <c>local/alertmanager/alertmanager.yml</c> delivering to the host at <paramref name="apiPort"/>, with
    /// <paramref name="apiKey"/> as a bearer token when the host requires a function key.
    /// </summary>
    public static string AlertmanagerConfig(int apiPort, string? apiKey, bool demoTimers)
    {
        var yaml = Repository("alertmanager/alertmanager.yml")
            .Replace("http://127.0.0.1:7071/api/alerts", $"http://127.0.0.1:{apiPort}/api/alerts", StringComparison.Ordinal);
        if (!string.IsNullOrWhiteSpace(apiKey))
        {
            yaml = yaml.Replace(
                "        # http_config:\n        #   authorization:\n        #     type: Bearer\n        #     credentials: <the Swarm:ApiKey value>",
                $"        http_config:\n          authorization:\n            type: Bearer\n            credentials: {apiKey}",
                StringComparison.Ordinal);
        }

        return demoTimers ? WithDemoTimers(yaml) : yaml;
    }

    /// <summary>
    /// Starts Alertmanager, then Prometheus, for the host at <paramref name="apiPort"/>, each on its usual port when
    /// free (else a free one) or on the port given. Throws <see cref="InvalidOperationException"/> when a server is not
    /// installed or exits at start, <see cref="TimeoutException"/> when one is not ready within 30 s.
    /// </summary>
    public static async Task<AlertingServers> StartAsync(
        string home, int apiPort, string? apiKey, bool demoTimers, int prometheusPort = 0, int alertmanagerPort = 0, CancellationToken cancellationToken = default)
    {
        var work = Path.Combine(home, $"alerting-{apiPort}");
        Directory.CreateDirectory(work);
        alertmanagerPort = alertmanagerPort != 0 ? alertmanagerPort : await UsualOrFreeAsync(DefaultAlertmanagerPort, cancellationToken);
        prometheusPort = prometheusPort != 0 ? prometheusPort : await UsualOrFreeAsync(DefaultPrometheusPort, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work, "alertmanager.yml"), AlertmanagerConfig(apiPort, apiKey, demoTimers), cancellationToken);
        var rules = Repository("prometheus/rules.yml");
        await File.WriteAllTextAsync(Path.Combine(work, "rules.yml"), demoTimers ? WithDemoTimers(rules) : rules, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work, "prometheus.yml"), PrometheusConfig(apiPort, alertmanagerPort, demoTimers), cancellationToken);

        var alertmanagerUrl = new Uri($"http://127.0.0.1:{alertmanagerPort}");
        var alertmanager = await StartServerAsync(
            "alertmanager",
            "prometheus-alertmanager",
            [$"--config.file={work}/alertmanager.yml", $"--storage.path={work}/alertmanager-data", $"--web.listen-address=127.0.0.1:{alertmanagerPort}", "--cluster.listen-address="],
            alertmanagerUrl,
            Path.Combine(work, "alertmanager.log"),
            cancellationToken);
        try
        {
            var prometheusUrl = new Uri($"http://127.0.0.1:{prometheusPort}");
            var prometheus = await StartServerAsync(
                "prometheus",
                "prometheus",
                [$"--config.file={work}/prometheus.yml", $"--storage.tsdb.path={work}/prometheus-data", $"--web.listen-address=127.0.0.1:{prometheusPort}", "--enable-feature=exemplar-storage"],
                prometheusUrl,
                Path.Combine(work, "prometheus.log"),
                cancellationToken);
            return new AlertingServers(prometheus, alertmanager, prometheusUrl, alertmanagerUrl, work, apiPort, apiKey, demoTimers);
        }
        catch
        {
            await alertmanager.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Prometheus.DisposeAsync();
        await Alertmanager.DisposeAsync();
    }

    private static async Task<LocalProcess> StartServerAsync(
        string name, string executable, string[] arguments, Uri url, string logFile, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var ready = new Uri(url, "/-/ready");
        try
        {
            return await LocalProcess.StartAsync(
                name, start, ct => LocalProcess.AnswersAsync(ready, ct), TimeSpan.FromSeconds(30), logFile, cancellationToken);
        }
        catch (InvalidOperationException error) when (error.InnerException is System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException(
                $"{executable} is not installed: run scripts/install-prereqs.sh (Debian packages prometheus, prometheus-alertmanager), or start with --no-alerting.",
                error);
        }
    }

    private static async Task<int> UsualOrFreeAsync(int usual, CancellationToken cancellationToken) =>
        await LocalProcess.AcceptsAsync(usual, cancellationToken) ? LoopbackPort.Free() : usual;

    [GeneratedRegex(@"\[(\d+[smhd])\]")]
    private static partial Regex RangeWindow();

    [GeneratedRegex(@"\bthe last \d+[smhd]\b")]
    private static partial Regex ProseWindow();

    [GeneratedRegex(@"for: \d+[smhd](?:[ \t]+# demo-timers: (?<demo>\d+[smhd]))?")]
    private static partial Regex ForClause();
}
