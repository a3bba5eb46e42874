using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Local.Web;

namespace Swarm.EndToEnd.Tests;

public sealed class EmbeddedHostTests
{
    [Fact]
    public async Task With_telemetry_disabled_the_host_serves_the_api_and_says_metrics_are_off()
    {
        await using var app = SwarmWebApp.Build(["--Swarm:Port=0", "--OTEL_SDK_DISABLED=true", "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        using var http = new HttpClient
        {
            BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
            Timeout = TimeSpan.FromSeconds(10),
        };

        var health = await http.GetAsync("/api/health");
        var metrics = await http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal("application/problem+json", metrics.Content.Headers.ContentType?.MediaType);
        Assert.Contains("OTEL_SDK_DISABLED", (await metrics.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        await app.StopAsync();
    }
}
