using Swarm.Local.Durable;
using Swarm.Local.Servers;

namespace Swarm.Benchmarks;

/// <summary>
/// The Durable backend a harness runs on, from <c>--backend memory|azurite</c> (default <c>memory</c>): the in-memory
/// service, or the Azure Storage provider on an Azurite this harness starts in a temporary folder and stops at the end.
/// Each host gets a task hub of its own, so parts of one run do not share queues. <c>--home DIR</c> keeps Azurite's data
/// in <c>DIR</c> instead (kept after the run) and <c>--task-hub NAME</c> names the hub, so a later run finds what an
/// earlier one left, e.g. the instances a listing benchmark seeded.
/// </summary>
public sealed class BenchmarkBackend : IAsyncDisposable
{
    private readonly string? _home;
    private readonly Azurite? _azurite;

    private readonly bool _keepHome;
    private readonly string? _taskHub;

    private BenchmarkBackend(string name, string? home, Azurite? azurite, TimeSpan polling, bool keepHome = false, string? taskHub = null)
    {
        _keepHome = keepHome;
        _taskHub = taskHub;
        Name = name;
        Polling = polling;
        _home = home;
        _azurite = azurite;
    }

    /// <summary><c>memory</c> or <c>azurite</c>.</summary>
    public string Name { get; }

    /// <summary>The provider's longest idle queue poll (<c>--poll-ms</c>, default 1000, the local host's default).</summary>
    public TimeSpan Polling { get; }

    /// <summary>Control-queue partitions of each new hub (<c>--partitions</c>, 1–16, default 4, the local host's default).</summary>
    public int Partitions { get; private init; } = 4;

    /// <summary>Azurite's connection string, when on Azurite.</summary>
    public string? ConnectionString => _azurite?.ConnectionString;

    /// <summary>Reads <c>--backend</c>; throws <see cref="ArgumentException"/> for another value.</summary>
    public static async Task<BenchmarkBackend> StartAsync(string[] args)
    {
        var at = Array.IndexOf(args, "--backend");
        var name = at >= 0 && at + 1 < args.Length ? args[at + 1] : "memory";
        var polling = TimeSpan.FromMilliseconds(BenchmarkArgs.Option(args, "--poll-ms", 1000));
        switch (name)
        {
            case "memory":
                return new BenchmarkBackend(name, null, null, polling);
            case "azurite":
                var kept = BenchmarkArgs.Text(args, "--home");
                var home = kept is null ? Directory.CreateTempSubdirectory("swarm-bench-azurite-").FullName : Directory.CreateDirectory(kept).FullName;
                var azurite = await Azurite.StartOrReuseAsync(home, TimeSpan.FromSeconds(60));
                return new BenchmarkBackend(name, home, azurite, polling, keepHome: kept is not null, taskHub: BenchmarkArgs.Text(args, "--task-hub"))
                {
                    Partitions = BenchmarkArgs.Option(args, "--partitions", 4),
                };
            default:
                throw new ArgumentException($"--backend: '{name}' is not memory or azurite.");
        }
    }

    /// <summary>The hub <c>--task-hub</c> names, else a new one per host.</summary>
    public string TaskHub() => _taskHub ?? NewTaskHub();

    /// <summary>A new task hub's name: letters and digits, as the provider requires.</summary>
    public static string NewTaskHub() => $"bench{Guid.NewGuid():N}"[..20];

    /// <summary>Command-line settings for a <c>SwarmWebApp</c> on this backend: none for memory; Azurite and a new task hub otherwise.</summary>
    public string[] HostArguments() => _azurite is null
        ? []
        : [$"--Swarm:Durable:TaskHub={TaskHub()}", $"--Swarm:Durable:AzureStorage:ConnectionString={_azurite.ConnectionString}"];

    /// <summary>Configures a host's embedded backend: nothing for memory; Azurite and a new task hub otherwise.</summary>
    public void Configure(EmbeddedDurableOptions options)
    {
        if (_azurite is null)
        {
            return;
        }

        options.TaskHub = TaskHub();
        options.AzureStorage = new DurableStorageOptions
        {
            ConnectionString = _azurite.ConnectionString, WorkerId = "bench", MaxQueuePollingInterval = Polling, PartitionCount = Partitions,
        };
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }

        if (_home is not null && !_keepHome)
        {
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
}
