using Swarm.Domain.Composition;
using System.Diagnostics;
using Microsoft.DurableTask.Client;
using Swarm.Domain;
using Swarm.Domain.Scrum;

namespace Swarm.Benchmarks;

/// <summary>The swarm chain both the throughput and the telemetry harnesses measure.</summary>
public static class SwarmChain
{
    private static long _reads;

    /// <summary>State reads the chains' waits have made so far in this process (the harness's own polling).</summary>
    public static long Reads => Interlocked.Read(ref _reads);

    /// <summary>
    /// Zero-length windows: a work item's whole life across the agents without waiting on any timer — claim,
    /// Roberts motion (general consent), Scrum team backlog, sprint planning, progress, completion, sprint review
    /// and close — so the figure measures the swarm, not its cadence.
    /// </summary>
    public static void Configure(SwarmOptions options)
    {
        options.Governance = new GovernanceOptions { SecondingDeadline = TimeSpan.Zero, ObjectionWindow = TimeSpan.Zero, VotingDeadline = TimeSpan.Zero };
        options.Scrum = new ScrumOptions { PlanningWindow = TimeSpan.Zero, SprintLength = TimeSpan.FromMinutes(10) };
    }

    public static async Task RunOnceAsync(SwarmCommands commands, DurableTaskClient client, int slot, int iteration)
    {
        var team = $"bench-{slot}";
        var (item, _) = await commands.ClaimAsync(new ClaimWork(WorkType.Feature, $"Chain {iteration}", WorkPriority.High, team, 3), null);
        var planned = await UntilAsync(async () => await commands.GetWorkAsync(item.Id), w => w.Sprint is not null);
        await commands.ReportProgressAsync(item.Id, 50, null, null);
        await UntilAsync(async () => await commands.GetWorkAsync(item.Id), w => w.Status == WorkStatus.InProgress);
        await commands.CompleteAsync(item.Id, CompletionStatus.Success, null);
        var sprintId = InstanceIds.Sprint(team, planned.Sprint!.Value);
        var done = await client.WaitForInstanceCompletionAsync(sprintId, getInputsAndOutputs: true);
        if (done.ReadOutputAs<Sprint>()?.State != SprintState.Closed)
        {
            throw new InvalidOperationException($"{sprintId} ended {done.RuntimeStatus}");
        }

        // The team's next sprint starts only after the agent has taken the close; wait so iterations do not overlap.
        await UntilAsync(
            async () => await client.GetInstanceAsync(InstanceIds.ScrumTeam(team), getInputsAndOutputs: true),
            i => i.ReadCustomStatusAs<ScrumTeamStatus>() is { State: "waiting-for-work" } status && status.NextSprint > planned.Sprint);
    }

    /// <summary>
    /// Reads until <paramref name="condition"/> holds, from 1 ms between reads doubling to 100 ms: on Azurite every read
    /// is a table query in the emulator's one thread, and 16 chains reading every millisecond saturated it (1.5 chains/s).
    /// </summary>
    private static async Task<T> UntilAsync<T>(Func<Task<T?>> read, Func<T, bool> condition) where T : class
    {
        var limit = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(1);
        while (limit.Elapsed < TimeSpan.FromSeconds(60))
        {
            Interlocked.Increment(ref _reads);
            if (await read() is { } value && condition(value))
            {
                return value;
            }

            await Task.Delay(pause);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(100).Ticks));
        }

        throw new TimeoutException("the swarm chain did not progress within 60 s");
    }
}
