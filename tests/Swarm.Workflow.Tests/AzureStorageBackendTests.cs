using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Domain;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Local.Durable;

namespace Swarm.Workflow.Tests;

// The workflow suite's orchestrator coverage again, on the Durable Task Framework's Azure Storage provider (Azurite):
// every orchestrator — work item, motion, Scrum team (continue-as-new), sprint, Lean project, remediation.

[Collection(AzureStorageCollection.Name)]
public sealed class SeedScenarioOnAzureStorage(AzuriteFixture azurite) : SeedScenarioTests
{
    protected override Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions> configure) => SwarmTestHost.StartAsync(configure, azurite.Storage());
}

[Collection(AzureStorageCollection.Name)]
public sealed class MotionWorkflowOnAzureStorage(AzuriteFixture azurite) : MotionWorkflowTests
{
    protected override TimeSpan Window => TimeSpan.FromSeconds(4);

    protected override Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions>? configure = null) => SwarmTestHost.StartAsync(configure, azurite.Storage());
}

[Collection(AzureStorageCollection.Name)]
public sealed class ScrumWorkflowOnAzureStorage(AzuriteFixture azurite) : ScrumWorkflowTests
{
    protected override Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions>? configure = null) => SwarmTestHost.StartAsync(configure, azurite.Storage());
}

[Collection(AzureStorageCollection.Name)]
public sealed class RemediationWorkflowOnAzureStorage(AzuriteFixture azurite) : RemediationWorkflowTests
{
    protected override Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions>? configure = null) => SwarmTestHost.StartAsync(configure, azurite.Storage());
}

[Collection(AzureStorageCollection.Name)]
public sealed class IdempotencyOnAzureStorage(AzuriteFixture azurite) : IdempotencyTests
{
    protected override bool StartsAreAtomic => false;

    protected override Task<SwarmTestHost> StartHostAsync(Action<SwarmOptions>? configure = null) => SwarmTestHost.StartAsync(configure, azurite.Storage());
}

/// <summary>
/// The agents' state at realistic volumes stays within the Azure Storage provider's limits: custom status is stored
/// inline in the Instances table (a 64 KB property: about 32 K characters; beyond it the status is silently lost),
/// while inputs, outputs and events over about 60 KB are moved to blobs.
/// </summary>
[Collection(AzureStorageCollection.Name)]
public sealed class VolumeOnAzureStorage(AzuriteFixture azurite)
{
    /// <summary>Custom status kept well inside the provider's inline limit of about 32 K characters.</summary>
    private const int StatusBudget = 16_000;

    [Fact]
    public async Task A_team_with_500_backlog_items_and_1000_remembered_events_continues_as_new_with_all_of_them()
    {
        await using var swarm = await SwarmTestHost.StartAsync(storage: azurite.Storage());
        var team = "volume";
        var state = new ScrumTeamState(team, 1, 10, new ScrumTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), 0.03)
        {
            Backlog = [.. Enumerable.Range(0, 500).Select(i => new SprintItem($"vol-{i:D4}-{Guid.NewGuid():N}"[..24], $"Backlog item {i} with a realistic title", WorkType.Task, WorkPriority.Medium, 3, null))],
            HandledEvents = [.. Enumerable.Range(0, ScrumTeamState.RememberedEvents).Select(i => $"work-approved:{Guid.NewGuid():N}:{i}")],
        };
        Assert.True(System.Text.Json.JsonSerializer.Serialize(state).Length > 60_000, "the state is meant to exceed the provider's inline message size");

        await swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.ScrumTeam, InstanceIds.ScrumTeam(team), state);

        // Sprint 1 takes 3 items (10 points), ends unfinished after 2 s and hands them back: the team continues as new
        // with all 500 in its backlog, and its next generation plans sprint 2.
        var next = await SwarmTestHost.EventuallyAsync(
            () => swarm.Client.GetInstanceAsync(InstanceIds.ScrumTeam(team), getInputsAndOutputs: true),
            i => i.SerializedCustomStatus is not null && i.ReadInputAs<ScrumTeamState>()!.NextSprint >= 2,
            TimeSpan.FromSeconds(60),
            "the team's second generation");
        Assert.Equal(OrchestrationRuntimeStatus.Running, next.RuntimeStatus);
        Assert.True(next.SerializedCustomStatus!.Length < StatusBudget, $"custom status of {next.SerializedCustomStatus.Length} characters");
        var carried = next.ReadInputAs<ScrumTeamState>()!;
        Assert.Equal(500, carried.Backlog.Count + (next.ReadCustomStatusAs<ScrumTeamStatus>()!.State == "executing" ? 3 : 0));
        Assert.Equal(ScrumTeamState.RememberedEvents, carried.HandledEvents.Count);
        var sprint = await swarm.CompletedAsync(InstanceIds.Sprint(team, 1), TimeSpan.FromSeconds(60));
        Assert.Equal(3, sprint.ReadOutputAs<Sprint>()!.Review!.Unfinished.Count);
    }

    [Fact]
    public async Task A_motion_before_a_board_of_50_counts_every_vote()
    {
        var board = Enumerable.Range(1, 50).Select(i => $"member-{i:D2}").ToArray();
        await using var swarm = await SwarmTestHost.StartAsync(storage: azurite.Storage());
        var motion = new Motion
        {
            Id = $"board50-{Guid.NewGuid():N}"[..20],
            Kind = MotionKind.WorkApproval,
            Title = "Adopt a rule before a large board",
            Team = "large",
            Board = board,
            Timings = new GovernanceTimings(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60)),
            FromCommittee = true,
            MovedBy = board[0],
        };
        await swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.Motion, InstanceIds.Motion(motion.Id), motion);
        await SwarmTestHost.EventuallyAsync(async () => await swarm.Commands.GetMotionAsync(motion.Id), m => m.State == MotionState.Seconded, TimeSpan.FromSeconds(30));
        await swarm.Commands.VoteAsync(motion.Id, board[1], VoteChoice.Object, null);
        await SwarmTestHost.EventuallyAsync(async () => await swarm.Commands.GetMotionAsync(motion.Id), m => m.State == MotionState.Voting, TimeSpan.FromSeconds(30));
        foreach (var (member, i) in board.Select((m, i) => (m, i)))
        {
            await swarm.Commands.VoteAsync(motion.Id, member, i % 5 == 0 ? VoteChoice.No : VoteChoice.Yes, null);
        }

        var done = await swarm.CompletedAsync(InstanceIds.Motion(motion.Id), TimeSpan.FromSeconds(60));
        var decided = done.ReadOutputAs<Motion>()!;
        Assert.Equal(MotionResult.Passed, decided.Result);
        Assert.Equal((40, 10), (decided.Tally!.Yes, decided.Tally.No));
        Assert.Equal(50, decided.Votes.Count);
        Assert.True(done.SerializedCustomStatus!.Length < StatusBudget, $"custom status of {done.SerializedCustomStatus.Length} characters");
    }

    [Fact]
    public async Task A_lean_project_measuring_2000_work_items_keeps_its_state_small()
    {
        var records = new Records(2000);
        await using var swarm = await SwarmTestHost.StartAsync(
            storage: azurite.Storage(),
            services: s => s.AddSingleton<ITeamWorkRecords>(records));
        var project = new LeanProject
        {
            Id = "defect-volume",
            Team = "measured",
            Charter = new Charter("Defect rate above threshold", "Defect rate at or below 3 %", "scrum-agent", "test"),
            Sprint = 1,
        };
        await swarm.Mailbox.StartAsync(SwarmTasks.Orchestrators.LeanProject, InstanceIds.Lean(project.Team, project.Id), project);

        var controlled = await SwarmTestHost.EventuallyAsync(
            () => swarm.Client.GetInstanceAsync(InstanceIds.Lean(project.Team, project.Id), getInputsAndOutputs: true),
            i => i.SerializedCustomStatus is not null && i.ReadCustomStatusAs<LeanProject>()!.Phase == LeanPhase.Control,
            TimeSpan.FromSeconds(60),
            "the project in control");
        var state = controlled.ReadCustomStatusAs<LeanProject>()!;
        Assert.Equal(2000, state.Measurement!.ItemsInHistory);
        Assert.Equal(1000, state.RootCauses.Sum(c => c.Count));
        Assert.All(state.RootCauses, c => Assert.True(c.WorkIds.Count <= RootCause.MaxWorkIds));
        Assert.True(controlled.SerializedCustomStatus!.Length < StatusBudget, $"custom status of {controlled.SerializedCustomStatus.Length} characters");
    }

    /// <summary>A team history of <paramref name="count"/> completed items, every second one failed for one of four reasons.</summary>
    private sealed class Records(int count) : ITeamWorkRecords
    {
        private static readonly string[] Reasons = ["missing regression tests", "flaky integration", "unclear acceptance criteria", "late review"];

        public Task<IReadOnlyList<WorkRecord>> ForTeamAsync(string team, CancellationToken cancellationToken = default)
        {
            var start = DateTimeOffset.UtcNow.AddDays(-10);
            IReadOnlyList<WorkRecord> records = [.. Enumerable.Range(0, count).Select(i => new WorkRecord(
                $"{i:D6}{Guid.NewGuid():N}"[..16],
                Completed: true,
                Failed: i % 2 == 0,
                FailureReason: i % 2 == 0 ? Reasons[i / 2 % Reasons.Length] : null,
                ClaimedAt: start.AddMinutes(i),
                StartedAt: start.AddMinutes(i + 1),
                CompletedAt: start.AddMinutes(i + 30)))];
            return Task.FromResult(records);
        }
    }
}

/// <summary>
/// A host that starts on a task hub with open work — after a crash, or beside another host — gives that work's completion
/// counters a 0 before any command runs, so Prometheus' <c>increase()</c> sees the first completion it counts.
/// </summary>
[Collection(AzureStorageCollection.Name)]
public sealed class WorkCountersOnAzureStorage(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_host_restarted_on_a_hub_with_open_work_starts_its_completion_counters_at_zero_before_any_command()
    {
        var storage = azurite.Storage();
        var hub = $"counters{Guid.NewGuid():N}"[..20];
        var team = $"restart-{Guid.NewGuid():N}"[..16];
        // No sprint is planned while the test runs: a work command on the second host (planning the item) would give the
        // same counters a 0 of its own, after the start's.
        static void Quiet(SwarmOptions o) => o.Scrum.PlanningWindow = TimeSpan.FromMinutes(10);
        await using (var first = await SwarmTestHost.StartAsync(Quiet, storage: storage, taskHub: hub))
        {
            var (item, _) = await first.Commands.ClaimAsync(new ClaimWork(WorkType.Bug, "Claimed before the restart", WorkPriority.Medium, team, 2), null);
            // Approved (a bug approves itself) and in the backlog: no command of its own is left to run after the restart.
            await SwarmTestHost.EventuallyAsync(
                () => first.Client.GetInstanceAsync(InstanceIds.Work(item.Id), getInputsAndOutputs: true),
                i => i.RuntimeStatus == OrchestrationRuntimeStatus.Running && i.SerializedCustomStatus is not null
                     && i.ReadCustomStatusAs<WorkItem>()?.Status == WorkStatus.Approved,
                TimeSpan.FromSeconds(60),
                "the claimed item approved");
        }

        var zeros = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Swarm.Domain.Telemetry.SwarmTelemetry.Name && instrument.Name == "swarm.work.items")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var read = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                read[tag.Key] = tag.Value;
            }

            if (value == 0 && Equals(read.GetValueOrDefault("team"), team) && Equals(read.GetValueOrDefault("type"), "bug")
                && Equals(read.GetValueOrDefault("status"), "completed"))
            {
                zeros.Enqueue((string)read["completion_status"]!);
            }
        });
        listener.Start();

        await using var second = await SwarmTestHost.StartAsync(Quiet, storage: storage, taskHub: hub);
        var pairs = await second.Services.GetRequiredService<Swarm.Local.WorkCounterBaselineService>().Started.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, pairs);
        Assert.Equal(["failed", "success"], zeros.Order(StringComparer.Ordinal));
    }
}
