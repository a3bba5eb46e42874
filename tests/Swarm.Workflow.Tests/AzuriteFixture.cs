using Swarm.Local.Durable;
using Swarm.Local.Servers;

namespace Swarm.Workflow.Tests;

/// <summary>
/// One Azurite for the tests of the <see cref="AzureStorageCollection"/>, in a temporary home of its own, stopped and
/// deleted at the end. Each host gets its own task hub on it.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private readonly string _home = Directory.CreateTempSubdirectory("swarm-workflow-azurite-").FullName;
    private Azurite? _azurite;

    /// <summary>Storage options for a new host: this Azurite, a worker id of its own.</summary>
    public DurableStorageOptions Storage() => new()
    {
        ConnectionString = (_azurite ?? throw new InvalidOperationException("Azurite has not started.")).ConnectionString,
        WorkerId = $"test-{Guid.NewGuid():N}",
        // Tests wait on second-scale windows: the queues are polled every 100 ms rather than backing off to 1 s.
        MaxQueuePollingInterval = TimeSpan.FromMilliseconds(100),
    };

    public async Task InitializeAsync() => _azurite = await Azurite.StartOrReuseAsync(_home, TimeSpan.FromSeconds(60));

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }

        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp folder's owner.
        }
    }
}

/// <summary>The tests that run on the Azure Storage provider share one Azurite and run one class at a time.</summary>
[CollectionDefinition(Name)]
public sealed class AzureStorageCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azure-storage";
}
