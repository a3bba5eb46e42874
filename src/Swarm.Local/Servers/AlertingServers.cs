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

    private AlertingServers(LocalProcess prometheus, LocalProcess alertmanager, Uri prometheusUrl, Uri alertmanagerUrl)
    {
        Prometheus = prometheus;
        Alertmanager = alertmanager;
        PrometheusUrl = prometheusUrl;
        AlertmanagerUrl = alertmanagerUrl;
    }

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
            return new AlertingServers(prometheus, alertmanager, prometheusUrl, alertmanagerUrl);
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
