using System.Diagnostics;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Api;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Scrum;
using Swarm.Local.Web;

namespace Swarm.Benchmarks;

/// <summary>
/// <c>GET /api/work</c>, <c>GET /api/work?team=</c> and <c>GET /api/agents</c> with <c>--instances N</c> (default 5,000)
/// finished work items in the task hub, on <c>--backend memory|azurite</c>. The instances are work-item orchestrations
/// started with a completed item (one episode each, as a hub that has run for a while holds them); 20 requests of
/// each route are timed over HTTP, after one untimed, and so is reading every page of <c>GET /api/work</c>. With
/// <c>--home</c> and <c>--task-hub</c> (see <see cref="BenchmarkBackend"/>) a second run reuses the seeded hub.
/// </summary>
public static class InstanceListHarness
{
    private static readonly (string Command, string From, string To)[] Life =
    [
        ("claim", "none", "claimed"), ("approve", "claimed", "approved"), ("plan", "approved", "planned"),
        ("progress", "planned", "in-progress"), ("complete", "in-progress", "completed"),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var count = BenchmarkArgs.Option(args, "--instances", 5000);
        await using var backend = await BenchmarkBackend.StartAsync(args);
        await using var app = SwarmWebApp.Build(["--Swarm:Port=0", "--Logging:LogLevel:Default=Error", "--Swarm:Telemetry:Prometheus=false", .. backend.HostArguments()]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = app.Services.GetRequiredService<DurableTaskClient>();

        var seeding = Stopwatch.StartNew();
        // A hub kept from an earlier run (--home, --task-hub) already holds them.
        var next = await client.GetInstanceAsync(InstanceIds.Work($"bench{count - 1:D6}")) is null ? -1 : count;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < count)
            {
                var item = new WorkItem
                {
                    Id = $"bench{i:D6}",
                    Type = WorkType.Task,
                    Title = $"Finished item {i}",
                    Priority = WorkPriority.Medium,
                    Team = $"team-{i % 10}",
                    Points = 2,
                    Status = WorkStatus.Completed,
                    Completion = i % 10 == 0 ? CompletionStatus.Failed : CompletionStatus.Success,
                    ClaimedAt = DateTimeOffset.UtcNow.AddDays(-1),
                    // A finished item's life as the agents record it: five transitions, each with its command's trace.
                    Transitions = [.. Life.Select((step, n) => WorkTransition.Of(
                        DateTimeOffset.UtcNow.AddDays(-1).AddMinutes(n), step.Command, step.From, step.To,
                        $"00-{Guid.NewGuid():N}-{Guid.NewGuid():N}"[..52] + "-01"))],
                };
                await client.ScheduleNewOrchestrationInstanceAsync(
                    SwarmTasks.Orchestrators.WorkItem, item, new StartOrchestrationOptions(InstanceIds.Work(item.Id)));
            }
        }));
        // Every instance has run its one episode once the last one has.
        await client.WaitForInstanceCompletionAsync(InstanceIds.Work($"bench{count - 1:D6}"));
        Console.WriteLine($"figure: backend = {backend.Name}");
        Console.WriteLine(BenchmarkArgs.Figure("instances seeded", count, "work items"));
        Console.WriteLine(BenchmarkArgs.Figure("instances seeding time", seeding.Elapsed.TotalSeconds, "s"));

        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
        var cases = new (string Name, Func<Task> Request)[]
        {
            ("GET /api/work", () => http.GetStringAsync("/api/work")),
            ("GET /api/work?team=team-3", () => http.GetStringAsync("/api/work?team=team-3")),
            ("GET /api/agents", () => http.GetStringAsync("/api/agents")),
            // Every page of the list, as `swarm work` and the board read it.
            ("all pages of GET /api/work", () => WorkList.AllAsync(string.Empty, async path =>
                JsonSerializer.Deserialize<WorkList>(await http.GetStringAsync($"/api/{path}"), SwarmJson.Options)!)),
        };
        foreach (var (name, request) in cases)
        {
            await request();
            var times = new List<double>();
            for (var i = 0; i < 20; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await request();
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            times.Sort();
            Console.WriteLine(BenchmarkArgs.Figure($"{name} p50", ClosedLoop.Percentile(times, 0.50), "ms", "0"));
            Console.WriteLine(BenchmarkArgs.Figure($"{name} p95", ClosedLoop.Percentile(times, 0.95), "ms", "0"));
        }

        await app.StopAsync();
        return 0;
    }
}
