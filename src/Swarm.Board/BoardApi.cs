using Microsoft.Extensions.Options;
using Swarm.Api;
using Swarm.Api.Client;
using Swarm.Domain.Lean;
using Swarm.Domain.Roberts;
using Swarm.Domain.Scrum;

namespace Swarm.Board;

/// <summary>
/// The board's only way to the agents: the Swarm HTTP API through <see cref="SwarmApiClient"/> (function key as
/// <c>x-functions-key</c>). A refused call throws <see cref="ServerProblemException"/> with the API's problem details,
/// which the pages show as they are.
/// </summary>
public sealed class BoardApi(IOptions<BoardOptions> options) : IDisposable
{
    private SwarmApiClient _client = new(options.Value.ApiUrl, options.Value.Key, TimeSpan.FromSeconds(15));

    public BoardOptions Options => options.Value;

    /// <summary>The key this board session sends (<see cref="BoardOptions.Key"/> until the user enters another).</summary>
    public string? Key { get; private set; } = options.Value.Key;

    /// <summary>Sends <paramref name="key"/> from now on (null or blank: none) for this session only.</summary>
    public void UseKey(string? key)
    {
        Key = string.IsNullOrWhiteSpace(key) ? null : key.Trim();
        var previous = _client;
        _client = new SwarmApiClient(Options.ApiUrl, Key, TimeSpan.FromSeconds(15));
        previous.Dispose();
    }

    public Task<JsonElement> AgentsAsync(CancellationToken ct) => ReadAsync<JsonElement>("agents", ct);

    public Task<AgentObjectList<Motion>> MotionsAsync(string state, CancellationToken ct) => ReadAsync<AgentObjectList<Motion>>($"motions?state={state}", ct);

    public Task<AgentObjectList<LeanProject>> LeanProjectsAsync(CancellationToken ct) => ReadAsync<AgentObjectList<LeanProject>>("lean/projects", ct);

    public Task<AgentObjectList<Sprint>> SprintsAsync(string team, CancellationToken ct) => ReadAsync<AgentObjectList<Sprint>>($"teams/{Uri.EscapeDataString(team)}/sprints", ct);

    /// <summary>Work items, oldest claim first, of <paramref name="team"/> and in <paramref name="status"/> when given (the API validates both); every page.</summary>
    public Task<WorkList> WorkAsync(string? team, string? status, CancellationToken ct)
    {
        var query = new List<string>();
        if (!string.IsNullOrWhiteSpace(team))
        {
            query.Add($"team={Uri.EscapeDataString(team.Trim())}");
        }

        if (!string.IsNullOrWhiteSpace(status))
        {
            query.Add($"status={Uri.EscapeDataString(status.Trim())}");
        }

        return WorkList.AllAsync(string.Join('&', query), path => ReadAsync<WorkList>(path, ct));
    }

    public Task<JsonElement> RemediationsAsync(CancellationToken ct) => ReadAsync<JsonElement>("remediations", ct);

    public Task<JsonElement> RemediationAsync(string id, CancellationToken ct) => ReadAsync<JsonElement>($"remediations/{Uri.EscapeDataString(id)}", ct);

    public Task<InstanceList> InstancesAsync(string? status, string? name, string? prefix, CancellationToken ct, string? waitingOn = null)
    {
        var query = new List<string> { "max=200" };
        if (!string.IsNullOrWhiteSpace(waitingOn))
        {
            query.Add($"waitingOn={Uri.EscapeDataString(waitingOn.Trim())}");
        }

        if (!string.IsNullOrWhiteSpace(status))
        {
            query.Add($"status={Uri.EscapeDataString(status)}");
        }

        if (!string.IsNullOrWhiteSpace(name))
        {
            query.Add($"name={Uri.EscapeDataString(name)}");
        }

        if (!string.IsNullOrWhiteSpace(prefix))
        {
            query.Add($"prefix={Uri.EscapeDataString(prefix)}");
        }

        return ReadAsync<InstanceList>($"instances?{string.Join('&', query)}", ct);
    }

    public Task<InstanceDetail> InstanceAsync(string id, CancellationToken ct) => ReadAsync<InstanceDetail>($"instances/{Uri.EscapeDataString(id)}", ct);

    /// <summary>Casts <paramref name="choice"/> (<c>yes</c>, <c>no</c>, <c>abstain</c>, <c>object</c>, <c>second</c>) for <paramref name="voter"/> on a motion.</summary>
    public async Task<Motion> VoteAsync(string motionId, string voter, string choice, CancellationToken ct) =>
        (await _client.PostAsync($"motions/{Uri.EscapeDataString(motionId)}/votes", new VoteRequest(voter, choice), null, ct)).Read<Motion>();

    /// <summary>One work item (<c>GET /api/work/{id}</c>); a 404 problem when unknown.</summary>
    public Task<WorkItem> WorkItemAsync(string id, CancellationToken ct) => ReadAsync<WorkItem>($"work/{Uri.EscapeDataString(id)}", ct);

    /// <summary>Reports <paramref name="percent"/> (0–100) and an optional blocker on a planned or in-progress item.</summary>
    public async Task<WorkItem> ReportProgressAsync(string id, int percent, string? blocker, CancellationToken ct) =>
        (await _client.PostAsync($"work/{Uri.EscapeDataString(id)}/progress", new ProgressRequest(percent, blocker), null, ct)).Read<WorkItem>();

    /// <summary>Completes an in-progress item as <paramref name="status"/> (<c>success</c> or <c>failed</c>, with a reason).</summary>
    public async Task<WorkItem> CompleteAsync(string id, string status, string? reason, CancellationToken ct) =>
        (await _client.PostAsync($"work/{Uri.EscapeDataString(id)}/complete", new CompleteRequest(status, reason), null, ct)).Read<WorkItem>();

    public async Task<InstanceActionOutcome> TerminateAsync(string id, string reason, CancellationToken ct) =>
        (await _client.PostAsync($"instances/{Uri.EscapeDataString(id)}/terminate", new TerminateRequest(reason), null, ct)).Read<InstanceActionOutcome>();

    public async Task<InstanceActionOutcome> RestartAsync(string id, CancellationToken ct) =>
        (await _client.PostAsync($"instances/{Uri.EscapeDataString(id)}/restart", new { }, null, ct)).Read<InstanceActionOutcome>();

    public async Task<InstanceActionOutcome> RaiseAsync(string id, string name, JsonElement? data, CancellationToken ct) =>
        (await _client.PostAsync($"instances/{Uri.EscapeDataString(id)}/events/{Uri.EscapeDataString(name)}", new RaiseEventRequest(data), null, ct)).Read<InstanceActionOutcome>();

    public void Dispose() => _client.Dispose();

    private async Task<T> ReadAsync<T>(string path, CancellationToken ct) => (await _client.GetAsync(path, ct)).Read<T>();
}
