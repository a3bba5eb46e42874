using Grpc.Core;
using Grpc.Core.Interceptors;
using OpenTelemetry;

namespace Swarm.Local.Durable;

/// <summary>
/// Keeps calls to the sidecar out of traces: each starts with no ambient <see cref="Activity"/> (Grpc.Net.Client
/// otherwise parents a client span under the workflow's span) and with OpenTelemetry instrumentation suppressed
/// (its samplers then drop the gRPC and connection spans); the Durable Task SDK carries trace context in its messages.
/// </summary>
internal sealed class UntracedCallInterceptor : Interceptor
{
    public static UntracedCallInterceptor Instance { get; } = new();

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
        Untraced(() => continuation(request, context));

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        Untraced(() => continuation(request, context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        Untraced(() => continuation(request, context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        Untraced(() => continuation(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        Untraced(() => continuation(context));

    private static T Untraced<T>(Func<T> start)
    {
        var current = Activity.Current;
        using var suppression = SuppressInstrumentationScope.Begin();
        Activity.Current = null;
        try
        {
            return start();
        }
        finally
        {
            Activity.Current = current;
        }
    }
}
