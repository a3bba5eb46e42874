using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Swarm.Local.Web;

namespace Swarm.Functions.Tests;

/// <summary>The embedded host over real HTTP: the same API, bound to loopback, with function keys when configured.</summary>
public sealed class EmbeddedWebAppTests : IAsyncLifetime, IDisposable
{
    private const string Key = "test-function-key";
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _app = SwarmWebApp.Build([], builder =>
        {
            builder.Configuration[SwarmWebApp.PortSetting] = "0";
            builder.Configuration[FunctionKeys.Setting] = Key;
            builder.Logging.ClearProviders();
        });
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _http.Dispose();

    [Fact]
    public void It_listens_on_the_loopback_interface_only()
    {
        Assert.StartsWith("http://127.0.0.1:", _app.Urls.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_is_anonymous_and_everything_else_needs_the_function_key()
    {
        using var health = await _http.GetAsync(new Uri("/api/health", UriKind.Relative));
        using var anonymous = await _http.PostAsync(new Uri("/api/work", UriKind.Relative), Json("""{"type":"task","title":"No key"}"""));
        using var wrong = await SendAsync(HttpMethod.Get, "/api/agents", null, r => r.Headers.Add("x-functions-key", "nope"));
        using var list = await _http.GetAsync(new Uri("/api/work", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
    }

    [Fact]
    public async Task The_key_is_accepted_as_header_code_query_or_bearer_token()
    {
        using var header = await SendAsync(HttpMethod.Post, "/api/work", """{"type":"task","title":"Header key","team":"web"}""", r => r.Headers.Add("x-functions-key", Key));
        using var query = await SendAsync(HttpMethod.Get, $"/api/work?code={Key}", null);
        using var bearer = await SendAsync(HttpMethod.Get, "/api/agents", null, r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key));

        Assert.Equal(HttpStatusCode.Accepted, header.StatusCode);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        var id = JsonDocument.Parse(await header.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        Assert.Equal(new Uri($"{_app.Urls.Single()}/api/work/{id}"), header.Headers.Location);
        using var work = await SendAsync(HttpMethod.Get, $"/api/work/{id}", null, r => r.Headers.Add("x-functions-key", Key));
        Assert.Equal(HttpStatusCode.OK, work.StatusCode);
    }

    [Fact]
    public async Task Bad_input_over_the_wire_is_the_same_problem_details()
    {
        using var malformed = await SendAsync(HttpMethod.Post, "/api/work", """{"type":"bug","title":""", r => r.Headers.Add("x-functions-key", Key));
        using var tooLarge = await SendAsync(HttpMethod.Post, "/api/work", new string(' ', 70_000) + "{}", r => r.Headers.Add("x-functions-key", Key));
        using var unknown = await SendAsync(HttpMethod.Get, "/api/work/missing", null, r => r.Headers.Add("x-functions-key", Key));

        await AssertProblemAsync(malformed, HttpStatusCode.BadRequest, "body");
        await AssertProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge, "body");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task A_route_that_does_not_exist_or_a_method_it_does_not_take_is_problem_details_saying_which()
    {
        using var noRoute = await SendAsync(HttpMethod.Get, "/api/nonexistent", null, r => r.Headers.Add("x-functions-key", Key));
        using var wrongMethod = await SendAsync(HttpMethod.Delete, "/api/work", null, r => r.Headers.Add("x-functions-key", Key));

        await AssertProblemAsync(noRoute, HttpStatusCode.NotFound, null);
        Assert.Contains("No API route matches /api/nonexistent", await noRoute.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertProblemAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, null);
        Assert.Contains("/api/work does not accept DELETE", await wrongMethod.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sprint_is_a_resource_of_its_team_with_a_clear_error_for_a_bad_or_unknown_one()
    {
        using var unknown = await SendAsync(HttpMethod.Get, "/api/teams/alpha/sprints/7", null, r => r.Headers.Add("x-functions-key", Key));
        using var badNumber = await SendAsync(HttpMethod.Get, "/api/teams/alpha/sprints/seven", null, r => r.Headers.Add("x-functions-key", Key));
        using var zero = await SendAsync(HttpMethod.Get, "/api/teams/alpha/sprints/0", null, r => r.Headers.Add("x-functions-key", Key));
        using var badTeam = await SendAsync(HttpMethod.Get, "/api/teams/Alpha_Team!/sprints/1", null, r => r.Headers.Add("x-functions-key", Key));
        using var noKey = await SendAsync(HttpMethod.Get, "/api/teams/alpha/sprints/1", null);

        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, null);
        Assert.Contains("alpha/7", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertProblemAsync(badNumber, HttpStatusCode.BadRequest, "number");
        await AssertProblemAsync(zero, HttpStatusCode.BadRequest, "number");
        await AssertProblemAsync(badTeam, HttpStatusCode.BadRequest, "team");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    [Fact]
    public async Task Every_orchestration_is_listed_with_its_history_and_trace_filtered_by_what_it_waits_on_raised_into_terminated_and_restarted()
    {
        void Keyed(HttpRequestMessage r) => r.Headers.Add("x-functions-key", Key);
        using var claimed = await SendAsync(HttpMethod.Post, "/api/work", """{"type":"task","title":"Explore me","team":"explorers"}""", Keyed);
        var instance = $"work-{JsonDocument.Parse(await claimed.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()}";

        // Listed by prefix, by orchestrator name and status, once its claim activity has run.
        var detail = await EventuallyAsync(async () =>
        {
            using var one = await SendAsync(HttpMethod.Get, $"/api/instances/{instance}", null, Keyed);
            return one.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(await one.Content.ReadAsStringAsync()).RootElement : (JsonElement?)null;
        }, d => d is { } e && e.GetProperty("history").EnumerateArray().Any(h => h.GetProperty("type").GetString() == "task-completed"));
        var history = detail!.Value.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal("WorkItemOrchestrator", detail.Value.GetProperty("instance").GetProperty("name").GetString());
        Assert.Contains(history, h => h.GetProperty("type").GetString() == "execution-started" && h.GetProperty("name").GetString() == "WorkItemOrchestrator");
        var scheduled = Assert.Single(history, h => h.GetProperty("type").GetString() == "task-scheduled" && h.GetProperty("name").GetString() == "ClaimWork");
        Assert.Contains(history, h => h.GetProperty("type").GetString() == "task-completed"
            && h.GetProperty("scheduledId").GetInt32() == scheduled.GetProperty("eventId").GetInt32()
            && h.GetProperty("data").GetString()!.Contains("Explore me", StringComparison.Ordinal));

        using var byPrefix = await SendAsync(HttpMethod.Get, $"/api/instances?prefix={instance}", null, Keyed);
        var listed = JsonDocument.Parse(await byPrefix.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(instance, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("instanceId").GetString());
        using var byName = await SendAsync(HttpMethod.Get, "/api/instances?name=workitemorchestrator&status=running,pending&max=1000", null, Keyed);
        Assert.Contains(
            JsonDocument.Parse(await byName.Content.ReadAsStringAsync()).RootElement.GetProperty("items").EnumerateArray(),
            i => i.GetProperty("instanceId").GetString() == instance && i.GetProperty("status").GetString() == "running");
        using var motions = await SendAsync(HttpMethod.Get, "/api/instances?name=MotionOrchestrator&prefix=" + instance, null, Keyed);
        Assert.Equal(0, JsonDocument.Parse(await motions.Content.ReadAsStringAsync()).RootElement.GetProperty("count").GetInt32());

        // Filtered by what it waits on: a work item waits for its next command (an external event), not on a timer.
        var waiting = await EventuallyAsync(async () =>
        {
            using var byWait = await SendAsync(HttpMethod.Get, $"/api/instances?prefix={instance}&waitingOn=external%20event", null, Keyed);
            return JsonDocument.Parse(await byWait.Content.ReadAsStringAsync()).RootElement;
        }, l => l.GetProperty("count").GetInt32() == 1);
        Assert.Equal(["an external event"], waiting.GetProperty("items")[0].GetProperty("waitingOn").EnumerateArray().Select(w => w.GetString()));
        using var onTimer = await SendAsync(HttpMethod.Get, $"/api/instances?prefix={instance}&waitingOn=timer", null, Keyed);
        Assert.Equal(0, JsonDocument.Parse(await onTimer.Content.ReadAsStringAsync()).RootElement.GetProperty("count").GetInt32());

        // Its start and its scheduled steps carry their trace, and so does the instance.
        Assert.Matches("^[0-9a-f]{32}$", detail.Value.GetProperty("traceId").GetString());
        Assert.All(
            history.Where(h => h.GetProperty("type").GetString() is "execution-started" or "task-scheduled"),
            h => Assert.Equal(detail.Value.GetProperty("traceId").GetString(), h.GetProperty("traceId").GetString()));

        // A running instance is not restarted: it would have to be terminated first.
        using var early = await SendAsync(HttpMethod.Post, $"/api/instances/{instance}/restart", null, Keyed);
        await AssertProblemAsync(early, HttpStatusCode.Conflict, null);

        // An event raised from outside reaches its history; terminate ends it; a finished instance refuses events.
        using var raised = await SendAsync(HttpMethod.Post, $"/api/instances/{instance}/events/operator-note", """{"data":{"note":"looked at it"}}""", Keyed);
        Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
        await EventuallyAsync(async () =>
        {
            using var one = await SendAsync(HttpMethod.Get, $"/api/instances/{instance}", null, Keyed);
            return JsonDocument.Parse(await one.Content.ReadAsStringAsync()).RootElement;
        }, d => d.GetProperty("history").EnumerateArray().Any(h => h.GetProperty("type").GetString() == "event-raised" && h.GetProperty("name").GetString() == "operator-note"));
        using var terminated = await SendAsync(HttpMethod.Post, $"/api/instances/{instance}/terminate", """{"reason":"explorer test"}""", Keyed);
        Assert.Equal("terminated", JsonDocument.Parse(await terminated.Content.ReadAsStringAsync()).RootElement.GetProperty("outcome").GetString());
        await EventuallyAsync(async () =>
        {
            using var one = await SendAsync(HttpMethod.Get, $"/api/instances/{instance}", null, Keyed);
            return JsonDocument.Parse(await one.Content.ReadAsStringAsync()).RootElement;
        }, d => d.GetProperty("instance").GetProperty("status").GetString() == "terminated");
        using var again = await SendAsync(HttpMethod.Post, $"/api/instances/{instance}/terminate", null, Keyed);
        Assert.Equal("already-final", JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("outcome").GetString());
        using var late = await SendAsync(HttpMethod.Post, $"/api/instances/{instance}/events/operator-note", null, Keyed);
        await AssertProblemAsync(late, HttpStatusCode.Conflict, null);

        // Restarted from its last state: running again under its id, the item as it was, its life kept.
        var before = await WorkAsync();
        using var restarted = await SendAsync(HttpMethod.Post, $"/api/instances/{instance}/restart", null, Keyed);
        Assert.Equal("restarted", JsonDocument.Parse(await restarted.Content.ReadAsStringAsync()).RootElement.GetProperty("outcome").GetString());
        await EventuallyAsync(async () =>
        {
            using var one = await SendAsync(HttpMethod.Get, $"/api/instances/{instance}", null, Keyed);
            return JsonDocument.Parse(await one.Content.ReadAsStringAsync()).RootElement;
        }, d => d.GetProperty("instance").GetProperty("status").GetString() == "running");
        var after = await WorkAsync();
        Assert.Equal(before.GetProperty("status").GetString(), after.GetProperty("status").GetString());
        Assert.Equal(
            before.GetProperty("transitions").EnumerateArray().Select(t => t.GetProperty("command").GetString()),
            after.GetProperty("transitions").EnumerateArray().Select(t => t.GetProperty("command").GetString()));
        using var restartUnknown = await SendAsync(HttpMethod.Post, "/api/instances/work-nobody/restart", null, Keyed);
        await AssertProblemAsync(restartUnknown, HttpStatusCode.NotFound, null);

        async Task<JsonElement> WorkAsync()
        {
            using var work = await SendAsync(HttpMethod.Get, $"/api/work/{instance["work-".Length..]}", null, Keyed);
            return JsonDocument.Parse(await work.Content.ReadAsStringAsync()).RootElement;
        }

        using var badStatus = await SendAsync(HttpMethod.Get, "/api/instances?status=sleeping", null, Keyed);
        using var badMax = await SendAsync(HttpMethod.Get, "/api/instances?max=0", null, Keyed);
        using var unknown = await SendAsync(HttpMethod.Get, "/api/instances/work-nobody", null, Keyed);
        using var noKey = await SendAsync(HttpMethod.Get, "/api/instances", null);
        await AssertProblemAsync(badStatus, HttpStatusCode.BadRequest, "status");
        await AssertProblemAsync(badMax, HttpStatusCode.BadRequest, "max");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, null);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(30), "the instance never got there");
            await Task.Delay(100);
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (field is not null)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, Action<HttpRequestMessage>? adjust = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = body is null ? null : Json(body) };
        adjust?.Invoke(request);
        return await _http.SendAsync(request);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
