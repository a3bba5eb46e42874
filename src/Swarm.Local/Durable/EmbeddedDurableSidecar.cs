using System.Diagnostics.Metrics;
using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Swarm.Local.Durable;

/// <summary>
/// Runs the Durable Task gRPC sidecar over the orchestration service — the Azure Storage provider, or the in-memory
/// service — in a private web application, isolated from the host's configuration, logging noise and telemetry.
/// </summary>
internal sealed class EmbeddedDurableSidecar(EmbeddedDurableBackend backend, ILoggerFactory hostLoggerFactory, bool parentActivitiesOnOrchestration = false)
    : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ServiceStopTimeout = TimeSpan.FromSeconds(3);

    private WebApplication? app;
    private IEmbeddedOrchestrationService? service;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Kestrel's accept loop and the sidecar's dispatchers capture this execution context; they must not join a caller's trace,
        // and the storage provider's own HTTP calls (a queue poll every second) must not become traces of their own.
        Activity.Current = null;
        using var untraced = OpenTelemetry.SuppressInstrumentationScope.Begin();

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(EmbeddedDurableSidecar).Assembly.GetName().Name,
        });

        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Every client waiting for an instance holds a stream open; beyond the limit the client opens more connections.
            kestrel.Limits.Http2.MaxStreamsPerConnection = Math.Max(100, backend.MaxConcurrentWorkItems);
            kestrel.Listen(IPAddress.Loopback, backend.Port, listen => listen.Protocols = HttpProtocols.Http2);
        });

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // The Azure Storage provider logs every queue poll and lease renewal at Information.
        builder.Logging.AddFilter("DurableTask.AzureStorage", backend.Storage?.LogLevel ?? LogLevel.Warning);
        // Hosting creates a request Activity whenever this category is enabled at any level, so it stays off entirely.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddProvider(new ForwardingLoggerProvider(hostLoggerFactory));

        var services = builder.Services;
        services.RemoveAll<ActivitySource>();
        services.AddSingleton(SilentDiagnostics.CreateActivitySource("Microsoft.AspNetCore"));
        services.RemoveAll<DiagnosticListener>();
        services.RemoveAll<DiagnosticSource>();
        services.AddSingleton(SilentDiagnostics.CreateDiagnosticListener("Microsoft.AspNetCore"));
        services.AddSingleton<DiagnosticSource>(sp => sp.GetRequiredService<DiagnosticListener>());
        services.RemoveAll<IMeterFactory>();
        services.AddSingleton(SilentDiagnostics.MeterFactory);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        // Its owner stops it; with the default console lifetime a Ctrl+C stopped the sidecar before the host it serves.
        services.AddSingleton<IHostLifetime, OwnerStoppedLifetime>();

        services.AddSingleton(sp =>
        {
            var loggerFactory = sp.GetRequiredService<ILoggerFactory>();
            var logger = loggerFactory.CreateLogger<EmbeddedDurableBackend>();
            return backend.Storage is { } storage
                ? EmbeddedOrchestrationService.Create(
                    new AzureStorageOrchestrationService(AzureStorageBackend.Settings(backend, storage, loggerFactory)),
                    backend.MaxConcurrentWorkItems, dropsMessagesToMissingInstances: false, polls: true, logger,
                    maxExtendedSessions: storage.ExtendedSessions ? Math.Max(1, backend.MaxConcurrentWorkItems / 2) : 0, hold: backend.Dispatch)
                : EmbeddedOrchestrationService.Create(
                    new InMemoryOrchestrationService(loggerFactory),
                    backend.MaxConcurrentWorkItems, dropsMessagesToMissingInstances: true, polls: false, logger, recordsHistory: true, pagesByOffset: true, hold: backend.Dispatch);
        });
        services.AddSingleton<IOrchestrationService>(sp => sp.GetRequiredService<IEmbeddedOrchestrationService>());
        services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<IEmbeddedOrchestrationService>());
        services.AddSingleton(new EmbeddedTaskHubGrpcServer.Tracing(parentActivitiesOnOrchestration));
        services.AddSingleton<EmbeddedTaskHubGrpcServer>();
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });

        var sidecar = builder.Build();
        // Kestrel runs connections without the caller's execution context: each call suppresses instrumentation itself,
        // so that the storage provider's HTTP calls made while serving it are not traced.
        sidecar.Use(async (context, next) =>
        {
            using var untracedCall = OpenTelemetry.SuppressInstrumentationScope.Begin();
            await next(context);
        });
        sidecar.MapGrpcService<EmbeddedTaskHubGrpcServer>();

        // The sidecar only calls StartAsync on the service, never CreateIfNotExistsAsync (the hub's queues, tables,
        // containers and partition leases on Azure Storage).
        service = sidecar.Services.GetRequiredService<IEmbeddedOrchestrationService>();
        await service.CreateIfNotExistsAsync();
        // Built now so its dispatcher hooks the sidecar's lifetime events inside this detached context.
        _ = sidecar.Services.GetRequiredService<EmbeddedTaskHubGrpcServer>();

        await sidecar.StartAsync(cancellationToken);
        app = sidecar;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (app is { } sidecar)
        {
            app = null;
            var proxy = EmbeddedOrchestrationService.Of(service!);
            proxy.RequestStop();
            await sidecar.StopAsync(cancellationToken);
            // The sidecar stops its dispatchers and the service in an async-void handler of ApplicationStopping, after
            // StopAsync has returned: wait for the service (the release of its partition leases) before disposing it.
            if (await Task.WhenAny(proxy.Stopped, Task.Delay(ServiceStopTimeout, CancellationToken.None)) != proxy.Stopped)
            {
                // Its dispatchers wait for a work item whose worker has stopped: stop the service without them.
                await proxy.ForceStopAsync();
            }

            await sidecar.DisposeAsync();
            proxy.DisposeService();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
