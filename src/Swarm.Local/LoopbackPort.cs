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

    /// <summary>Every port <see cref="Free"/> handed out or <see cref="Reserve"/> was told of in this process.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> Taken = new();

    /// <summary>
    /// A TCP port on 127.0.0.1 that was free a moment ago, for a server started next: a random one from
    /// <see cref="LowestPicked"/> to <see cref="HighestPicked"/> that binds, else (after 64 taken ones) the OS's pick.
    /// Not the OS's pick first: that comes from the ephemeral range, which the OS also hands to every outgoing
    /// connection and every other port-0 listener, so under load one of those could take the port in the seconds
    /// before the server binds it (a test run once failed "address already in use" that way). Never a port it handed
    /// out before in this process, nor one <see cref="Reserve"/>d: a port picked for one server is often not bound yet
    /// when the next is picked (a test run once failed when <c>swarm up</c>'s Azurite was given the API's own port).
    /// </summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var port = Random.Shared.Next(LowestPicked, HighestPicked + 1);
            if (!Taken.ContainsKey(port) && Unavailable(port) is null && Taken.TryAdd(port, 0))
            {
                return port;
            }
        }

        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>
    /// Marks <paramref name="port"/> as this process's, chosen but perhaps not bound yet (e.g. <c>swarm up --port</c>
    /// before its host starts): <see cref="Free"/> never picks it. 0 is ignored.
    /// </summary>
    public static void Reserve(int port)
    {
        if (port != 0)
        {
            Taken.TryAdd(port, 0);
        }
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
