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
