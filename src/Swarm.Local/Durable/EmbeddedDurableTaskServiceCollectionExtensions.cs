using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Swarm.Local.Durable;

/// <summary>Registers the embedded Durable Task backend with a worker and a client connected to it.</summary>
public static class EmbeddedDurableTaskServiceCollectionExtensions
{
    /// <summary>
    /// Adds the in-process Durable Task backend (started before the worker), a Durable Task worker running the
    /// registered tasks, and a <see cref="DurableTaskClient"/>, all sharing one loopback gRPC channel.
    /// </summary>
    public static IServiceCollection AddEmbeddedDurableTask(
        this IServiceCollection services,
        Action<DurableTaskRegistry> registerTasks,
        Action<EmbeddedDurableOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(registerTasks);

        var options = new EmbeddedDurableOptions();
        configure?.Invoke(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentWorkItems, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TaskHub);
        if (options.AzureStorage is not null && !TaskHubName.IsValid(options.TaskHub))
        {
            throw new ArgumentException(TaskHubName.Rule(options.TaskHub), nameof(configure));
        }

        var backend = new EmbeddedDurableBackend(
            options.Port == 0 ? LoopbackPort.Free() : options.Port,
            options.TaskHub,
            options.MaxConcurrentWorkItems,
            options.AzureStorage);
        services.AddSingleton(backend);
        services.AddSingleton(new Swarm.Api.DurableBackendInfo(backend.Kind, backend.TaskHub, StorageOf(options.AzureStorage)));
        services.AddSingleton(_ => EmbeddedGrpcChannel.Create(backend.Address));
        services.AddHostedService(sp => new EmbeddedDurableSidecar(
            backend,
            sp.GetRequiredService<ILoggerFactory>(),
            // With the Durable Task SDK's client-side activity spans dropped, activity executions hang from their orchestration.
            parentActivitiesOnOrchestration: sp.GetService<Swarm.ServiceDefaults.SwarmTelemetryOptions>() is { Disabled: false, DurableTaskClientSpans: false }));

        services.AddDurableTaskWorker(worker =>
        {
            worker.AddTasks(registerTasks);
            worker.Configure(o =>
            {
                o.Concurrency.MaximumConcurrentOrchestrationWorkItems = backend.MaxConcurrentWorkItems;
                o.Concurrency.MaximumConcurrentActivityWorkItems = backend.MaxConcurrentWorkItems;
                o.Concurrency.MaximumConcurrentEntityWorkItems = backend.MaxConcurrentWorkItems;
                // The legacy categories log every worker event a second time under "Microsoft.DurableTask".
                o.Logging.UseLegacyCategories = false;
            });
            worker.UseGrpc(_ => { });
            worker.Services.AddOptions<GrpcDurableTaskWorkerOptions>(worker.Name)
                .Configure<GrpcChannel>((o, channel) =>
                {
                    o.Channel = channel;
                    o.Interceptors.Add(UntracedCallInterceptor.Instance);
                    // The sidecar sends no health pings, so an idle stream is normal rather than a silent disconnect.
                    o.SetSilentDisconnectTimeout(TimeSpan.Zero);
                });
        });

        services.AddDurableTaskClient(client =>
        {
            client.UseGrpc(_ => { });
            client.Services.AddOptions<GrpcDurableTaskClientOptions>(client.Name)
                .Configure<GrpcChannel>((o, channel) =>
                {
                    o.Channel = channel;
                    o.Interceptors.Add(UntracedCallInterceptor.Instance);
                });
        });

        return services;
    }

    /// <summary>Where the hub is stored, without credentials: the blob endpoint of a connection string, or the account name.</summary>
    private static string? StorageOf(DurableStorageOptions? storage)
    {
        if (storage is null)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(storage.AccountName))
        {
            return $"account {storage.AccountName}";
        }

        var parts = (storage.ConnectionString ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        return parts.TryGetValue("BlobEndpoint", out var blob) ? blob
            : parts.TryGetValue("AccountName", out var account) ? $"account {account}"
            : parts.ContainsKey("UseDevelopmentStorage") ? "development storage (Azurite on its default ports)"
            : "a connection string";
    }
}
