using Swarm.Cli.Local;

namespace Swarm.Cli.Tests;

/// <summary>A client command run with another <c>SWARM_HOME</c> still finds the <c>swarm up</c> on the port it calls.</summary>
public sealed class LocalStackTests
{
    [Fact]
    public void A_stack_written_in_one_home_is_found_from_another_through_the_machine_index_until_it_is_removed()
    {
        var upHome = Directory.CreateTempSubdirectory("swarm-up-home-").FullName;
        var clientHome = Directory.CreateTempSubdirectory("swarm-client-home-").FullName;
        var port = Swarm.Local.LoopbackPort.Free();
        var api = new Uri($"http://127.0.0.1:{port}");
        var stack = new LocalStack(Environment.ProcessId, api, new Uri("http://127.0.0.1:18999"), new Uri("http://127.0.0.1:19000"), null, DateTimeOffset.UtcNow);
        try
        {
            stack.Write(upHome);

            var found = LocalStack.Find(clientHome, api);
            Assert.NotNull(found);
            Assert.Equal(stack.Dashboard, found.Dashboard);
            Assert.Equal(stack.Otlp, found.Otlp);
            Assert.Null(LocalStack.Find(clientHome, new Uri($"http://example.com:{port}")));

            stack.Remove(upHome);

            Assert.Null(LocalStack.Find(clientHome, api));
            Assert.Null(LocalStack.Find(upHome, api));
            Assert.False(File.Exists(LocalStack.PathFor(LocalStack.IndexDirectory, port)));
        }
        finally
        {
            stack.Remove(upHome);
            Directory.Delete(upHome, recursive: true);
            Directory.Delete(clientHome, recursive: true);
        }
    }

    [Fact]
    public void A_free_port_is_picked_below_the_ephemeral_range_and_binds()
    {
        var ports = Enumerable.Range(0, 50).Select(_ => Swarm.Local.LoopbackPort.Free()).ToList();

        Assert.All(ports, port => Assert.InRange(port, Swarm.Local.LoopbackPort.LowestPicked, Swarm.Local.LoopbackPort.HighestPicked));
        // Never the same port twice in one process: the first server may not have bound its port when the next is picked.
        Assert.Equal(ports.Count, ports.Distinct().Count());
        using var server = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, ports[0]);
        server.Start();
        Assert.NotNull(Swarm.Local.LoopbackPort.Unavailable(ports[0]));
    }

    [Fact]
    public void A_reserved_port_is_never_picked()
    {
        // A sixth of the range reserved (as swarm up reserves its API port before its servers are given theirs): 200
        // picks would hit about 33 of them by chance.
        var reserved = Enumerable.Range(0, 2000)
            .Select(_ => Random.Shared.Next(Swarm.Local.LoopbackPort.LowestPicked, Swarm.Local.LoopbackPort.HighestPicked + 1))
            .ToHashSet();
        foreach (var port in reserved)
        {
            Swarm.Local.LoopbackPort.Reserve(port);
        }

        var picked = Enumerable.Range(0, 200).Select(_ => Swarm.Local.LoopbackPort.Free()).ToList();

        Assert.DoesNotContain(picked, reserved.Contains);
    }
}
