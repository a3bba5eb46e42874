using System.Text.Json;

namespace Swarm.Local.Servers;

/// <summary>
/// Azurite, the Azure Storage emulator (npm <c>azurite</c>, installed into <c>local/azurite</c> by
/// <c>scripts/install-prereqs.sh</c>), as the local Durable backend's storage: one per <c>SWARM_HOME</c>, its data in
/// <c>{home}/azurite</c> so the next run finds it, on free 127.0.0.1 ports, with <c>--skipApiVersionCheck</c> (the
/// storage SDKs send newer API versions than Azurite 3.35 knows) and <c>--disableTelemetry</c>.
/// <para>
/// What is running is recorded in <c>{home}/azurite.json</c>. A run finds the Azurite of that file still answering
/// and reuses it — left over by a run that crashed (it becomes the owner) or serving another <c>swarm up</c> of the
/// same home (it joins; the owner stays). The owner stops it on exit with SIGTERM, so Azurite saves its metadata
/// (it autosaves every 5 s; SIGKILL could lose the last seconds), unless another live run uses it: then that run
/// becomes the owner.
/// </para>
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    /// <summary>Overrides where the <c>azurite</c> executable is looked for.</summary>
    public const string PathVariable = "SWARM_AZURITE";

    /// <summary>The storage account every Azurite serves.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's fixed, published development key for <see cref="AccountName"/> (not a secret).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly string _home;
    private LocalProcess? _process;
    private AzuriteState _state;

    private Azurite(string home, AzuriteState state, LocalProcess? process, bool reused)
    {
        _home = home;
        _state = state;
        _process = process;
        Reused = reused;
    }

    /// <summary>The Azurite process.</summary>
    public int ProcessId => _state.ProcessId;

    /// <summary>Whether this run found the Azurite already running (left over by a crashed run, or another run's).</summary>
    public bool Reused { get; }

    /// <summary>Where Azurite keeps its data.</summary>
    public string Location => _state.Location;

    /// <summary>The blob endpoint (queue and table are on the next two ports).</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{_state.BlobPort}/{AccountName}");

    /// <summary>A connection string for the three services of this Azurite.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_state.BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{_state.QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{_state.TablePort}/{AccountName};";

    /// <summary>The state file of <paramref name="home"/>.</summary>
    public static string StatePath(string home) => Path.Combine(home, "azurite.json");

    /// <summary>The <c>azurite</c> executable: <c>SWARM_AZURITE</c>, else the repository's <c>local/azurite</c>, else the PATH; null when none.</summary>
    public static string? Locate()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "local", "azurite", "node_modules", ".bin", "azurite");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "azurite"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// The Azurite of <paramref name="home"/>: the one its state file names when that still answers, else a new one.
    /// Throws <see cref="FileNotFoundException"/> when Azurite is not installed, <see cref="InvalidOperationException"/>
    /// when it exits at start and <see cref="TimeoutException"/> when it does not listen within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<Azurite> StartOrReuseAsync(string home, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(home);
        if (Read(home) is { } recorded && await AnswersAsync(recorded, cancellationToken))
        {
            var owned = IsAlive(recorded.OwnerProcessId) && recorded.OwnerProcessId != Environment.ProcessId;
            var state = owned ? recorded : recorded with { OwnerProcessId = Environment.ProcessId };
            var reused = new Azurite(home, state, null, reused: true);
            if (!owned)
            {
                reused.Write();
            }

            return reused;
        }

        if (Read(home) is { } stale)
        {
            // Recorded but not answering: a hung leftover holding the data folder's files is stopped before a new start.
            await LocalProcess.StopLeftoverAsync(stale.ProcessId, "azurite");
        }

        var location = Path.Combine(home, "azurite");
        Directory.CreateDirectory(location);
        var fresh = new AzuriteState(0, Environment.ProcessId, LoopbackPort.Free(), LoopbackPort.Free(), LoopbackPort.Free(), location);
        var process = await LaunchAsync(fresh, timeout, cancellationToken);
        var azurite = new Azurite(home, fresh with { ProcessId = process.ProcessId }, process, reused: false);
        azurite.Write();
        return azurite;
    }

    /// <summary>
    /// Starts Azurite again on the same ports and data folder (the backend's connection string stays valid) after it
    /// died; this run becomes its owner. Throws as <see cref="StartOrReuseAsync"/> does.
    /// </summary>
    public async Task RestartAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (_process is not null)
        {
            await _process.RestartAsync(cancellationToken);
        }
        else
        {
            await LocalProcess.StopLeftoverAsync(_state.ProcessId, "azurite");
            _process = await LaunchAsync(_state with { ProcessId = 0 }, timeout, cancellationToken);
        }

        _state = _state with { ProcessId = _process.ProcessId, OwnerProcessId = Environment.ProcessId };
        Write();
    }

    private static async Task<LocalProcess> LaunchAsync(AzuriteState state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var executable = Locate() ?? throw new FileNotFoundException(
            $"Azurite was not found: run scripts/install-prereqs.sh (npm, into local/azurite), put azurite on the PATH or set {PathVariable}.");
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--location", state.Location,
                "--blobHost", "127.0.0.1", "--blobPort", Port(state.BlobPort),
                "--queueHost", "127.0.0.1", "--queuePort", Port(state.QueuePort),
                "--tableHost", "127.0.0.1", "--tablePort", Port(state.TablePort),
            },
            WorkingDirectory = state.Location,
        };
        var probe = state with { ProcessId = 0 };
        return await LocalProcess.StartAsync(
            "azurite", start, ct => AnswersAsync(probe, ct), timeout, Path.Combine(Path.GetDirectoryName(state.Location)!, "azurite.log"), cancellationToken);
    }

    /// <summary>The Azurite process this run started (watchable), or null when it reused one.</summary>
    public LocalProcess? Process => _process;

    /// <summary>Whether all three services accept connections.</summary>
    public Task<bool> IsReachableAsync(CancellationToken cancellationToken) => AnswersAsync(_state, cancellationToken);

    /// <summary>
    /// Stops Azurite if this run owns it and no other live run of the home uses it; hands it over to one that does.
    /// <paramref name="othersUsingIt"/> lists the process ids of other runs of this home. True when it stopped
    /// Azurite; false when another run keeps using it (or it was not this run's to stop).
    /// </summary>
    public async Task<bool> ReleaseAsync(IEnumerable<int> othersUsingIt)
    {
        var current = Read(_home);
        // Another live run owns it: that one stops it. An owner that died (killed) leaves it to whoever releases last.
        if (current is null || current.ProcessId != _state.ProcessId
            || (current.OwnerProcessId != Environment.ProcessId && IsAlive(current.OwnerProcessId)))
        {
            return false;
        }

        if (othersUsingIt.FirstOrDefault(pid => pid != Environment.ProcessId && IsAlive(pid)) is var heir and not 0)
        {
            _state = current with { OwnerProcessId = heir };
            Write();
            return false;
        }

        if (_process is not null)
        {
            await _process.StopAsync();
        }
        else
        {
            await LocalProcess.StopLeftoverAsync(_state.ProcessId, "azurite");
        }

        File.Delete(StatePath(_home));
        return true;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync([]);
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Whether the three services accept connections — and, for a recorded process (<c>ProcessId</c> not 0), whether
    /// that process is still an Azurite, so a port now held by something else is not mistaken for it.
    /// </summary>
    private static async Task<bool> AnswersAsync(AzuriteState state, CancellationToken cancellationToken) =>
        (state.ProcessId == 0 || LocalProcess.CommandLineOf(state.ProcessId)?.Contains("azurite", StringComparison.Ordinal) == true)
        && await LocalProcess.AcceptsAsync(state.BlobPort, cancellationToken)
        && await LocalProcess.AcceptsAsync(state.QueuePort, cancellationToken)
        && await LocalProcess.AcceptsAsync(state.TablePort, cancellationToken);
    private static AzuriteState? Read(string home)
    {
        try
        {
            return JsonSerializer.Deserialize<AzuriteState>(File.ReadAllText(StatePath(home)), Json);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static bool IsAlive(int processId) => processId > 0 && LocalProcess.CommandLineOf(processId) is not null;

    private void Write()
    {
        var path = StatePath(_home);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(_state, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>What <c>{home}/azurite.json</c> records: the process, the run that stops it, its ports and data folder.</summary>
    private sealed record AzuriteState(int ProcessId, int OwnerProcessId, int BlobPort, int QueuePort, int TablePort, string Location);
}
