using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Domain;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Local;
using Swarm.Local.Servers;
using Swarm.Local.Web;

namespace Swarm.EndToEnd.Tests;

/// <summary>
/// The loop closed against real servers: the embedded host exports its metrics, Prometheus (Debian package) scrapes
/// them and evaluates <c>local/prometheus/rules.yml</c> with windows in seconds (as <c>swarm up --demo-timers</c> runs it), Alertmanager (Debian package) posts
/// HighDefectRate to <c>/api/alerts</c> with a bearer key, and the remediation starts a Lean project (or joins the team's
/// open one) whose proposal becomes a process-change motion.
/// </summary>
public sealed class AlertLoopTests : IAsyncLifetime, IDisposable
{
    private const string ApiKey = "e2e-alert-loop-key";
    private const string Team = "loop";
    private readonly string _work = Directory.CreateTempSubdirectory("swarm-alert-loop-").FullName;
    private WebApplication _swarm = null!;
    private AlertingServers? _alerting;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _swarm = SwarmWebApp.Build(
        [
            "--Swarm:Port=0",
            $"--Swarm:ApiKey={ApiKey}",
            "--Swarm:Governance:ObjectionWindow=00:00:01",
            "--Swarm:Governance:SecondingDeadline=00:00:05",
            "--Swarm:Governance:VotingDeadline=00:00:05",
            "--Swarm:Scrum:PlanningWindow=00:00:03",
            "--Swarm:Scrum:SprintLength=00:05:00",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _swarm.StartAsync();
        var address = _swarm.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _api = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(10) };
        _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        var swarmPort = new Uri(address).Port;

        // The servers as `swarm up` runs them: the repository's rules and routing, rewritten for these ports and this key,
        // every window and wait in seconds.
        _alerting = await AlertingServers.StartAsync(
            _work, swarmPort, ApiKey, demoTimers: true, prometheusPort: LoopbackPort.Free(), alertmanagerPort: LoopbackPort.Free());
        Assert.Contains(ApiKey, await File.ReadAllTextAsync(Path.Combine(_work, $"alerting-{swarmPort}", "alertmanager.yml")));
    }

    public void Dispose() => _api?.Dispose();

    public async Task DisposeAsync()
    {
        if (_alerting is not null)
        {
            await _alerting.DisposeAsync();
        }

        await _swarm.StopAsync();
        await _swarm.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task A_high_defect_rate_fires_through_prometheus_and_alertmanager_and_starts_lean_and_a_process_change_vote()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        // Claimed together: all six must reach the team inside the planning window the first one opens.
        var ids = (await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var response = await _api.PostAsJsonAsync("/api/work", new { type = "task", title = $"Loop item {i}", priority = "medium", team = Team }, deadline.Token);
            Assert.Equal(202, (int)response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>(deadline.Token)).GetProperty("id").GetString()!;
        }))).ToList();

        foreach (var id in ids)
        {
            await UntilAsync(async () => (await GetWorkAsync(id, deadline.Token)).GetProperty("status").GetString() == "planned", $"{id} planned", null, deadline.Token);
            Assert.Equal(202, (int)(await _api.PostAsJsonAsync($"/api/work/{id}/progress", new { percent = 50 }, deadline.Token)).StatusCode);
            await UntilAsync(async () => (await GetWorkAsync(id, deadline.Token)).GetProperty("status").GetString() == "in-progress", $"{id} in progress", null, deadline.Token);
        }

        // A first success and failure, scraped before the rest: increase() needs a series to exist before it grows.
        await CompleteAsync(ids[0], "success", deadline.Token);
        await CompleteAsync(ids[1], "failed", deadline.Token);
        await UntilAsync(async () => await QueryAsync($"swarm_work_items_total{{team=\"{Team}\",completion_status=\"failed\"}}", deadline.Token) > 0, "failed series scraped", null, deadline.Token);
        await CompleteAsync(ids[2], "success", deadline.Token);
        foreach (var id in ids.Skip(3))
        {
            await CompleteAsync(id, "failed", deadline.Token);
        }

        var client = _swarm.Services.GetRequiredService<DurableTaskClient>();
        // The incident names its Lean project: one of its own (alert-…), or the sprint review's (defect-sprint{n}) when
        // that was open or closed within a sprint length as the alert arrived — one defect, one project
        // (docs/remediation-policy.md).
        string? projectId = null;
        await UntilAsync(
            async () =>
            {
                projectId = (await IncidentsAsync(deadline.Token))
                    .Select(i => i.TryGetProperty("leanProjectId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null)
                    .FirstOrDefault(id => id is not null);
                return projectId is not null;
            },
            "a Lean project named by the HighDefectRate incident",
            () => $"prometheus:\n{_alerting!.Prometheus.Output}\nalertmanager:\n{_alerting!.Alertmanager.Output}",
            deadline.Token);

        var done = await client.WaitForInstanceCompletionAsync(InstanceIds.Lean(Team, projectId!), getInputsAndOutputs: true, deadline.Token);
        var closed = done.ReadOutputAs<LeanProject>()!;
        Assert.Equal(LeanPhase.Closed, closed.Phase);
        if (projectId!.StartsWith("alert-", StringComparison.Ordinal))
        {
            Assert.NotNull(closed.AlertId);
            Assert.Contains("alert HighDefectRate (alertmanager)", closed.Charter.Trigger);
        }

        var motion = (await client.WaitForInstanceCompletionAsync(InstanceIds.Motion(closed.MotionId!), getInputsAndOutputs: true, deadline.Token)).ReadOutputAs<Motion>()!;
        Assert.Equal(MotionKind.ProcessChange, motion.Kind);
        Assert.Equal(MotionResult.Passed, motion.Result);
        Assert.Equal(closed.Id, motion.LeanProjectId);

        var agents = await _api.GetFromJsonAsync<JsonElement>("/api/agents", deadline.Token);
        Assert.Equal(JsonValueKind.Object, agents.ValueKind);

        // Prometheus (exemplar storage on) keeps the duration histogram's trace exemplars from /metrics.
        using (var prometheus = new HttpClient { BaseAddress = _alerting!.PrometheusUrl, Timeout = TimeSpan.FromSeconds(10) })
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var exemplars = await prometheus.GetFromJsonAsync<JsonElement>(
                $"/api/v1/query_exemplars?query=swarm_agent_span_processing_duration_seconds_bucket&start={now - 600}&end={now + 60}", deadline.Token);
            var traceIds = exemplars.GetProperty("data").EnumerateArray()
                .SelectMany(series => series.GetProperty("exemplars").EnumerateArray())
                .Select(e => e.GetProperty("labels").GetProperty("trace_id").GetString())
                .ToList();
            Assert.NotEmpty(traceIds);
            Assert.All(traceIds, id => Assert.Matches("^[0-9a-f]{32}$", id));
        }

        // The rule flaps: the failures leave its 20-s window, it resolves and the incident closes; new failures fire it
        // again during the cooldown (a sprint length), which is recorded and suppressed — still one Lean project.
        await UntilAsync(
            async () => (await IncidentsAsync(deadline.Token)).Any(i => i.GetProperty("state").GetString() == "resolved"),
            "the HighDefectRate incident closed after the alert resolved",
            () => $"prometheus:\n{_alerting!.Prometheus.Output}\nalertmanager:\n{_alerting!.Alertmanager.Output}",
            deadline.Token);
        var again = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var response = await _api.PostAsJsonAsync("/api/work", new { type = "task", title = $"Loop again {i}", priority = "medium", team = Team }, deadline.Token);
            again.Add((await response.Content.ReadFromJsonAsync<JsonElement>(deadline.Token)).GetProperty("id").GetString()!);
        }

        foreach (var id in again)
        {
            await UntilAsync(async () => (await GetWorkAsync(id, deadline.Token)).GetProperty("status").GetString() == "planned", $"{id} planned", null, deadline.Token);
            await _api.PostAsJsonAsync($"/api/work/{id}/progress", new { percent = 50 }, deadline.Token);
            await UntilAsync(async () => (await GetWorkAsync(id, deadline.Token)).GetProperty("status").GetString() == "in-progress", $"{id} in progress", null, deadline.Token);
            await CompleteAsync(id, "failed", deadline.Token);
        }

        await UntilAsync(
            async () => (await IncidentsAsync(deadline.Token)).Any(i => i.GetProperty("suppressed").GetInt32() >= 1),
            "the second firing suppressed by the cooldown",
            () => $"prometheus:\n{_alerting!.Prometheus.Output}\nalertmanager:\n{_alerting!.Alertmanager.Output}",
            deadline.Token);
        var incidents = await IncidentsAsync(deadline.Token);
        Assert.Single(incidents);
        var projects = new List<string>();
        await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = InstanceIds.Lean(Team, "alert-") }))
        {
            projects.Add(instance.InstanceId);
        }

        Assert.True(projects.Count <= 1, $"Lean projects started by the alert: {string.Join(", ", projects)}");
    }

    private async Task<List<JsonElement>> IncidentsAsync(CancellationToken cancellationToken) =>
        [.. (await _api.GetFromJsonAsync<JsonElement>($"/api/remediations?team={Team}&policy=lean-project", cancellationToken)).GetProperty("items").EnumerateArray()];

    [Fact]
    public async Task Every_grafana_panel_query_is_valid_promql_against_the_real_prometheus()
    {
        var dashboard = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("local", "grafana", "dashboards", "swarm-agents.json")));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var expr = panel.GetProperty("targets")[0].GetProperty("expr").GetString()!;
            var answer = await http.GetFromJsonAsync<JsonElement>(new Uri(_alerting!.PrometheusUrl, $"/api/v1/query?query={Uri.EscapeDataString(expr)}"));
            Assert.True(answer.GetProperty("status").GetString() == "success", $"{panel.GetProperty("title")}: {answer}");
        }
    }

    private async Task<JsonElement> GetWorkAsync(string id, CancellationToken cancellationToken) =>
        await _api.GetFromJsonAsync<JsonElement>($"/api/work/{id}", cancellationToken);

    private async Task CompleteAsync(string id, string status, CancellationToken cancellationToken)
    {
        var response = await _api.PostAsJsonAsync($"/api/work/{id}/complete", new { status, reason = status == "failed" ? "flaky integration" : null }, cancellationToken);
        Assert.Equal(202, (int)response.StatusCode);
    }

    private async Task<double> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var answer = await http.GetFromJsonAsync<JsonElement>(new Uri(_alerting!.PrometheusUrl, $"/api/v1/query?query={Uri.EscapeDataString(promql)}"), cancellationToken);
        var result = answer.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? 0 : double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, Func<string>? diagnostics, CancellationToken cancellationToken)
    {
        try
        {
            while (!await condition())
            {
                await Task.Delay(200, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} did not happen in time.\n{diagnostics?.Invoke()}");
        }
    }
}
