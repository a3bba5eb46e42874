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

    /// <summary>
    /// Null when a listener can bind 127.0.0.1:<paramref name="port"/> right now (0 always can); else the socket
    /// error's message (e.g. "Address already in use"). A check, not a reservation: the port can be taken after it.
    /// </summary>
    public static string? Unavailable(int port)
    {
        if (port == 0)
        {
            return null;
        }

        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return null;
        }
        catch (SocketException error)
        {
            return error.Message;
        }
    }

    /// <summary><paramref name="requested"/>, or a free port when it is 0.</summary>
    public static int FreeIfZero(int requested) => requested != 0 ? requested : Free();
}
