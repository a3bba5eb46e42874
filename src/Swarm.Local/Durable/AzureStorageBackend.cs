using Azure.Identity;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Logging;

namespace Swarm.Local.Durable;

/// <summary>
/// The Azure Storage provider's settings for the embedded sidecar, tuned for a local host (see
/// docs/durable-backend.md for each choice and what was measured).
/// </summary>
internal static class AzureStorageBackend
{
    /// <summary>The provider's settings for <paramref name="backend"/>'s task hub on <paramref name="storage"/>.</summary>
    public static AzureStorageOrchestrationServiceSettings Settings(
        EmbeddedDurableBackend backend, DurableStorageOptions storage, ILoggerFactory loggerFactory) => new()
    {
        TaskHubName = backend.TaskHub,
        StorageAccountClientProvider = Account(storage),
        WorkerId = storage.WorkerId,
        // Hosts that share a hub share the app name; the app lease (for slot swaps in Azure) is not needed locally.
        AppName = "swarm",
        UseAppLease = false,
        PartitionCount = storage.PartitionCount,
        MaxQueuePollingInterval = storage.MaxQueuePollingInterval,
        ControlQueueVisibilityTimeout = storage.MessageVisibilityTimeout,
        WorkItemQueueVisibilityTimeout = storage.MessageVisibilityTimeout,
        MaxConcurrentTaskOrchestrationWorkItems = backend.MaxConcurrentWorkItems,
        MaxConcurrentTaskActivityWorkItems = backend.MaxConcurrentWorkItems,
        // The sidecar's dispatcher releases every session after one episode; the proxy keeps them open (ExtendedSessions).
        ExtendedSessionsEnabled = storage.ExtendedSessions,
        ExtendedSessionIdleTimeout = storage.ExtendedSessions ? storage.ExtendedSessionIdleTimeout : TimeSpan.FromSeconds(30),
        // A start of an instance id that is running fails (AlreadyExists) instead of silently doing nothing.
        ThrowExceptionOnInvalidDedupeStatus = true,
        LoggerFactory = loggerFactory,
    };

    private static StorageAccountClientProvider Account(DurableStorageOptions storage) =>
        (storage.ConnectionString, storage.AccountName) switch
        {
            ({ Length: > 0 } connectionString, null or "") => new StorageAccountClientProvider(connectionString),
            (null or "", { Length: > 0 } accountName) => new StorageAccountClientProvider(
                accountName,
                new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = storage.ClientId })),
            _ => throw new ArgumentException("Set exactly one of a storage connection string and a storage account name.", nameof(storage)),
        };
}
