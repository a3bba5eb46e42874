using System.Net;
using System.Net.Sockets;

namespace Swarm.Local;

/// <summary>Ports on 127.0.0.1 for the local servers: the one free-port probe of the project.</summary>
public static class LoopbackPort
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago (the OS's pick for port 0).</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary><paramref name="requested"/>, or a free port when it is 0.</summary>
    public static int FreeIfZero(int requested) => requested != 0 ? requested : Free();
}
