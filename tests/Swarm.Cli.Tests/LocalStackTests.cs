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
        Assert.True(ports.Distinct().Count() > 40, string.Join(", ", ports));
        using var server = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, ports[0]);
        server.Start();
        Assert.NotNull(Swarm.Local.LoopbackPort.Unavailable(ports[0]));
    }
}
