using System.Net;

namespace Swarm.Cli.Local;

/// <summary>
/// What a running <c>swarm up</c> started, as it writes it to <c>~/.swarm/up-{port}.json</c> (one file per API port,
/// copied to <see cref="IndexDirectory"/>): client commands aimed at that port read it to send their spans to the same
/// dashboard and to find the dashboard's telemetry API. The files are removed on shutdown; one left by a process that
/// is gone is ignored.
/// </summary>
public sealed record LocalStack(int ProcessId, Uri Api, Uri? Dashboard, Uri? Otlp, int? DashboardProcessId, DateTimeOffset StartedAt)
{
    /// <summary>Prometheus's URL, when this stack runs it.</summary>
    public Uri? Prometheus { get; init; }

    /// <summary>Alertmanager's URL, when this stack runs it.</summary>
    public Uri? Alertmanager { get; init; }

    /// <summary>The Prometheus process, when this stack runs it.</summary>
    public int? PrometheusProcessId { get; init; }

    /// <summary>The Alertmanager process, when this stack runs it.</summary>
    public int? AlertmanagerProcessId { get; init; }

    /// <summary><c>azure-storage</c> or <c>in-memory</c>.</summary>
    public string? Backend { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string PathFor(string home, int port) => Path.Combine(home, $"up-{port}.json");

    /// <summary>
    /// The machine's index of running stacks by API port, for this user: <c>$XDG_RUNTIME_DIR/swarm</c>, else
    /// <c>{temp}/swarm-{user}</c>. Ports belong to the machine, not to a <c>SWARM_HOME</c>: a client command run with
    /// another home (or none) still finds the <c>swarm up</c> on the port it calls, its dashboard and its OTLP endpoint.
    /// </summary>
    public static string IndexDirectory =>
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime
            ? Path.Combine(runtime, "swarm")
            : Path.Combine(Path.GetTempPath(), $"swarm-{Environment.UserName}");

    /// <summary>
    /// The stack serving <paramref name="url"/> when it is a loopback address with a live <c>swarm up</c> behind it: the
    /// state file in <paramref name="home"/>, else the one in <see cref="IndexDirectory"/>.
    /// </summary>
    public static LocalStack? Find(string home, Uri url)
    {
        if (!IsLoopback(url))
        {
            return null;
        }

        return Read(PathFor(home, url.Port)) is { } stack && IsAlive(stack.ProcessId)
            ? stack
            : Read(PathFor(IndexDirectory, url.Port)) is { } indexed && IsAlive(indexed.ProcessId) && indexed.Api.Port == url.Port ? indexed : null;
    }

    /// <summary>The stack file of <paramref name="port"/> when the <c>swarm up</c> that wrote it is gone (killed, or crashed).</summary>
    public static LocalStack? Leftover(string home, int port)
    {
        var stack = Read(PathFor(home, port));
        return stack is not null && !IsAlive(stack.ProcessId) ? stack : null;
    }

    /// <summary>Every <c>swarm up</c> of <paramref name="home"/> that is still running.</summary>
    public static IReadOnlyList<LocalStack> Live(string home) =>
        Directory.Exists(home)
            ? [.. Directory.EnumerateFiles(home, "up-*.json").Select(Read).OfType<LocalStack>().Where(s => IsAlive(s.ProcessId))]
            : [];

    private static LocalStack? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<LocalStack>(File.ReadAllText(path), Json);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    public string Write(string home)
    {
        Directory.CreateDirectory(home);
        var path = PathFor(home, Api.Port);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
        try
        {
            Directory.CreateDirectory(IndexDirectory);
            File.Copy(path, PathFor(IndexDirectory, Api.Port), overwrite: true);
            // Entries of runs that were killed (kill -9 removes nothing) are dropped here, so the index does not grow.
            foreach (var entry in Directory.EnumerateFiles(IndexDirectory, "up-*.json"))
            {
                if (Read(entry) is { } other && !IsAlive(other.ProcessId))
                {
                    File.Delete(entry);
                }
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The index only helps clients of another home find this stack; the home's file is what counts.
        }

        return path;
    }

    /// <summary>Removes the home's file and the index entry (<see cref="IndexDirectory"/>) where they are still this stack's (a later <c>swarm up</c> on the same port may have replaced them).</summary>
    public void Remove(string home)
    {
        RemoveIfOurs(PathFor(home, Api.Port));
        RemoveIfOurs(PathFor(IndexDirectory, Api.Port));
    }

    private void RemoveIfOurs(string path)
    {
        try
        {
            if (Read(path)?.ProcessId == ProcessId)
            {
                File.Delete(path);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Gone already, or not ours to remove.
        }
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
