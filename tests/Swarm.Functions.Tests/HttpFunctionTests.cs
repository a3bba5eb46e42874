using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Swarm.Domain.Telemetry;

namespace Swarm.Functions.Tests;

/// <summary>The HTTP trigger methods, invoked directly with a real HttpContext on the embedded backend.</summary>
public sealed class HttpFunctionTests(EmbeddedSwarm swarm) : IClassFixture<EmbeddedSwarm>
{
    [Fact]
    public async Task Claiming_a_bug_answers_202_with_management_urls_and_the_item_runs_through_its_life()
    {
        var claimed = await ClaimAsync("""{"type":"bug","title":"Login fails","priority":"high","team":"http-bugs"}""");

        Assert.Equal(202, claimed.Status);
        var id = claimed.Json.GetProperty("id").GetString()!;
        var status = $"http://127.0.0.1:7071/api/work/{id}";
        Assert.Equal(status, claimed.Header("Location"));
        Assert.Equal(status, claimed.Json.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal($"{status}/progress", claimed.Json.GetProperty("progressPostUri").GetString());
        Assert.Equal($"{status}/complete", claimed.Json.GetProperty("completePostUri").GetString());
        Assert.Equal($"work-{id}", claimed.Json.GetProperty("instanceId").GetString());
        Assert.Equal("claimed", claimed.Json.GetProperty("workItem").GetProperty("status").GetString());
        Assert.Null(claimed.Header(Swarm.Api.SwarmApi.ReplayedHeader));

        var planned = await WaitForWorkAsync(id, "planned");
        Assert.Equal("bugs go straight to the team's backlog", planned.GetProperty("decision").GetString());

        var progress = await PostAsync($"/api/work/{id}/progress", """{"percent":40}""", (f, r, c) => f.ReportProgress(r, id, c));
        Assert.Equal(202, progress.Status);
        Assert.Equal("in-progress", progress.Json.GetProperty("status").GetString());
        await WaitForWorkAsync(id, "in-progress");

        var complete = await PostAsync($"/api/work/{id}/complete", """{"status":"success"}""", (f, r, c) => f.CompleteWork(r, id, c));
        Assert.Equal(202, complete.Status);
        var completed = await WaitForWorkAsync(id, "completed");
        Assert.Equal("success", completed.GetProperty("completion").GetString());

        var list = await GetAsync("/api/work?team=http-bugs&status=completed", (f, r, c) => f.ListWork(r, c));
        Assert.Equal(200, list.Status);
        Assert.Contains(list.Json.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task Claiming_a_feature_opens_a_motion_that_general_consent_approves()
    {
        var claimed = await ClaimAsync("""{"type":"feature","title":"Sprint 42","priority":"high","team":"http-features"}""");
        var id = claimed.Json.GetProperty("id").GetString()!;

        var approved = await EmbeddedSwarm.EventuallyAsync(
            () => GetWorkJsonAsync(id),
            w => w.GetProperty("status").GetString() is "approved" or "planned",
            "approval of the feature");

        Assert.Equal($"approve-{id}", approved.GetProperty("motionId").GetString());
        Assert.Contains("general consent", approved.GetProperty("decision").GetString());
        var agents = await GetAsync("/api/agents", (f, r, c) => f.GetAgents(r, c));
        Assert.True(agents.Json.GetProperty("roberts").GetProperty("passed").GetInt32() >= 1);
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_work_item_and_a_different_claim_under_it_conflicts()
    {
        var key = $"key-{Guid.NewGuid():N}";
        const string Body = """{"type":"task","title":"Rotate keys","team":"http-keys"}""";

        var first = await ClaimAsync(Body, key);
        var again = await ClaimAsync(Body, key);
        var other = await ClaimAsync("""{"type":"task","title":"Something else","team":"http-keys"}""", key);

        Assert.Equal(202, first.Status);
        Assert.Equal(202, again.Status);
        Assert.Equal(first.Json.GetProperty("id").GetString(), again.Json.GetProperty("id").GetString());
        Assert.Equal(first.Header("Location"), again.Header("Location"));
        Assert.Equal("true", again.Header(Swarm.Api.SwarmApi.ReplayedHeader));
        AssertProblem(other, 409, "conflict");
    }

    [Theory]
    [InlineData("{", "body")]
    [InlineData("", "body")]
    [InlineData("[1,2]", "body")]
    [InlineData("""{"title":"x"}""", "type")]
    [InlineData("""{"type":"story","title":"x"}""", "type")]
    [InlineData("""{"type":3,"title":"x"}""", "type")]
    [InlineData("""{"type":"bug"}""", "title")]
    [InlineData("""{"type":"bug","title":"x","priority":"urgent"}""", "priority")]
    [InlineData("""{"type":"bug","title":"x","points":"five"}""", "points")]
    [InlineData("""{"type":"bug","title":"x","points":1000}""", "points")]
    [InlineData("""{"type":"bug","title":"x","team":"Bad Team!"}""", "team")]
    public async Task A_bad_claim_is_a_400_problem_naming_the_field(string body, string field)
    {
        var response = await ClaimAsync(body);

        AssertProblem(response, 400, "invalid-input", field);
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_refused_with_413_from_its_content_length_or_while_reading()
    {
        var huge = $$"""{"type":"bug","title":"{{new string('a', 70_000)}}"}""";

        var declared = await ClaimAsync(huge);
        var chunked = await FunctionCall.InvokeAsync(swarm.Services, "POST", "/api/work", (f, r, c) => f.ClaimWork(r, c), huge, adjust: r => r.ContentLength = null);
        var lying = await FunctionCall.InvokeAsync(
            swarm.Services, "POST", "/api/work", (f, r, c) => f.ClaimWork(r, c), "{}", adjust: r => r.ContentLength = 1_000_000);

        AssertProblem(declared, 413, "payload-too-large", "body");
        AssertProblem(chunked, 413, "payload-too-large", "body");
        AssertProblem(lying, 413, "payload-too-large", "body");
    }

    [Fact]
    public async Task Alerts_are_accepted_and_a_redelivery_starts_no_second_remediation()
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var body = $$"""
            {"version":"4","groupKey":"g","status":"firing","receiver":"swarm","alerts":[
              {"status":"firing","labels":{"alertname":"WorkItemsStuck","team":"http-alerts","severity":"warning"},
               "annotations":{"summary":"nothing completed"},"startsAt":"2026-11-24T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"{{fingerprint}}"}]}
            """;

        var first = await PostAsync("/api/alerts", body, (f, r, c) => f.ReceiveAlerts(r, c));
        var again = await PostAsync("/api/alerts", body, (f, r, c) => f.ReceiveAlerts(r, c));

        Assert.Equal(202, first.Status);
        Assert.Equal(202, again.Status);
        var receipt = first.Json.GetProperty("alerts")[0];
        Assert.Equal("WorkItemsStuck", receipt.GetProperty("alert").GetString());
        var instanceId = receipt.GetProperty("remediationId").GetString()!;
        Assert.Equal(instanceId, again.Json.GetProperty("alerts")[0].GetProperty("remediationId").GetString());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await swarm.Client.GetInstanceAsync(instanceId, cts.Token) is null)
        {
            await Task.Delay(25, cts.Token);
        }

        var count = 0;
        await foreach (var instance in swarm.Client.GetAllInstancesAsync(new Microsoft.DurableTask.Client.OrchestrationQuery { InstanceIdPrefix = instanceId }))
        {
            count += instance.InstanceId == instanceId ? 1 : 0;
        }

        Assert.Equal(1, count);
    }

    [Theory]
    [InlineData("""{"hello":"world"}""", "$")]
    [InlineData("""{"schemaId":"azureMonitorCommonAlertSchema"}""", "data")]
    [InlineData("""{"schemaId":"other","data":{}}""", "schemaId")]
    [InlineData("""{"version":"3","alerts":[]}""", "version")]
    [InlineData("""{"version":"4","alerts":[{"status":"firing","labels":{},"startsAt":"2026-11-24T10:00:00Z","fingerprint":"f"}]}""", "alerts[0].labels.alertname")]
    [InlineData("{", "body")]
    public async Task A_malformed_alert_is_a_400_problem_naming_the_field(string body, string field)
    {
        AssertProblem(await PostAsync("/api/alerts", body, (f, r, c) => f.ReceiveAlerts(r, c)), 400, "invalid-input", field);
    }

    [Fact]
    public async Task Unknown_ids_are_404_problems()
    {
        var work = await GetAsync("/api/work/nope", (f, r, c) => f.GetWork(r, "nope", c));
        var progress = await PostAsync("/api/work/nope/progress", """{"percent":10}""", (f, r, c) => f.ReportProgress(r, "nope", c));
        var complete = await PostAsync("/api/work/nope/complete", """{"status":"failed"}""", (f, r, c) => f.CompleteWork(r, "nope", c));
        var vote = await PostAsync("/api/motions/nope/votes", """{"voter":"chair","choice":"yes"}""", (f, r, c) => f.CastVote(r, "nope", c));

        AssertProblem(work, 404, "not-found");
        AssertProblem(progress, 404, "not-found");
        AssertProblem(complete, 404, "not-found");
        AssertProblem(vote, 404, "not-found");
        Assert.Equal("work item", work.Json.GetProperty("kind").GetString());
        Assert.Equal("motion", vote.Json.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Bad_progress_completion_and_votes_name_their_field()
    {
        var id = (await ClaimAsync("""{"type":"task","title":"Field checks","team":"http-fields"}""")).Json.GetProperty("id").GetString()!;

        AssertProblem(await PostAsync($"/api/work/{id}/progress", """{"blocker":"x"}""", (f, r, c) => f.ReportProgress(r, id, c)), 400, "invalid-input", "percent");
        AssertProblem(await PostAsync($"/api/work/{id}/progress", """{"percent":"half"}""", (f, r, c) => f.ReportProgress(r, id, c)), 400, "invalid-input", "percent");
        // Input is checked before the item is looked up: an out-of-range percent is a 400 for a known and an unknown id alike.
        AssertProblem(await PostAsync($"/api/work/{id}/progress", """{"percent":150}""", (f, r, c) => f.ReportProgress(r, id, c)), 400, "invalid-input", "percent");
        AssertProblem(await PostAsync("/api/work/nope/progress", """{"percent":150}""", (f, r, c) => f.ReportProgress(r, "nope", c)), 400, "invalid-input", "percent");
        AssertProblem(await PostAsync($"/api/work/{id}/complete", """{"status":"maybe"}""", (f, r, c) => f.CompleteWork(r, id, c)), 400, "invalid-input", "status");
        AssertProblem(await PostAsync($"/api/work/{id}/complete", """{}""", (f, r, c) => f.CompleteWork(r, id, c)), 400, "invalid-input", "status");
        AssertProblem(await PostAsync("/api/motions/any/votes", """{"choice":"yes"}""", (f, r, c) => f.CastVote(r, "any", c)), 400, "invalid-input", "voter");
        AssertProblem(await PostAsync("/api/motions/any/votes", """{"voter":"chair","choice":"perhaps"}""", (f, r, c) => f.CastVote(r, "any", c)), 400, "invalid-input", "choice");
        AssertProblem(await GetAsync("/api/work?status=lost", (f, r, c) => f.ListWork(r, c)), 400, "invalid-input", "status");
    }

    [Fact]
    public async Task Completing_work_that_is_not_in_progress_is_a_409_illegal_transition()
    {
        var id = (await ClaimAsync("""{"type":"bug","title":"Too early","team":"http-early"}""")).Json.GetProperty("id").GetString()!;

        var response = await PostAsync($"/api/work/{id}/complete", """{"status":"success"}""", (f, r, c) => f.CompleteWork(r, id, c));

        AssertProblem(response, 409, "illegal-transition");
        Assert.Equal("work item", response.Json.GetProperty("agent").GetString());
        Assert.Equal("complete", response.Json.GetProperty("command").GetString());
    }

    [Fact]
    public async Task An_agent_event_over_http_is_routed_once_and_continues_the_callers_trace()
    {
        var routed = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == SwarmTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.OperationName == "swarm.event.route") { routed.Enqueue(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        var workId = $"evt{Guid.NewGuid():N}"[..16];
        var traceId = ActivityTraceId.CreateRandom();
        var traceParent = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01";
        var body = JsonSerializer.Serialize(new
        {
            id = $"work.claimed:{workId}",
            type = "work.claimed",
            source = "scrum-agent",
            workId,
            team = "http-events",
            payload = new { id = workId, type = "feature", title = "Over HTTP", priority = "medium", team = "http-events", points = 3 },
        });
        var headers = new Dictionary<string, string> { ["traceparent"] = traceParent };

        var first = await PostAsync("/api/agents/roberts/events", body, (f, r, c) => f.PublishAgentEvent(r, "roberts", c), headers);
        var again = await PostAsync("/api/agents/roberts/events", body, (f, r, c) => f.PublishAgentEvent(r, "roberts", c), headers);

        Assert.Equal(202, first.Status);
        Assert.Equal(202, again.Status);
        Assert.Equal($"work.claimed:{workId}", first.Json.GetProperty("id").GetString());
        var motion = await swarm.Client.GetInstanceAsync(InstanceIds.Motion(InstanceIds.ApprovalMotionId(workId)));
        Assert.NotNull(motion);
        var instances = 0;
        await foreach (var _ in swarm.Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = motion.InstanceId }))
        {
            instances++;
        }

        Assert.Equal(1, instances);
        Assert.Contains(routed, a => a.TraceId == traceId);
    }

    [Fact]
    public async Task Bad_agent_events_are_problems_naming_the_field_or_the_unknown_agent()
    {
        const string Valid = """{"id":"e1","type":"work.claimed","source":"scrum-agent","payload":{"id":"w1"}}""";

        AssertProblem(await PostAsync("/api/agents/marketing/events", Valid, (f, r, c) => f.PublishAgentEvent(r, "marketing", c)), 404, "not-found");
        AssertProblem(await PostAsync("/api/agents/lean/events", """{"id":"e1","type":"work.done","source":"x","payload":{}}""", (f, r, c) => f.PublishAgentEvent(r, "lean", c)), 400, "invalid-input", "type");
        AssertProblem(await PostAsync("/api/agents/lean/events", """{"type":"work.claimed","source":"x","payload":{}}""", (f, r, c) => f.PublishAgentEvent(r, "lean", c)), 400, "invalid-input", "id");
        AssertProblem(await PostAsync("/api/agents/lean/events", """{"id":"e1","type":"work.claimed","source":"x"}""", (f, r, c) => f.PublishAgentEvent(r, "lean", c)), 400, "invalid-input", "payload");
        AssertProblem(await PostAsync("/api/agents/lean/events", """{"id":"e1","type":"work.claimed","source":"x","payload":{"id":"w1","type":"sideways"}}""", (f, r, c) => f.PublishAgentEvent(r, "lean", c)), 400, "invalid-input", "payload");
        AssertProblem(await PostAsync("/api/agents/lean/events", """{"id":"e1","type":"work.claimed","source":"x","payload":{},"occurredAt":"yesterday"}""", (f, r, c) => f.PublishAgentEvent(r, "lean", c)), 400, "invalid-input", "occurredAt");
    }

    [Fact]
    public async Task Health_is_200_when_the_backend_answers()
    {
        var health = await GetAsync("/api/health", (f, r, c) => f.Health(r, c));

        Assert.Equal(200, health.Status);
        Assert.Equal("healthy", health.Json.GetProperty("status").GetString());
        Assert.Equal("reachable", health.Json.GetProperty("backend").GetString());
    }

    [Fact]
    public async Task Health_is_503_when_the_backend_does_not_answer()
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress("http://127.0.0.1:9");
        await using var unreachable = new Microsoft.DurableTask.Client.Grpc.GrpcDurableTaskClient(
            "unreachable", new() { Channel = channel }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await using var scope = swarm.Services.CreateAsyncScope();
        var services = ActivatorUtilities.CreateInstance<Swarm.Api.SwarmApiServices>(scope.ServiceProvider, unreachable);
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Response.Body = new MemoryStream();

        var result = await new ApiFunctions(services).Health(context.Request, unreachable);
        await result.ExecuteAsync(context);

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Contains("\"unhealthy\"", Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_shows_each_agent_and_the_work_by_status()
    {
        await ClaimAsync("""{"type":"task","title":"Counted","team":"http-agents"}""");

        var agents = await GetAsync("/api/agents", (f, r, c) => f.GetAgents(r, c));

        Assert.Equal(200, agents.Status);
        Assert.Equal(AgentNames.Roberts, agents.Json.GetProperty("roberts").GetProperty("agent").GetString());
        Assert.Equal(AgentNames.Scrum, agents.Json.GetProperty("scrum").GetProperty("agent").GetString());
        Assert.Equal(AgentNames.Lean, agents.Json.GetProperty("lean").GetProperty("agent").GetString());
        Assert.True(agents.Json.GetProperty("work").GetProperty("total").GetInt32() >= 1);
        Assert.Equal(JsonValueKind.Object, agents.Json.GetProperty("work").GetProperty("byStatus").ValueKind);
    }

    internal static void AssertProblem(FunctionResponse response, int status, string code, string? field = null)
    {
        Assert.True(status == response.Status, $"expected {status}, got {response.Status}: {response.Body}");
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        var problem = response.Json;
        Assert.Equal($"urn:swarm:problem:{code}", problem.GetProperty("type").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.DoesNotContain("   at ", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", response.Body, StringComparison.Ordinal);
        if (field is not null)
        {
            Assert.True(field == problem.GetProperty("field").GetString(), $"expected field {field}: {response.Body}");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), response.Body);
        }
    }

    private Task<FunctionResponse> ClaimAsync(string body, string? idempotencyKey = null) =>
        FunctionCall.InvokeAsync(
            swarm.Services, "POST", "/api/work", (f, r, c) => f.ClaimWork(r, c), body,
            idempotencyKey is null ? null : new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey });

    private Task<FunctionResponse> PostAsync(
        string path, string body, Func<ApiFunctions, HttpRequest, DurableTaskClient, Task<IResult>> function, IDictionary<string, string>? headers = null) =>
        FunctionCall.InvokeAsync(swarm.Services, "POST", path, function, body, headers);

    private Task<FunctionResponse> GetAsync(string path, Func<ApiFunctions, HttpRequest, DurableTaskClient, Task<IResult>> function) =>
        FunctionCall.InvokeAsync(swarm.Services, "GET", path, function);

    private async Task<JsonElement> GetWorkJsonAsync(string id)
    {
        var response = await GetAsync($"/api/work/{id}", (f, r, c) => f.GetWork(r, id, c));
        Assert.Equal(200, response.Status);
        return response.Json;
    }

    private Task<JsonElement> WaitForWorkAsync(string id, string status) =>
        EmbeddedSwarm.EventuallyAsync(() => GetWorkJsonAsync(id), w => w.GetProperty("status").GetString() == status, $"work item {id} {status}");
}
