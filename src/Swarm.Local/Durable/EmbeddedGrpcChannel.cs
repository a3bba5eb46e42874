using System.Net.Http;
using System.Net.Sockets;
using Grpc.Net.Client;
using OpenTelemetry;

namespace Swarm.Local.Durable;

/// <summary>The one gRPC channel the worker and the client share to reach the sidecar.</summary>
internal static class EmbeddedGrpcChannel
{
    public static GrpcChannel Create(Uri address) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // Without a propagator SocketsHttpHandler skips its diagnostics handler, so no HTTP client spans are made.
                ActivityHeadersPropagator = null,
                MeterFactory = SilentDiagnostics.MeterFactory,
                ConnectCallback = ConnectUntracedAsync,
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                ConnectTimeout = TimeSpan.FromSeconds(5),
            },
            DisposeHttpClient = true,
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });

    /// <summary>Connections are opened outside any call's context, so the socket span needs its own suppression.</summary>
    private static async ValueTask<Stream> ConnectUntracedAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        using var suppression = SuppressInstrumentationScope.Begin();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
