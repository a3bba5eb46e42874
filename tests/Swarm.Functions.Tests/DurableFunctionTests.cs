using Swarm.Api.Notifications;
using Swarm.Domain.Composition;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Domain.Events;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;
using Swarm.Local;
using Swarm.ServiceBus;
using Swarm.Local.Bus;
using Swarm.Local.Durable;

namespace Swarm.Functions.Tests;

/// <summary>The Functions app's orchestrator and activity functions, run through the embedded backend.</summary>
public sealed class DurableFunctionTests
{
    [Fact]
    public void The_function_methods_registered_on_the_backend_are_exactly_the_catalog()
    {
        var orchestrators = FunctionTaskRegistry.DurableFunctions.Where(f => f.IsOrchestrator).Select(f => f.Name);
        var activities = FunctionTaskRegistry.DurableFunctions.Where(f => !f.IsOrchestrator).Select(f => f.Name);

        Assert.Equal(SwarmTasks.Orchestrators.All.Order(), orchestrators.Order());
        Assert.Equal(SwarmTasks.Activities.All.Order(), activities.Order());
    }

    [Fact]
    public async Task The_function_methods_behave_exactly_as_the_domain_workflows_do()
    {
        await using var domain = await SwarmHost.StartAsync(functions: false);
        await using var functions = await SwarmHost.StartAsync(functions: true);

        var outcomes = await Task.WhenAll(RunScenarioAsync(domain), RunScenarioAsync(functions));

        Assert.Equal(outcomes[0], outcomes[1]);
        Assert.Contains("\"approval\":{\"result\":\"passed\"", outcomes[1], StringComparison.Ordinal);
        Assert.Contains("\"phase\":\"closed\"", outcomes[1], StringComparison.Ordinal);
    }

    /// <summary>
    /// The seed's loop in small: a feature (approved by general consent) and a bug are planned into a sprint; the bug
    /// fails, so the defect rate (50 %) engages Lean, whose process-change motion is objected to and voted 4–1.
    /// The outcome leaves out what legitimately differs between runs (times, cycle times, trace ids).
    /// </summary>
    private static async Task<string> RunScenarioAsync(SwarmHost host)
    {
        const string Team = "fx";
        var commands = host.Services.GetRequiredService<SwarmCommands>();
        var (feature, _) = await commands.ClaimAsync(new ClaimWork(WorkType.Feature, "Checkout", WorkPriority.High, Team, 3), "fx-feature");
        // The bug approves itself at once: claimed after the feature's approval, it joins the planning window the
        // feature opened (a bug claimed first would open it, and the feature's consent could land after it closed).
        await host.WorkAsync(feature.Id, w => w.Status != WorkStatus.Claimed);
        var (bug, _) = await commands.ClaimAsync(new ClaimWork(WorkType.Bug, "Crash on save", WorkPriority.Medium, Team, 2), "fx-bug");
        foreach (var id in new[] { feature.Id, bug.Id })
        {
            await host.WorkAsync(id, w => w.Sprint is not null);
            await commands.ReportProgressAsync(id, 50, null, "fx-progress");
            await host.WorkAsync(id, w => w.Status == WorkStatus.InProgress);
        }

        await commands.CompleteAsync(feature.Id, CompletionStatus.Success, null);
        await commands.CompleteAsync(bug.Id, CompletionStatus.Failed, "no regression test");
        var sprintNumber = (await host.WorkAsync(bug.Id, w => w.Status == WorkStatus.Completed)).Sprint!.Value;
        var sprint = await host.OutputAsync<Sprint>(InstanceIds.Sprint(Team, sprintNumber));

        var projectId = InstanceIds.DefectProjectId(sprintNumber);
        var changeId = InstanceIds.ProcessChangeMotionId(Team, projectId);
        await EmbeddedSwarm.EventuallyAsync(() => TryMotionAsync(commands, changeId), m => m?.State == MotionState.Seconded, "process-change motion seconded");
        await commands.VoteAsync(changeId, "treasurer", VoteChoice.Object, "fx-object");
        await EmbeddedSwarm.EventuallyAsync(() => TryMotionAsync(commands, changeId), m => m?.State == MotionState.Voting, "process-change vote");
        foreach (var (voter, choice) in new[] { ("chair", VoteChoice.Yes), ("secretary", VoteChoice.Yes), ("treasurer", VoteChoice.No), ("member-a", VoteChoice.Yes), ("member-b", VoteChoice.Yes) })
        {
            await commands.VoteAsync(changeId, voter, choice, "fx-vote");
        }

        var project = await host.OutputAsync<LeanProject>(InstanceIds.Lean(Team, projectId));
        var approval = await host.OutputAsync<Motion>(InstanceIds.Motion(InstanceIds.ApprovalMotionId(feature.Id)));
        var change = await host.OutputAsync<Motion>(InstanceIds.Motion(changeId));
        var items = new[] { await commands.GetWorkAsync(feature.Id), await commands.GetWorkAsync(bug.Id) };

        return JsonSerializer.Serialize(
            new
            {
                work = items.Select(w => new { w.Id, w.Type, w.Status, w.Completion, w.FailureReason, w.Decision, w.MotionId, w.Sprint, w.Progress, w.Points }),
                approval = new { approval.Result, approval.Reason, approval.State },
                sprint = new { sprint.Number, sprint.State, sprint.Review, sprint.Improvements, Backlog = sprint.Backlog.Select(i => i.WorkId).Order() },
                lean = new { project.Id, project.Phase, project.Outcome, Measurement = project.Measurement! with { MeanCycleTimeSeconds = 0 }, project.RootCauses, project.Proposal, project.MotionId },
                change = new { change.Result, change.Reason, change.Tally, change.Objections, Votes = change.Votes.OrderBy(v => v.Key) },
            },
            SwarmJson.Options);
    }

    private static async Task<Motion?> TryMotionAsync(SwarmCommands commands, string motionId)
    {
        try
        {
            return await commands.GetMotionAsync(motionId);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>An embedded swarm whose tasks are either the Domain registrations or the Functions app's methods.</summary>
    private sealed class SwarmHost(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        /// <summary>
        /// The fast timings with 3 s windows for objections and planning: the scenario objects to a motion and plans two
        /// items, with two hosts at work in one process on a machine that may be loaded; 1–2 s left too little margin.
        /// </summary>
        private static SwarmOptions Options()
        {
            var options = EmbeddedSwarm.FastOptions();
            options.Governance.ObjectionWindow = TimeSpan.FromSeconds(3);
            options.Scrum.PlanningWindow = TimeSpan.FromSeconds(3);
            return options;
        }

        public static async Task<SwarmHost> StartAsync(bool functions)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning);
            if (functions)
            {
                // As the Functions app composes it: the function methods, and Durable payloads in the worker's JSON convention.
                var services = builder.Services;
                services.AddSwarmAgents();
                services.AddOptions<SwarmOptions>().Configure(Options().CopyTo);
                services.AddSingleton<InProcessAgentEventBus>();
                services.AddSingleton<IAgentEventBus>(sp => sp.GetRequiredService<InProcessAgentEventBus>());
                services.AddRemediationNotices();
                services.AddEmbeddedDurableTask(registry => registry.AddSwarmFunctionMethods());
                services.Configure<DurableTaskWorkerOptions>(o => o.DataConverter = new JsonDataConverter(SwarmJson.Options));
                services.Configure<DurableTaskClientOptions>(o => o.DataConverter = new JsonDataConverter(SwarmJson.Options));
            }
            else
            {
                builder.Services.AddEmbeddedSwarm(configureSwarm: Options().CopyTo);
            }

            var started = builder.Build();
            await started.StartAsync();
            return new SwarmHost(started);
        }

        public Task<WorkItem> WorkAsync(string id, Func<WorkItem, bool> condition) =>
            EmbeddedSwarm.EventuallyAsync(() => Services.GetRequiredService<SwarmCommands>().GetWorkAsync(id), condition, $"work item {id}");

        public async Task<T> OutputAsync<T>(string instanceId)
        {
            var client = Services.GetRequiredService<DurableTaskClient>();
            await EmbeddedSwarm.EventuallyAsync(() => client.GetInstanceAsync(instanceId), i => i is not null, instanceId);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            var done = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            return done.ReadOutputAs<T>()!;
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync(TimeSpan.FromSeconds(10));
            host.Dispose();
        }
    }
}
