using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Swarm.Telemetry.Tests;

/// <summary>A local stand-in for Azure Monitor's ingestion endpoint: accepts <c>POST /v2.1/track</c> and keeps every envelope.</summary>
public sealed class FakeIngestion : IAsyncDisposable
{
    public const string InstrumentationKey = "00000000-0000-0000-0000-000000000001";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonElement> _envelopes = new();
    private readonly ConcurrentQueue<string> _encodings = new();

    private FakeIngestion(WebApplication app) => _app = app;

    public string ConnectionString { get; private set; } = string.Empty;
    public IReadOnlyList<JsonElement> Envelopes => [.. _envelopes];
    public IReadOnlyList<string> ContentEncodings => [.. _encodings];

    public static async Task<FakeIngestion> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeIngestion(app);
        app.MapPost("/v2.1/track", fake.TrackAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.ConnectionString = $"InstrumentationKey={InstrumentationKey};IngestionEndpoint={address}/";
        return fake;
    }

    public IReadOnlyList<string> Names => Envelopes.Select(e => e.GetProperty("name").GetString() ?? string.Empty).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> TrackAsync(HttpRequest request)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        _encodings.Enqueue(encoding);
        Stream body = request.Body;
        if (encoding.Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            body = new GZipStream(request.Body, CompressionMode.Decompress);
        }

        using var reader = new StreamReader(body);
        var count = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 0)
            {
                using var envelope = JsonDocument.Parse(line);
                _envelopes.Enqueue(envelope.RootElement.Clone());
                count++;
            }
        }

        return Results.Json(new { itemsReceived = count, itemsAccepted = count, errors = Array.Empty<object>() });
    }
}
