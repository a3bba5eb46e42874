using System.Net;
using System.Net.Sockets;

namespace Swarm.Local;

/// <summary>Ports on 127.0.0.1 for the local servers: the one free-port probe of the project.</summary>
public static class LoopbackPort
{
    /// <summary>The lowest port <see cref="Free"/> picks: 20000.</summary>
    public const int LowestPicked = 20000;

    /// <summary>
    /// The highest port <see cref="Free"/> picks: 32767, just below Linux's default ephemeral range (32768–60999,
    /// <c>/proc/sys/net/ipv4/ip_local_port_range</c>; Windows and macOS use 49152–65535).
    /// </summary>
    public const int HighestPicked = 32767;

    /// <summary>
    /// A TCP port on 127.0.0.1 that was free a moment ago, for a server started next: a random one from
    /// <see cref="LowestPicked"/> to <see cref="HighestPicked"/> that binds, else (after 64 taken ones) the OS's pick.
    /// Not the OS's pick first: that comes from the ephemeral range, which the OS also hands to every outgoing
    /// connection and every other port-0 listener, so under load one of those could take the port in the seconds
    /// before the server binds it (a test run once failed "address already in use" that way).
    /// </summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var port = Random.Shared.Next(LowestPicked, HighestPicked + 1);
            if (Unavailable(port) is null)
            {
                return port;
            }
        }

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
