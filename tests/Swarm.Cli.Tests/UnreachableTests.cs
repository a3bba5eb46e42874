using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Swarm.Api.Client;

namespace Swarm.Cli.Tests;

/// <summary>Nothing listening at the URL: every client command exits 3 and names the URL it tried.</summary>
public sealed class UnreachableTests
{
    public static TheoryData<string[], string> Commands => new()
    {
        { ["work", "claim", "feature", "Sprint 42", "high", "--team", "alpha"], "/api/work" },
        { ["work", "list"], "/api/work" },
        { ["work", "show", "w1"], "/api/work/w1" },
        { ["work", "progress", "w1", "50"], "/api/work/w1/progress" },
        { ["work", "complete", "w1", "--status", "failed"], "/api/work/w1/complete" },
        { ["motion", "vote", "m1", "yes", "--voter", "chair"], "/api/motions/m1/votes" },
        { ["agents"], "/api/agents" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_command_exits_3_naming_the_url_tried(string[] args, string path)
    {
        var url = Cli.ClosedUrl();

        var result = await Cli.RunAsync([.. args, "--url", url]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"{url}{path}", result.Err, StringComparison.Ordinal);
        Assert.Contains("connection refused", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swarm_url_from_the_environment_is_the_url_tried()
    {
        var url = Cli.ClosedUrl();

        var result = await Cli.RunAsync(["work", "list"], new() { ["SWARM_URL"] = url });

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"{url}/api/work", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trace_exits_3_naming_the_dashboard_tried()
    {
        var dashboard = Cli.ClosedUrl();

        var result = await Cli.RunAsync("trace", "w1", "--dashboard", dashboard, "--wait", "0", "--url", Cli.ClosedUrl());

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"{dashboard}/api/telemetry/traces", result.Err, StringComparison.Ordinal);
        Assert.Contains("--dashboard", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_against_a_remote_url_that_does_not_answer_exits_3_instead_of_starting_a_host()
    {
        var result = await Cli.RunAsync("demo", "--url", "http://swarm.invalid:7071", "--timeout", "10");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("http://swarm.invalid:7071/api/health", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_riding_out_an_outage_says_once_when_it_began_and_once_when_the_host_answered_again()
    {
        var url = new Uri(Cli.ClosedUrl());
        var said = new ConcurrentQueue<(bool Back, string What)>();
        using var api = new SwarmApiClient(url, null) { RetryUnreachableFor = TimeSpan.FromSeconds(30), Outage = (back, what) => said.Enqueue((back, what)) };

        var request = api.GetAsync("health", CancellationToken.None);
        await Cli.EventuallyAsync(() => Task.FromResult(said.Count), n => n > 0, TimeSpan.FromSeconds(10));
        await Task.Delay(1200); // two more refused attempts, which say nothing more
        Assert.Equal([(false, "connection refused")], said);

        // The host is back: one plain HTTP/1.1 answer on the same port.
        var listener = new TcpListener(IPAddress.Loopback, url.Port);
        listener.Start();
        try
        {
            using var client = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var stream = client.GetStream();
            var buffer = new byte[4096];
            var head = new StringBuilder();
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                Assert.True(read > 0, "the client closed the connection before sending its request");
                head.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"u8.ToArray());
            var answer = await request.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(200, answer.Status);
            Assert.Equal(2, said.Count);
            var (back, what) = said.Last();
            Assert.True(back);
            Assert.Matches(@"^after [0-9]+\.[0-9] s$", what);
        }
        finally
        {
            listener.Stop();
        }
    }
}
