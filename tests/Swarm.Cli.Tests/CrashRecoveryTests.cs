using Swarm.Api;
using Swarm.Api.Client;
using Swarm.Domain;
using Swarm.Domain.Remediation;
using Swarm.Domain.Scrum;

namespace Swarm.Cli.Tests;

/// <summary>
/// <c>swarm up</c> on the Azure Storage backend (Azurite) killed with SIGKILL in the middle of the seed scenario, then
/// started again on the same data: every orchestration resumes and the scenario, whose client waits through the
/// restart, finishes with the same outcome as an uninterrupted run, each transition applied once; restarted with
/// Prometheus and Alertmanager, the resumed work waits for Prometheus' first scrape and its failure fires HighDefectRate;
/// an alert that fired and resolved while the host was down is delivered from Prometheus' history, once.
/// </summary>
[Collection(UpCollection.Name)]
public sealed class CrashRecoveryTests
{
    /// <summary>
    /// The Azure Storage provider's lease and message log on the console (kept in the host's test artifact), so that
    /// a take-over that stalls on a loaded machine can be read afterwards.
    /// </summary>
    private static readonly Dictionary<string, string?> PartitionLogging = new()
    {
        ["Swarm__Durable__AzureStorage__LogLevel"] = "Information",
        ["Logging__Console__LogLevel__DurableTask.AzureStorage"] = "Information",
    };

    [Fact]
    public async Task After_kill_9_a_new_swarm_up_on_the_same_data_resumes_the_seed_scenario_with_each_transition_once()
    {
        const string team = "crash";
        var home = Directory.CreateTempSubdirectory("swarm-crash-test-").FullName;
        var port = Cli.FreePort();
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            using var api = new SwarmApiClient(new Uri($"http://127.0.0.1:{port}"), null) { RetryUnreachableFor = TimeSpan.FromMinutes(2) };
            var progress = new System.Collections.Concurrent.ConcurrentQueue<string>();
            Task<DemoReport> scenario;
            var first = await UpStack.StartAsync(home, port, ownsHome: false, "--no-dashboard", "--no-alerting");
            try
            {
                scenario = new SeedScenario(api, team, progress.Enqueue).RunAsync(deadline.Token);

                // Mid-sprint: every item planned into a running sprint, whose end is a durable timer.
                using var probe = new SwarmApiClient(new Uri(first.Api), null);
                var planned = await Cli.EventuallyAsync(
                    async () => (await probe.GetAsync($"work?team={team}", deadline.Token)).Read<WorkList>(),
                    list => list.Count == 5 && list.Items.All(i => i.Sprint is not null),
                    TimeSpan.FromMinutes(1));
                Assert.True(planned.Count == 5 && planned.Items.All(i => i.Sprint is not null), "the scenario's items were not all planned within a minute");
                Assert.False(scenario.IsCompleted, string.Join('\n', progress));

                first.Process.Kill(entireProcessTree: false);
                await first.Process.WaitForExitAsync(deadline.Token);
            }
            finally
            {
                await first.DisposeAsync();
            }

            // The killed run's Azurite is still running with the data: the next run finds it in SWARM_HOME. This one also
            // starts Prometheus and Alertmanager, after the host: resumed work waits for Prometheus' first scrape.
            var restarting = DateTimeOffset.UtcNow;
            await using var second = await UpStack.StartAsync(home, port, ownsHome: false, "--no-dashboard");
            Assert.Contains("reused", second.Output, StringComparison.Ordinal);

            var report = await scenario;

            Assert.Equal(5, report.Work.Count);
            Assert.All(report.Work, w => Assert.Equal(WorkStatus.Completed, w.Status));
            Assert.Single(report.Work, w => w.Completion == CompletionStatus.Failed);
            Assert.Equal(11, report.Sprint.Velocity);
            Assert.Equal(0.2, report.Sprint.DefectRate, 6);
            Assert.StartsWith("process change passed: adopted: 4 yes, 1 no, 0 abstain", report.Project.Outcome, StringComparison.Ordinal);

            // Each transition once: the sprint recorded each item's outcome once, and the agents hold one of everything.
            var sprint = (await api.GetAsync($"teams/{team}/sprints/{report.Sprint.Number}", deadline.Token)).Read<Sprint>();
            Assert.Equal(SprintState.Closed, sprint.State);
            Assert.Equal(5, sprint.Outcomes.Count);
            Assert.Equal(5, sprint.Outcomes.Select(o => o.WorkId).Distinct().Count());
            var all = (await api.GetAsync($"work?team={team}", deadline.Token)).Read<WorkList>();
            Assert.Equal(5, all.Count);
            var agents = (await api.GetAsync("agents", deadline.Token)).Read<AgentStates>();
            Assert.Single(agents.Lean.Projects, p => p.Team == team);
            Assert.DoesNotContain(agents.Roberts.OpenMotions, m => m.Team == team);

            // Every item completed after the restart, the failed one too, under a Prometheus that did not exist before it:
            // it saw the failure counter at 0 first, so HighDefectRate fired and Alertmanager delivered it.
            var incidents = await Cli.EventuallyAsync(
                async () => (await api.GetAsync($"remediations?team={team}", deadline.Token)).Read<IncidentList>(),
                list => list.Items.Any(i => i.Alert == "HighDefectRate"),
                TimeSpan.FromSeconds(60));
            Assert.Contains(incidents.Items, i => i.Alert == "HighDefectRate");

            // The hold that makes that so: no transition of the resumed work ran before Prometheus' first scrape of this host
            // (the scenario's client retries every 500 ms through the restart, so without it the next command ran at once).
            using var prometheus = new HttpClient { BaseAddress = new Uri(second.State.GetProperty("prometheus").GetString()!), Timeout = TimeSpan.FromSeconds(10) };
            using var up = JsonDocument.Parse(await prometheus.GetStringAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString("up{job=\"swarm-agents\"}[10m]"), UriKind.Relative)));
            var firstScrape = up.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
                .SelectMany(series => series.GetProperty("values").EnumerateArray())
                .Select(sample => DateTimeOffset.FromUnixTimeMilliseconds((long)(sample[0].GetDouble() * 1000)))
                .Where(at => at >= restarting)
                .Min();
            var firstResumed = all.Items.SelectMany(w => w.Transitions).Where(t => t.At >= restarting).Min(t => t.At);
            Assert.True(firstResumed >= firstScrape, $"a transition ran at {firstResumed:O}, before Prometheus' first scrape at {firstScrape:O}");
        }
        finally
        {
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
                // Left for the temp folder's owner.
            }
        }
    }

    [Fact]
    public async Task A_demo_whose_process_change_motion_closed_while_swarm_up_was_down_finishes_without_the_vote()
    {
        const string team = "crash-motion";
        var home = Directory.CreateTempSubdirectory("swarm-crash-motion-test-").FullName;
        var port = Cli.FreePort();
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            using var api = new SwarmApiClient(new Uri($"http://127.0.0.1:{port}"), null) { RetryUnreachableFor = TimeSpan.FromMinutes(2) };
            var progress = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var killed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var resume = new ManualResetEventSlim();
            Task<DemoReport> scenario;
            var first = await UpStack.StartAsync(home, port, ownsHome: false, "--no-dashboard", "--no-alerting");
            try
            {
                // On the thread pool, so that the callback below may block its own thread only.
                scenario = Task.Run(() => new SeedScenario(api, team, line =>
                {
                    progress.Enqueue(line);
                    if (line.Contains("roberts opened process-change motion", StringComparison.Ordinal) && !killed.Task.IsCompleted)
                    {
                        // Between the motion's second and the treasurer's objection: the host dies, and the objection window
                        // ends before it is back.
                        first.Process.Kill(entireProcessTree: false);
                        first.Process.WaitForExit();
                        killed.SetResult(line.Split(' ')[^1]);
                        resume.Wait(deadline.Token);
                    }
                }).RunAsync(deadline.Token));
                await Task.WhenAny(killed.Task, scenario).WaitAsync(TimeSpan.FromMinutes(2));
                Assert.True(killed.Task.IsCompleted, string.Join('\n', progress));
            }
            finally
            {
                await first.DisposeAsync();
            }

            await using var second = await UpStack.StartAsync(home, port, ownsHome: false, "--no-dashboard", "--no-alerting");
            using var probe = new SwarmApiClient(new Uri(second.Api), null);
            var motionId = await killed.Task;
            var closed = await Cli.EventuallyAsync(
                async () => (await probe.GetAsync($"motions/{motionId}", deadline.Token)).Read<Swarm.Domain.Roberts.Motion>(),
                m => m.State == Swarm.Domain.Roberts.MotionState.Closed,
                TimeSpan.FromSeconds(60));
            Assert.Equal(Swarm.Domain.Roberts.MotionState.Closed, closed.State);
            resume.Set();

            // The objection is refused (the motion is closed), and the demo goes on with the motion as decided.
            var report = await scenario;
            Assert.Empty(report.Ballots);
            Assert.Equal(Swarm.Domain.Lean.LeanPhase.Closed, report.Project.Phase);
            Assert.Contains(progress, line => line.Contains($"motion {motionId} closed before the treasurer's objection reached it", StringComparison.Ordinal));
            Assert.Equal(5, report.Work.Count);
        }
        finally
        {
            StopLeftovers(home);
        }
    }

    [Fact]
    public async Task After_kill_9_Prometheus_and_Alertmanager_keep_running_and_the_next_swarm_up_replaces_them_once_the_old_Alertmanager_delivered_its_alert()
    {
        var home = Directory.CreateTempSubdirectory("swarm-crash-servers-test-").FullName;
        var port = Cli.FreePort();
        int prometheusPid = 0, alertmanagerPid = 0;
        try
        {
            var first = await UpStack.StartAsync(home, port, ownsHome: false, "--no-dashboard");
            try
            {
                prometheusPid = first.State.GetProperty("prometheusProcessId").GetInt32();
                alertmanagerPid = first.State.GetProperty("alertmanagerProcessId").GetInt32();
                var alertmanager = new Uri(first.State.GetProperty("alertmanager").GetString()!);
                first.Process.Kill(entireProcessTree: false);
                await first.Process.WaitForExitAsync();

                // An alert for Alertmanager to deliver to the dead host: its failed delivery is logged (an error line), which
                // ended Alertmanager with SIGPIPE while its output went into a pipe to swarm up.
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                using var posted = await http.PostAsync(
                    new Uri(alertmanager, "/api/v2/alerts"),
                    new StringContent("""[{"labels":{"alertname":"CrashProbe","team":"crash-servers"},"annotations":{"summary":"a probe"}}]""", System.Text.Encoding.UTF8, "application/json"));
                Assert.True(posted.IsSuccessStatusCode, $"Alertmanager answered {(int)posted.StatusCode}");
                var log = Path.Combine(home, $"alerting-{port}", "alertmanager.log");
                var logged = await Cli.EventuallyAsync(
                    () => Task.FromResult(File.Exists(log) ? File.ReadAllText(log) : string.Empty),
                    text => text.Contains("level=error", StringComparison.Ordinal) || text.Contains("level=ERROR", StringComparison.Ordinal),
                    TimeSpan.FromSeconds(30));
                await Task.Delay(TimeSpan.FromSeconds(2));
                Assert.True(IsRunning(alertmanagerPid), $"Alertmanager (pid {alertmanagerPid}) died after its owner was killed; its log:\n{logged}");
                Assert.True(IsRunning(prometheusPid), $"Prometheus (pid {prometheusPid}) died after its owner was killed");
                Assert.Contains("error", logged, StringComparison.OrdinalIgnoreCase);
            }
            finally
            {
                await first.DisposeAsync();
            }

            await using var second = await UpStack.StartAsync(home, port, ownsHome: false, "--no-dashboard");
            Assert.Contains($"Prometheus (pid {prometheusPid})", second.Output, StringComparison.Ordinal);
            // The crashed run's Alertmanager was kept until this host answered on the same port, and delivered the alert
            // the dead host never got; then it was stopped.
            Assert.Contains($"the crashed run's Alertmanager (pid {alertmanagerPid}) delivered what it held to this host and was stopped", second.Output, StringComparison.Ordinal);
            Assert.False(IsRunning(prometheusPid) || IsRunning(alertmanagerPid), "the leftover servers were not stopped");
            using var api = new SwarmApiClient(new Uri(second.Api), null);
            var incidents = (await api.GetAsync("remediations?team=crash-servers", CancellationToken.None)).Read<IncidentList>();
            Assert.Contains(incidents.Items, i => i.Alert == "CrashProbe");
        }
        finally
        {
            StopLeftovers(home, prometheusPid, alertmanagerPid);
        }
    }

    [Fact]
    public async Task An_alert_that_fired_and_resolved_while_swarm_up_was_down_is_delivered_from_Prometheus_history_once()
    {
        const string team = "crash-replay";
        var home = Directory.CreateTempSubdirectory("swarm-crash-replay-test-").FullName;
        var port = Cli.FreePort();
        int prometheusPid = 0, alertmanagerPid = 0;
        using var watchApi = new SwarmApiClient(new Uri($"http://127.0.0.1:{port}"), null) { RetryUnreachableFor = TimeSpan.FromMinutes(4) };
        using var watching = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var narrated = new System.Collections.Concurrent.ConcurrentQueue<string>();
        AlertLoopWatch watch;
        Task<IncidentSummary> watched;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Uri prometheus;
            var first = await UpStack.StartAsync(home, port, ownsHome: false, "--no-dashboard");
            try
            {
                prometheus = new Uri(first.State.GetProperty("prometheus").GetString()!);
                prometheusPid = first.State.GetProperty("prometheusProcessId").GetInt32();
                alertmanagerPid = first.State.GetProperty("alertmanagerProcessId").GetInt32();
                using var api = new SwarmApiClient(new Uri(first.Api), null);
                await FailOneItemAsync(api, http, prometheus, team);
                // swarm demo's watch of the alert loop, started before the crash and riding out the outage.
                watch = (await AlertLoopWatch.StartAsync(watchApi, team, CancellationToken.None))!;
                watched = watch.WaitAsync(narrated.Enqueue, watching.Token);

                // Killed while HighDefectRate is pending: it fires while the host is down, Alertmanager cannot deliver it, and
                // it resolves once the 20 s window has passed the last sample the dead host gave.
                await Cli.EventuallyAsync(
                    () => QueryAsync(http, prometheus, $"ALERTS{{alertname=\"HighDefectRate\",team=\"{team}\"}}"),
                    result => result.GetArrayLength() > 0,
                    TimeSpan.FromSeconds(20));
                first.Process.Kill(entireProcessTree: false);
                await first.Process.WaitForExitAsync();
            }
            finally
            {
                await first.DisposeAsync();
            }

            var fired = await Cli.EventuallyAsync(
                () => QueryAsync(http, prometheus, $"ALERTS{{alertname=\"HighDefectRate\",team=\"{team}\",alertstate=\"firing\"}}"),
                result => result.GetArrayLength() > 0,
                TimeSpan.FromSeconds(20));
            Assert.True(fired.GetArrayLength() > 0, "HighDefectRate did not fire after the host was killed");
            var resolved = await Cli.EventuallyAsync(
                () => QueryAsync(http, prometheus, $"ALERTS{{alertname=\"HighDefectRate\",team=\"{team}\"}}"),
                result => result.GetArrayLength() == 0,
                TimeSpan.FromSeconds(60));
            Assert.Equal(0, resolved.GetArrayLength());

            await using (var second = await UpStack.StartAsync(home, port, ownsHome: false, "--no-dashboard"))
            {
                const string line = "delivered from Prometheus' history an alert that fired and resolved while the host was down: HighDefectRate";
                await Cli.EventuallyAsync(() => Task.FromResult(second.Output), output => output.Contains(line, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                Assert.Contains($"{line} {{severity=\"warning\", team=\"{team}\"}}", second.Output, StringComparison.Ordinal);

                // One incident, opened by the firing and closed by the resolution, under Alertmanager's fingerprint of the alert.
                using var api = new SwarmApiClient(new Uri(second.Api), null);
                var incident = (await Cli.EventuallyAsync(
                    async () => (await api.GetAsync($"remediations?team={team}", CancellationToken.None)).Read<IncidentList>(),
                    list => list.Items.Any(i => i.State == RemediationState.Resolved),
                    TimeSpan.FromSeconds(30))).Items.Single();
                Assert.Equal(("HighDefectRate", RemediationState.Resolved, 2), (incident.Alert, incident.State, incident.Deliveries));
                var fingerprint = Swarm.Local.Servers.MissedAlerts.Fingerprint(new Dictionary<string, string> { ["alertname"] = "HighDefectRate", ["severity"] = "warning", ["team"] = team });
                Assert.Equal([$"alertmanager:{fingerprint}"], incident.Sources);
                Assert.DoesNotContain("were not all delivered", second.Output, StringComparison.Ordinal);
                // The demo's narration says who delivered it: not Alertmanager.
                Assert.Equal(incident.Id, (await watched.WaitAsync(TimeSpan.FromSeconds(30))).Id);
                Assert.StartsWith($"prometheus: HighDefectRate fired and resolved for team {team} while the host was down; swarm up delivers it from Prometheus' rule history", narrated.First(), StringComparison.Ordinal);
            }

            // The next start replays from where this one ended: nothing twice.
            await using var third = await UpStack.StartAsync(home, port, ownsHome: false, "--no-dashboard");
            await Cli.EventuallyAsync(
                () => Task.FromResult(File.Exists(Path.Combine(home, $"alerting-{port}", Swarm.Local.Servers.AlertingServers.ReplayedThroughFile))
                    ? File.GetLastWriteTimeUtc(Path.Combine(home, $"alerting-{port}", Swarm.Local.Servers.AlertingServers.ReplayedThroughFile))
                    : DateTime.MinValue),
                written => written > third.Process.StartTime.ToUniversalTime(),
                TimeSpan.FromSeconds(30));
            using var again = new SwarmApiClient(new Uri(third.Api), null);
            var after = (await again.GetAsync($"remediations?team={team}", CancellationToken.None)).Read<IncidentList>();
            Assert.Equal(2, after.Items.Single().Deliveries);
            Assert.DoesNotContain("while the host was down", third.Output, StringComparison.Ordinal);
        }
        finally
        {
            StopLeftovers(home, prometheusPid, alertmanagerPid);
        }
    }

    [Fact]
    public async Task An_incident_opened_through_an_Alertmanager_that_was_killed_and_restarted_gets_its_resolution_from_Prometheus_history()
    {
        const string team = "crash-resolution";
        var home = Directory.CreateTempSubdirectory("swarm-crash-resolution-test-").FullName;
        var port = Cli.FreePort();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await using var stack = await UpStack.StartAsync(home, port, ownsHome: false, "--no-dashboard");
            var prometheus = new Uri(stack.State.GetProperty("prometheus").GetString()!);
            var alertmanagerPid = stack.State.GetProperty("alertmanagerProcessId").GetInt32();
            using var api = new SwarmApiClient(new Uri(stack.Api), null);
            await FailOneItemAsync(api, http, prometheus, team);

            // Alertmanager delivers the firing, then dies: the supervisor restarts it, without the notification log that
            // would have made it send the resolution (Prometheus resends a firing alert only after a minute).
            var opened = await Cli.EventuallyAsync(
                async () => (await api.GetAsync($"remediations?team={team}", CancellationToken.None)).Read<IncidentList>(),
                list => list.Items.Any(i => i is { Alert: "HighDefectRate", State: RemediationState.Monitoring }),
                TimeSpan.FromSeconds(30));
            Assert.Equal(RemediationState.Monitoring, opened.Items.Single().State);
            using (var kill = System.Diagnostics.Process.Start("kill", ["-KILL", alertmanagerPid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await Cli.EventuallyAsync(() => Task.FromResult(stack.Output), o => o.Contains("alertmanager stopped answering; restarting it once", StringComparison.Ordinal), TimeSpan.FromSeconds(20));

            // The alert resolves once its 20 s window has passed the failure; no Alertmanager sends that, swarm up does.
            var resolved = await Cli.EventuallyAsync(
                async () => (await api.GetAsync($"remediations?team={team}", CancellationToken.None)).Read<IncidentList>().Items.Single(),
                incident => incident.State == RemediationState.Resolved,
                TimeSpan.FromSeconds(90));
            Assert.Equal(RemediationState.Resolved, resolved.State);
            Assert.Equal(0, resolved.StillFiring);
            Assert.Contains($"delivered a resolution Alertmanager did not send: HighDefectRate {{severity=\"warning\", team=\"{team}\"}}", stack.Output, StringComparison.Ordinal);
        }
        finally
        {
            StopLeftovers(home);
        }
    }

    /// <summary>
    /// Claims a task for <paramref name="team"/>, waits until it is planned and Prometheus has its completion counters
    /// (at 0), then fails it: <c>HighDefectRate</c> goes pending within a few seconds (demo timers).
    /// </summary>
    private static async Task FailOneItemAsync(SwarmApiClient api, HttpClient http, Uri prometheus, string team)
    {
        var id = (await api.PostAsync("work", new { type = "task", title = "Failing probe", team, priority = "medium", points = 1 }, null, CancellationToken.None))
            .Read<JsonElement>().GetProperty("id").GetString();
        var planned = await Cli.EventuallyAsync(
            async () => (await api.GetAsync($"work/{id}", CancellationToken.None)).Read<WorkItem>().Status,
            status => status == WorkStatus.Planned,
            TimeSpan.FromSeconds(30));
        Assert.Equal(WorkStatus.Planned, planned);
        await api.PostAsync($"work/{id}/progress", new { percent = 50 }, null, CancellationToken.None);
        var started = await Cli.EventuallyAsync(
            async () => (await api.GetAsync($"work/{id}", CancellationToken.None)).Read<WorkItem>().Status,
            status => status == WorkStatus.InProgress,
            TimeSpan.FromSeconds(30));
        Assert.Equal(WorkStatus.InProgress, started);
        await Cli.EventuallyAsync(
            () => QueryAsync(http, prometheus, $"swarm_work_items_total{{team=\"{team}\"}}"),
            result => result.GetArrayLength() > 0,
            TimeSpan.FromSeconds(20));
        await api.PostAsync($"work/{id}/complete", new { status = "failed", reason = "probe" }, null, CancellationToken.None);
    }

    /// <summary>An instant query's result (an array of series) from Prometheus' HTTP API.</summary>
    private static async Task<JsonElement> QueryAsync(HttpClient http, Uri prometheus, string query)
    {
        using var answer = JsonDocument.Parse(await http.GetStringAsync(new Uri(prometheus, "/api/v1/query?query=" + Uri.EscapeDataString(query))));
        return answer.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>Whatever a failed test left running — the crashed run's Prometheus and Alertmanager and the home's Azurite — is killed, and the home deleted.</summary>
    private static void StopLeftovers(string home, params int[] serverPids)
    {
        var azurite = Path.Combine(home, "azurite.json");
        var azuritePid = File.Exists(azurite) ? JsonDocument.Parse(File.ReadAllText(azurite)).RootElement.GetProperty("processId").GetInt32() : 0;
        foreach (var pid in serverPids.Append(azuritePid).Where(pid => pid > 0 && IsRunning(pid)))
        {
            using var leftover = System.Diagnostics.Process.GetProcessById(pid);
            leftover.Kill();
        }

        try
        {
            Directory.Delete(home, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp folder's owner.
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_joined_host_on_the_same_task_hub_finishes_the_scenario_after_the_first_host_is_killed()
    {
        const string team = "scale";
        var home = Directory.CreateTempSubdirectory("swarm-scale-test-").FullName;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var first = await UpStack.StartAsync(home, Cli.FreePort(), ownsHome: false, PartitionLogging, "--no-dashboard", "--no-alerting");
            UpStack? second = null;
            try
            {
                second = await UpStack.StartAsync(home, Cli.FreePort(), ownsHome: false, PartitionLogging, "--join");
                Assert.Contains("reused", second.Output, StringComparison.Ordinal);
                Assert.DoesNotContain("Prometheus", second.Output, StringComparison.Ordinal);

                // The scenario talks to the second host; the orchestrations run wherever the hub's partitions are leased.
                using var api = new SwarmApiClient(new Uri(second.Api), null);
                var scenario = new SeedScenario(api, team).RunAsync(deadline.Token);
                var planned = await Cli.EventuallyAsync(
                    async () => (await api.GetAsync($"work?team={team}", deadline.Token)).Read<WorkList>(),
                    list => list.Count == 5 && list.Items.All(i => i.Sprint is not null),
                    TimeSpan.FromMinutes(1));
                Assert.True(planned.Count == 5 && planned.Items.All(i => i.Sprint is not null), "the scenario's items were not all planned within a minute");

                first.Process.Kill(entireProcessTree: false);
                await first.Process.WaitForExitAsync(deadline.Token);

                // The first host's leases expire (30 s) and the second takes its partitions over.
                var report = await scenario;

                Assert.Equal(5, report.Work.Count);
                Assert.All(report.Work, w => Assert.Equal(WorkStatus.Completed, w.Status));
                Assert.Equal(11, report.Sprint.Velocity);
                Assert.StartsWith("process change passed", report.Project.Outcome, StringComparison.Ordinal);
                var sprint = (await api.GetAsync($"teams/{team}/sprints/{report.Sprint.Number}", deadline.Token)).Read<Sprint>();
                Assert.Equal(5, sprint.Outcomes.Select(o => o.WorkId).Distinct().Count());
                Assert.Equal(5, sprint.Outcomes.Count);
            }
            finally
            {
                await first.DisposeAsync();
                if (second is not null)
                {
                    await second.DisposeAsync();
                }
            }

            // The last host to stop stopped the Azurite the killed one had started.
            Assert.False(File.Exists(Path.Combine(home, "azurite.json")), "azurite.json is left behind: Azurite may still run");
        }
        finally
        {
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
                // Left for the temp folder's owner.
            }
        }
    }
}
