using Swarm.Domain;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Domain.Scrum;

namespace Swarm.Workflow.Tests;

public sealed class LoadTests
{
    [Fact]
    public async Task Two_hundred_work_items_in_flight_all_complete_and_none_is_lost()
    {
        string[] teams = ["load-a", "load-b", "load-c", "load-d"];
        await using var swarm = await SwarmTestHost.StartAsync(o =>
        {
            foreach (var team in teams)
            {
                o.Teams[team] = new TeamOptions { Capacity = 1000 };
            }
        });

        var claims = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            swarm.Commands.ClaimAsync(new ClaimWork(i % 5 == 0 ? WorkType.Bug : WorkType.Task, $"Item {i}", WorkPriority.Medium, teams[i % teams.Length], 1), $"load-{i}")));
        var ids = claims.Select(c => c.Item.Id).ToList();
        Assert.Equal(200, ids.Distinct().Count());

        await Task.WhenAll(ids.Select(async id =>
        {
            await SwarmTestHost.EventuallyAsync(async () => await swarm.Commands.GetWorkAsync(id), w => w.Status == WorkStatus.Planned, TimeSpan.FromSeconds(60), $"{id} planned");
            await swarm.Commands.ReportProgressAsync(id, 90, null, null);
            await SwarmTestHost.EventuallyAsync(async () => await swarm.Commands.GetWorkAsync(id), w => w.Status == WorkStatus.InProgress, TimeSpan.FromSeconds(60), $"{id} in progress");
            await swarm.Commands.CompleteAsync(id, CompletionStatus.Success, null);
        }));

        var finished = await Task.WhenAll(ids.Select(id =>
            SwarmTestHost.EventuallyAsync(async () => await swarm.Commands.GetWorkAsync(id), w => w.Status == WorkStatus.Completed, TimeSpan.FromSeconds(60), $"{id} completed")));
        Assert.Equal(200, finished.Count(w => w.Completion == CompletionStatus.Success));
        var history = await swarm.Services.GetRequiredService<IWorkHistory>().AllAsync();
        Assert.Equal(200, history.Count(w => teams.Contains(w.Team) && w.Status == WorkStatus.Completed));
    }
}
