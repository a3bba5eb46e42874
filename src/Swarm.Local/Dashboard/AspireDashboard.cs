using System.Net.Http;
using Swarm.Local.Servers;
using System.Reflection;
using System.Text;

namespace Swarm.Local.Dashboard;

/// <summary>
/// The Aspire dashboard as a local OTLP receiver and UI: the self-contained build that the
/// <c>Aspire.Dashboard.Sdk.linux-x64</c> package puts in the NuGet package folder, run as a child process on
/// loopback ports without authentication, with its telemetry API on. <c>swarm up</c> and the tests start it.
/// </summary>
public sealed class AspireDashboard : IAsyncDisposable
{
    /// <summary>Overrides where the dashboard executable is looked for.</summary>
    public const string PathVariable = "ASPIRE_DASHBOARD_PATH";

    private const string PackageId = "aspire.dashboard.sdk.linux-x64";
    private const string ScratchPrefix = "swarm-dashboard-";
    private const string ScratchOwner = "owner.pid";

    private readonly LocalProcess _process;
    private readonly DirectoryInfo _scratch;

    private AspireDashboard(LocalProcess process, DirectoryInfo scratch, Uri frontend, Uri otlpGrpc, Uri otlpHttp)
    {
        _process = process;
        _scratch = scratch;
        Frontend = frontend;
        OtlpGrpc = otlpGrpc;
        OtlpHttp = otlpHttp;
        Api = new HttpClient { BaseAddress = frontend, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The UI, and the telemetry API under <c>/api/telemetry</c>.</summary>
    public Uri Frontend { get; }

    /// <summary>OTLP over gRPC (<c>OTEL_EXPORTER_OTLP_PROTOCOL=grpc</c>).</summary>
    public Uri OtlpGrpc { get; }

    /// <summary>OTLP over HTTP/protobuf (<c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>).</summary>
    public Uri OtlpHttp { get; }

    public int ProcessId => _process.ProcessId;

    /// <summary>The dashboard's process, watched: <see cref="LocalProcess.Exited"/> tells when it dies.</summary>
    public LocalProcess Process => _process;

    /// <summary>A client of the dashboard's telemetry API (<c>GET /api/telemetry/traces</c>, <c>/logs</c>), which answers in OTLP JSON.</summary>
    public HttpClient Api { get; }

    /// <summary>What the dashboard printed last, for diagnosing a failed start.</summary>
    public string Output => _process.Output;

    /// <summary>The dashboard executable: <c>ASPIRE_DASHBOARD_PATH</c>, else the restored package, else null.</summary>
    public static string? Locate()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        var metadata = typeof(AspireDashboard).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .ToDictionary(a => a.Key, a => a.Value);
        var candidates = new List<string>();
        if (metadata.GetValueOrDefault("AspireDashboardPackage") is { Length: > 0 } restoredAt)
        {
            candidates.Add(restoredAt);
        }

        if (metadata.GetValueOrDefault("AspireDashboardVersion") is { Length: > 0 } version)
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
                ? folder
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            candidates.Add(Path.Combine(packages, PackageId, version));
        }

        return candidates
            .Select(package => Path.Combine(package, "tools", "Aspire.Dashboard"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Starts the dashboard on free loopback ports (or the given ones) and returns once its UI, API and OTLP endpoints answer.</summary>
    public static async Task<AspireDashboard> StartAsync(
        int frontendPort = 0, int otlpGrpcPort = 0, int otlpHttpPort = 0, TimeSpan? startTimeout = null, CancellationToken cancellationToken = default)
    {
        var executable = Locate() ?? throw new FileNotFoundException(
            $"The Aspire dashboard was not found: restore Swarm.Local (package {PackageId}) or set {PathVariable}.");
        var frontend = new Uri($"http://127.0.0.1:{LoopbackPort.FreeIfZero(frontendPort)}");
        var otlpGrpc = new Uri($"http://127.0.0.1:{LoopbackPort.FreeIfZero(otlpGrpcPort)}");
        var otlpHttp = new Uri($"http://127.0.0.1:{LoopbackPort.FreeIfZero(otlpHttpPort)}");

        var start = new ProcessStartInfo(executable) { WorkingDirectory = Path.GetDirectoryName(executable)! };
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_DASHBOARD", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["ASPNETCORE_URLS"] = frontend.ToString();
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = otlpGrpc.ToString();
        start.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = otlpHttp.ToString();
        start.Environment["ASPIRE_DASHBOARD_API_ENABLED"] = "true";
        // The dashboard (13.x) stores telemetry in SQLite whatever the mode; None makes it a throwaway database in its temp
        // folder (below) instead of a run kept under ~/.aspire, which a local receiver has no use for.
        start.Environment["ASPIRE_DASHBOARD_PERSISTENCE_MODE"] = "None";
        start.Environment["DASHBOARD__FRONTEND__AUTHMODE"] = "Unsecured";
        start.Environment["DASHBOARD__OTLP__AUTHMODE"] = "Unsecured";
        start.Environment["DASHBOARD__API__AUTHMODE"] = "Unsecured";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // Its run store is a SQLite file in the temp folder, which a killed process leaves behind: give it one of ours to
        // delete, and delete those of dashboards that are gone.
        SweepScratch();
        var scratch = Directory.CreateTempSubdirectory(ScratchPrefix);
        start.Environment["TMPDIR"] = scratch.FullName;

        var traces = new Uri(frontend, "/api/telemetry/traces");
        try
        {
            var process = await LocalProcess.StartAsync(
                "dashboard",
                start,
                async ct => await LocalProcess.AnswersAsync(traces, ct)
                    && await LocalProcess.AcceptsAsync(otlpGrpc.Port, ct)
                    && await LocalProcess.AcceptsAsync(otlpHttp.Port, ct),
                startTimeout ?? TimeSpan.FromSeconds(60),
                Path.Combine(scratch.FullName, "dashboard.log"),
                cancellationToken);
            File.WriteAllText(Path.Combine(scratch.FullName, ScratchOwner), process.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return new AspireDashboard(process, scratch, frontend, otlpGrpc, otlpHttp);
        }
        catch
        {
            DeleteScratch(scratch);
            throw;
        }
    }

    /// <summary>Stops the dashboard and everything it started.</summary>
    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _process.DisposeAsync();
        DeleteScratch(_scratch);
    }

    /// <summary>
    /// Deletes the temp folders (<c>swarm-dashboard-*</c>) of dashboards that are no longer running — left behind when
    /// their owner was killed — keeping any whose dashboard (its process id in <c>owner.pid</c>) still runs, and any
    /// without that file younger than 10 min (a dashboard still starting).
    /// </summary>
    private static void SweepScratch()
    {
        IEnumerable<string> folders;
        try
        {
            folders = Directory.EnumerateDirectories(Path.GetTempPath(), ScratchPrefix + "*").ToList();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var folder in folders)
        {
            try
            {
                var owner = Path.Combine(folder, ScratchOwner);
                var gone = File.Exists(owner)
                    ? !int.TryParse(File.ReadAllText(owner), out var pid) || !(LocalProcess.CommandLineOf(pid)?.Contains("Aspire.Dashboard", StringComparison.Ordinal) ?? false)
                    : Directory.GetCreationTimeUtc(folder) < DateTime.UtcNow.AddMinutes(-10);
                if (gone)
                {
                    DeleteScratch(new DirectoryInfo(folder));
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Another user's, or being deleted by its owner right now.
            }
        }
    }

    private static void DeleteScratch(DirectoryInfo scratch)
    {
        try
        {
            scratch.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a process that outlived the wait; the temp folder's owner cleans up after it.
        }
    }
}
