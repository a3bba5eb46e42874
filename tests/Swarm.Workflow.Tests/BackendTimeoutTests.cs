using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Swarm.Api;
using Swarm.Domain;
using Swarm.Local.Durable;
using Swarm.Local.Servers;

namespace Swarm.Workflow.Tests;

/// <summary>
/// An API request never hangs on a backend that does not answer: with the host's Azurite frozen (SIGSTOP: it keeps its
/// port and answers nothing), reads and commands get a 503 <c>backend-unavailable</c> within
/// <c>Swarm:RequestTimeout</c>; once it thaws, the same requests succeed and a claim retried with its
/// <c>Idempotency-Key</c> exists once.
/// </summary>
public sealed class BackendTimeoutTests : IAsyncLifetime
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private readonly string _home = Directory.CreateTempSubdirectory("swarm-timeout-azurite-").FullName;
    private Azurite _azurite = null!;
    private SwarmTestHost _swarm = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartOrReuseAsync(_home, TimeSpan.FromSeconds(60));
        _swarm = await SwarmTestHost.StartAsync(
            o => o.RequestTimeout = RequestTimeout,
            new DurableStorageOptions
            {
                ConnectionString = _azurite.ConnectionString,
                WorkerId = $"test-{Guid.NewGuid():N}",
                MaxQueuePollingInterval = TimeSpan.FromMilliseconds(100),
            });
    }

    public async Task DisposeAsync()
    {
        Signal("CONT");
        await _swarm.DisposeAsync();
        await _azurite.DisposeAsync();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp folder's owner.
        }
    }

    [Fact]
    public async Task A_frozen_backend_gets_503_within_the_request_timeout_and_nothing_is_lost_once_it_answers()
    {
        using var http = new HttpClient { BaseAddress = _swarm.Api.ApiRoot, Timeout = TimeSpan.FromSeconds(60) };
        var claimed = await http.PostAsJsonAsync("work", new { type = "task", title = "Before the freeze", team = "frozen", points = 1 });
        Assert.Equal(HttpStatusCode.Accepted, claimed.StatusCode);
        var id = (await claimed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        Signal("STOP");
        var read = await TimedAsync(() => http.GetAsync($"work/{id}"));
        var claim = await TimedAsync(() => http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "work")
        {
            Content = JsonContent.Create(new { type = "task", title = "During the freeze", team = "frozen", points = 1 }),
            Headers = { { SwarmApi.IdempotencyKeyHeader, "claim-during-freeze" } },
        }));
        Signal("CONT");

        foreach (var (response, elapsed) in new[] { read, claim })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(SwarmProblems.ContentType, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(SwarmProblems.BackendRetryAfterSeconds), response.Headers.RetryAfter?.Delta);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("backend-unavailable", 2.0), (problem.GetProperty("code").GetString(), problem.GetProperty("timeoutSeconds").GetDouble()));
            Assert.Contains("did not answer within 2 s", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            // Answered at the deadline, not after the storage SDK's own retries (minutes).
            Assert.InRange(elapsed, RequestTimeout - TimeSpan.FromMilliseconds(100), RequestTimeout + TimeSpan.FromSeconds(8));
        }

        // Thawed: the item claimed before is there, and the claim refused during the freeze, retried with its key, exists once.
        var before = await SwarmTestHost.EventuallyAsync(async () => (HttpResponseMessage?)await http.GetAsync($"work/{id}"), r => r.StatusCode == HttpStatusCode.OK, what: "the read after the thaw");
        Assert.Equal("Before the freeze", (await before.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var retried = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "work")
            {
                Content = JsonContent.Create(new { type = "task", title = "During the freeze", team = "frozen", points = 1 }),
                Headers = { { SwarmApi.IdempotencyKeyHeader, "claim-during-freeze" } },
            });
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        }

        using var listed = await SwarmTestHost.EventuallyAsync(
            () => http.GetFromJsonAsync<JsonDocument>("work?team=frozen"),
            l => l.RootElement.GetProperty("count").GetInt32() == 2,
            what: "two work items for team frozen");
        Assert.Equal(
            ["Before the freeze", "During the freeze"],
            listed.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()).Order());
    }

    private static async Task<(HttpResponseMessage Response, TimeSpan Elapsed)> TimedAsync(Func<Task<HttpResponseMessage>> send)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var response = await send();
        return (response, clock.Elapsed);
    }

    /// <summary>Sends SIGSTOP or SIGCONT to this test's Azurite.</summary>
    private void Signal(string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", $"-{signal} {_azurite.ProcessId}");
        kill.WaitForExit();
    }
}
