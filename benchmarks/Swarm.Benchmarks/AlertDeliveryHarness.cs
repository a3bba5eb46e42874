using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Local.Web;

namespace Swarm.Benchmarks;

/// <summary>
/// Alert delivery to remediation start on the embedded host: each of 200 Alertmanager deliveries (each for its own
/// team, so each opens an incident) is posted to <c>/api/alerts</c> over real HTTP, and the clock stops when its
/// incident has acted. Then a storm: 1,000 deliveries for 10 targets, 16 at a time, must all be answered 202 and open
/// exactly 10 incidents.
/// </summary>
public static class AlertDeliveryHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var deliveries = BenchmarkArgs.Option(args, "--deliveries", 200);
        var stormDeliveries = BenchmarkArgs.Option(args, "--storm", 1000);
        await using var backend = await BenchmarkBackend.StartAsync(args);
        Console.WriteLine($"figure: backend = {backend.Name}");
        // The storm limit (20 starts a minute by default) would turn most measured deliveries into suppressions.
        await using var app = SwarmWebApp.Build(
            ["--Swarm:Port=0", "--Logging:LogLevel:Default=Error", "--Swarm:Remediation:MaxStartsPerMinute=1000000", .. backend.HostArguments()]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = app.Services.GetRequiredService<DurableTaskClient>();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        // Warm-up deliveries are not measured.
        for (var i = 0; i < 20; i++)
        {
            await DeliverAsync(http, client, $"warm-{i}", $"warm-{i}");
        }

        var toStart = new List<double>();
        var toAnswer = new List<double>();
        for (var i = 0; i < deliveries; i++)
        {
            var (answered, started) = await DeliverAsync(http, client, $"bench-{i}-{Guid.NewGuid():N}", $"bench-{i}");
            toAnswer.Add(answered);
            toStart.Add(started);
        }

        var storm = await StormAsync(http, stormDeliveries);
        await app.StopAsync();
        toStart.Sort();
        toAnswer.Sort();
        Console.WriteLine($"figure: alert-delivery http 202 p50 = {ClosedLoop.Percentile(toAnswer, 0.50):0.00} ms");
        Console.WriteLine($"figure: alert-delivery http 202 p95 = {ClosedLoop.Percentile(toAnswer, 0.95):0.00} ms");
        Console.WriteLine($"figure: alert-delivery to remediation start p50 = {ClosedLoop.Percentile(toStart, 0.50):0.00} ms");
        Console.WriteLine($"figure: alert-delivery to remediation start p95 = {ClosedLoop.Percentile(toStart, 0.95):0.00} ms");
        Console.WriteLine($"figure: alert-delivery samples = {toStart.Count} deliveries");
        Console.WriteLine($"figure: alert storm = {stormDeliveries} deliveries for 10 targets in {storm.Seconds:0.0} s, {storm.Failed} not answered 202, {storm.Incidents} incidents opened (expected 10)");
        return storm.Failed == 0 && storm.Incidents == 10 ? 0 : 1;
    }

    /// <summary>
    /// <paramref name="count"/> firing deliveries of HighDefectRate spread over 10 teams (each team's alert fingerprint
    /// fixed, its episodes varying), 16 in flight; then counts the incidents <c>GET /api/remediations</c> lists for them.
    /// </summary>
    private static async Task<(double Seconds, int Failed, int Incidents)> StormAsync(HttpClient http, int count)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var failed = 0;
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var team = $"storm-{run}-{i % 10}";
            var body = Body("HighDefectRate", team, $"storm-{run}-{i % 10}", DateTimeOffset.UtcNow.AddSeconds(-i));
            using var response = await http.PostAsJsonAsync("/api/alerts", body, ct);
            if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
            {
                Interlocked.Increment(ref failed);
            }
        });
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        // The desks take the deliveries one at a time; wait (bounded) until every one is recorded.
        var incidents = 0;
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var list = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/remediations?policy=lean-project");
            var mine = list.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("team").GetString()!.StartsWith($"storm-{run}-", StringComparison.Ordinal)).ToList();
            incidents = mine.Count;
            if (mine.Sum(i => i.GetProperty("deliveries").GetInt32()) >= count - failed)
            {
                break;
            }

            await Task.Delay(500);
        }

        return (seconds, failed, incidents);
    }

    private static object Body(string alert, string team, string fingerprint, DateTimeOffset startsAt) => new
    {
        version = "4",
        groupKey = "bench",
        status = "firing",
        receiver = "swarm",
        alerts = new[]
        {
            new
            {
                status = "firing",
                labels = new Dictionary<string, string> { ["alertname"] = alert, ["team"] = team, ["severity"] = "warning" },
                annotations = new Dictionary<string, string> { ["summary"] = "benchmark delivery" },
                startsAt = startsAt.ToString("O"),
                endsAt = "0001-01-01T00:00:00Z",
                fingerprint,
            },
        },
    };

    private static async Task<(double Answered, double Started)> DeliverAsync(HttpClient http, DurableTaskClient client, string fingerprint, string team)
    {
        var body = Body("WorkItemsStuck", team, fingerprint, DateTimeOffset.UtcNow);
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsJsonAsync("/api/alerts", body);
        response.EnsureSuccessStatusCode();
        var answered = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var receipt = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var instanceId = receipt.GetProperty("alerts")[0].GetProperty("remediationId").GetString()!;
        while (!await HasActedAsync(client, instanceId))
        {
            await Task.Delay(1);
        }

        return (answered, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>True once the desk's incident has acted (its custom status is an opened incident past <c>triggered</c>).</summary>
    private static async Task<bool> HasActedAsync(DurableTaskClient client, string instanceId)
    {
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
        return instance?.ReadCustomStatusAs<Swarm.Domain.Remediation.AlertRemediation>() is { Sequence: > 0 } incident
               && incident.State is not Swarm.Domain.Remediation.RemediationState.Triggered;
    }
}
