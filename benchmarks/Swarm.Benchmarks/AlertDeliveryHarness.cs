using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Local.Web;

namespace Swarm.Benchmarks;

/// <summary>
/// Alert delivery to remediation start on the embedded host: each of 200 Alertmanager deliveries is posted to
/// <c>/api/alerts</c> over real HTTP, and the clock stops when its remediation orchestration is running.
/// </summary>
public static class AlertDeliveryHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var deliveries = BenchmarkArgs.Option(args, "--deliveries", 200);
        await using var backend = await BenchmarkBackend.StartAsync(args);
        Console.WriteLine($"figure: backend = {backend.Name}");
        await using var app = SwarmWebApp.Build(["--Swarm:Port=0", "--Logging:LogLevel:Default=Error", .. backend.HostArguments()]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = app.Services.GetRequiredService<DurableTaskClient>();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        // Warm-up deliveries are not measured.
        for (var i = 0; i < 20; i++)
        {
            await DeliverAsync(http, client, $"warm-{i}");
        }

        var toStart = new List<double>();
        var toAnswer = new List<double>();
        for (var i = 0; i < deliveries; i++)
        {
            var (answered, started) = await DeliverAsync(http, client, $"bench-{i}-{Guid.NewGuid():N}");
            toAnswer.Add(answered);
            toStart.Add(started);
        }

        await app.StopAsync();
        toStart.Sort();
        toAnswer.Sort();
        Console.WriteLine($"figure: alert-delivery http 202 p50 = {ClosedLoop.Percentile(toAnswer, 0.50):0.00} ms");
        Console.WriteLine($"figure: alert-delivery http 202 p95 = {ClosedLoop.Percentile(toAnswer, 0.95):0.00} ms");
        Console.WriteLine($"figure: alert-delivery to remediation start p50 = {ClosedLoop.Percentile(toStart, 0.50):0.00} ms");
        Console.WriteLine($"figure: alert-delivery to remediation start p95 = {ClosedLoop.Percentile(toStart, 0.95):0.00} ms");
        Console.WriteLine($"figure: alert-delivery samples = {toStart.Count} deliveries");
        return 0;
    }

    private static async Task<(double Answered, double Started)> DeliverAsync(HttpClient http, DurableTaskClient client, string fingerprint)
    {
        var body = new
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
                    labels = new Dictionary<string, string> { ["alertname"] = "WorkItemsStuck", ["team"] = "bench", ["severity"] = "warning" },
                    annotations = new Dictionary<string, string> { ["summary"] = "benchmark delivery" },
                    startsAt = DateTimeOffset.UtcNow.ToString("O"),
                    endsAt = "0001-01-01T00:00:00Z",
                    fingerprint,
                },
            },
        };
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsJsonAsync("/api/alerts", body);
        response.EnsureSuccessStatusCode();
        var answered = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var receipt = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var instanceId = receipt.GetProperty("alerts")[0].GetProperty("remediationId").GetString()!;
        while (await client.GetInstanceAsync(instanceId) is not { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Completed })
        {
            await Task.Delay(1);
        }

        return (answered, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
