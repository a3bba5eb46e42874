using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Domain;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Local.Web;

namespace Swarm.EndToEnd.Tests;

/// <summary>
/// The loop closed against real servers: the embedded host exports its metrics, Prometheus (Debian package) scrapes
/// them and evaluates a seconds-scale copy of <c>local/prometheus/rules.yml</c>, Alertmanager (Debian package) posts
/// HighDefectRate to <c>/api/alerts</c> with a bearer key, and the remediation starts a Lean project whose proposal
/// becomes a process-change motion.
/// </summary>
public sealed partial class AlertLoopTests : IAsyncLifetime, IDisposable
{
    private const string ApiKey = "e2e-alert-loop-key";
    private const string Team = "loop";
    private readonly string _work = Directory.CreateTempSubdirectory("swarm-alert-loop-").FullName;
    private WebApplication _swarm = null!;
    private LocalServer? _prometheus;
    private LocalServer? _alertmanager;
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
            "--Swarm:Scrum:PlanningWindow=00:00:01",
            "--Swarm:Scrum:SprintLength=00:05:00",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _swarm.StartAsync();
        var address = _swarm.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _api = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(10) };
        _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        var swarmPort = new Uri(address).Port;

        var alertmanagerPort = LocalServer.FreePort();
        var alertmanagerConfig = File.ReadAllText(Repository.PathOf("local", "alertmanager", "alertmanager.yml"))
            .Replace("http://127.0.0.1:7071/api/alerts", $"http://127.0.0.1:{swarmPort}/api/alerts", StringComparison.Ordinal)
            .Replace("        # http_config:\n        #   authorization:\n        #     type: Bearer\n        #     credentials: <the Swarm:ApiKey value>",
                $"        http_config:\n          authorization:\n            type: Bearer\n            credentials: {ApiKey}", StringComparison.Ordinal);
        alertmanagerConfig = Seconds(alertmanagerConfig);
        Assert.Contains(ApiKey, alertmanagerConfig);
        await File.WriteAllTextAsync(Path.Combine(_work, "alertmanager.yml"), alertmanagerConfig);
        _alertmanager = await LocalServer.StartAsync(
            "prometheus-alertmanager",
            alertmanagerPort,
            $"--config.file={_work}/alertmanager.yml --storage.path={_work}/am-data --web.listen-address=127.0.0.1:{alertmanagerPort} --cluster.listen-address=",
            TimeSpan.FromSeconds(30));

        var prometheusPort = LocalServer.FreePort();
        await File.WriteAllTextAsync(Path.Combine(_work, "rules.yml"), Seconds(File.ReadAllText(Repository.PathOf("local", "prometheus", "rules.yml"))));
        var prometheusConfig = File.ReadAllText(Repository.PathOf("local", "prometheus", "prometheus.yml"))
            .Replace("scrape_interval: 15s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("evaluation_interval: 15s", "evaluation_interval: 1s", StringComparison.Ordinal)
            .Replace("127.0.0.1:9093", $"127.0.0.1:{alertmanagerPort}", StringComparison.Ordinal)
            .Replace("127.0.0.1:7071", $"127.0.0.1:{swarmPort}", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(_work, "prometheus.yml"), prometheusConfig);
        _prometheus = await LocalServer.StartAsync(
            "prometheus",
            prometheusPort,
            $"--config.file={_work}/prometheus.yml --storage.tsdb.path={_work}/prom-data --web.listen-address=127.0.0.1:{prometheusPort}",
            TimeSpan.FromSeconds(30));
    }

    public void Dispose() => _api?.Dispose();

    public async Task DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_alertmanager is not null)
        {
            await _alertmanager.DisposeAsync();
        }

        await _swarm.StopAsync();
        await _swarm.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task A_high_defect_rate_fires_through_prometheus_and_alertmanager_and_starts_lean_and_a_process_change_vote()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var response = await _api.PostAsJsonAsync("/api/work", new { type = "task", title = $"Loop item {i}", priority = "medium", team = Team }, deadline.Token);
            Assert.Equal(202, (int)response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>(deadline.Token)).GetProperty("id").GetString()!);
        }

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
        OrchestrationMetadata? lean = null;
        await UntilAsync(
            async () =>
            {
                await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = InstanceIds.Lean(Team, "alert-"), FetchInputsAndOutputs = true }))
                {
                    lean = instance;
                }

                return lean is not null;
            },
            "a Lean project started by the HighDefectRate alert",
            () => $"prometheus:\n{_prometheus!.Output}\nalertmanager:\n{_alertmanager!.Output}",
            deadline.Token);

        var project = lean!.ReadInputAs<LeanProject>()!;
        Assert.NotNull(project.AlertId);
        Assert.Contains("alert HighDefectRate (alertmanager)", project.Charter.Trigger);
        var done = await client.WaitForInstanceCompletionAsync(lean.InstanceId, getInputsAndOutputs: true, deadline.Token);
        var closed = done.ReadOutputAs<LeanProject>()!;
        Assert.Equal(LeanPhase.Closed, closed.Phase);
        var motion = (await client.WaitForInstanceCompletionAsync(InstanceIds.Motion(closed.MotionId!), getInputsAndOutputs: true, deadline.Token)).ReadOutputAs<Motion>()!;
        Assert.Equal(MotionKind.ProcessChange, motion.Kind);
        Assert.Equal(MotionResult.Passed, motion.Result);
        Assert.Equal(closed.Id, motion.LeanProjectId);

        var agents = await _api.GetFromJsonAsync<JsonElement>("/api/agents", deadline.Token);
        Assert.Equal(JsonValueKind.Object, agents.ValueKind);
    }

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
            var answer = await http.GetFromJsonAsync<JsonElement>(new Uri(_prometheus!.BaseAddress, $"/api/v1/query?query={Uri.EscapeDataString(expr)}"));
            Assert.True(answer.GetProperty("status").GetString() == "success", $"{panel.GetProperty("title")}: {answer}");
        }
    }

    /// <summary>The test copy of the rules and routing: every window and wait in seconds.</summary>
    private static string Seconds(string yaml)
    {
        yaml = RangeWindow().Replace(yaml, "[20s]");
        yaml = ForClause().Replace(yaml, "for: 1s");
        return yaml
            .Replace("group_wait: 10s", "group_wait: 1s", StringComparison.Ordinal)
            .Replace("group_interval: 1m", "group_interval: 1s", StringComparison.Ordinal);
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
        var answer = await http.GetFromJsonAsync<JsonElement>(new Uri(_prometheus!.BaseAddress, $"/api/v1/query?query={Uri.EscapeDataString(promql)}"), cancellationToken);
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

    [GeneratedRegex(@"\[(\d+[smhd])\]")]
    private static partial Regex RangeWindow();

    [GeneratedRegex(@"for: \d+[smhd]")]
    private static partial Regex ForClause();
}
