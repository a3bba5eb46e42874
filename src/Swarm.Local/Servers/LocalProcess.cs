using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Swarm.Local.Servers;

/// <summary>
/// A local server run as a child process (Azurite, Prometheus, Alertmanager, the Aspire dashboard): started with its
/// output in a log file, ready when a probe says so, watched (<see cref="Exited"/>), and stopped with
/// SIGTERM, then SIGKILL of its whole tree after <see cref="GracePeriod"/>.
/// <para>
/// The server writes its output to a log file (appended; set by the shell that execs it, with standard input from
/// <c>/dev/null</c>), not into pipes to its owner, so it outlives an owner that was killed: with pipes,
/// Prometheus and Alertmanager (Go programs) ended with SIGPIPE at their first log line after a <c>kill -9</c> of
/// <c>swarm up</c> — Alertmanager's first being the failed delivery to that dead host. <see cref="Output"/> reads the
/// file's last lines written since the start.
/// </para>
/// </summary>
/// <remarks>
/// Each server runs in a session of its own (started through <c>setsid</c>, util-linux, which execs it in place, so
/// <see cref="ProcessId"/> is the server's), so a terminal's Ctrl+C, which signals the whole foreground process group,
/// reaches only its owner: the owner then stops its host while the servers still answer (the Durable backend releases
/// its partition leases in Azurite), and the servers after it. Without <c>setsid</c> on the path they start as plain
/// children.
/// </remarks>
public sealed class LocalProcess : IAsyncDisposable
{
    /// <summary>How long a server has to exit after SIGTERM before it and its children are killed: 5 s.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    private const int OutputLines = 200;

    /// <summary>util-linux's <c>setsid</c>, where the system has it.</summary>
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>The servers started and not yet asked to stop, for <see cref="TerminateAllNow"/>.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<LocalProcess, byte> Live = new();

    /// <summary>A log file past this size (5 MiB) is moved to <c>{file}.1</c> at the next start, so logs do not grow without end.</summary>
    private const long LogFileLimit = 5 * 1024 * 1024;

    private readonly string _logFile;
    private long _logStart;
    private readonly ProcessStartInfo _start;
    private readonly Func<CancellationToken, Task<bool>> _ready;
    private readonly TimeSpan _timeout;
    private Process _process = null!;
    private int _stopping;

    private LocalProcess(string name, ProcessStartInfo start, Func<CancellationToken, Task<bool>> ready, TimeSpan timeout, string logFile)
    {
        _logFile = logFile;
        Name = name;
        _start = start;
        _ready = ready;
        _timeout = timeout;
    }

    /// <summary>Raised once when the process exits without having been asked to stop (a crash, or killed from outside).</summary>
    public event Action<LocalProcess>? Exited;

    /// <summary>The server's name as reports show it (<c>azurite</c>, <c>prometheus</c>, …).</summary>
    public string Name { get; }

    /// <summary>The operating system's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once exited, else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Where the server writes its output.</summary>
    public string LogFile => _logFile;

    /// <summary>The last 200 lines the process wrote to stdout and stderr since it was (re)started, oldest first.</summary>
    public string Output => LastLines(_logFile, _logStart);

    /// <summary>
    /// Starts <paramref name="start"/> (its output appended to <paramref name="logFile"/>) and waits until <paramref name="ready"/> answers
    /// true, polling every 100 ms. Throws <see cref="InvalidOperationException"/> (with its output) when the process
    /// exits first and <see cref="TimeoutException"/> when it is not ready within <paramref name="timeout"/>; either
    /// way the process is stopped.
    /// </summary>
    public static async Task<LocalProcess> StartAsync(
        string name, ProcessStartInfo start, Func<CancellationToken, Task<bool>> ready, TimeSpan timeout, string logFile,
        CancellationToken cancellationToken = default)
    {
        start.UseShellExecute = false;
        // A missing program fails here as Process.Start would (Win32Exception inside), not as sh's exit code 127.
        var executable = Resolve(start.FileName) ?? throw new InvalidOperationException(
            $"{name} ({start.FileName}) could not be started: not found", new System.ComponentModel.Win32Exception(2));
        // sh replaces itself with the server (exec), so the process id stays the server's.
        start.ArgumentList.Insert(0, executable);
        start.ArgumentList.Insert(0, "exec \"$0\" \"$@\" </dev/null >>\"$SWARM_SERVER_LOG\" 2>&1");
        start.ArgumentList.Insert(0, "-c");
        start.FileName = "/bin/sh";
        start.Environment["SWARM_SERVER_LOG"] = logFile;

        if (Setsid is not null && string.IsNullOrEmpty(start.Arguments) && start.FileName != Setsid)
        {
            start.ArgumentList.Insert(0, start.FileName);
            start.FileName = Setsid;
        }

        var server = new LocalProcess(name, start, ready, timeout, logFile);
        try
        {
            await server.LaunchAsync(cancellationToken);
        }
        catch
        {
            server._process?.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>Whether the server answers its readiness probe now.</summary>
    public Task<bool> IsReadyAsync(CancellationToken cancellationToken) => _ready(cancellationToken);

    /// <summary>
    /// Starts the server again with the same command, environment and probe, after stopping what is left of it;
    /// throws as <see cref="StartAsync"/> does.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref _stopping, 1);
        Live.TryRemove(this, out _);
        await TerminateAsync(_process);
        _process.Dispose();
        await LaunchAsync(cancellationToken);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_logFile))!);
        var log = new FileInfo(_logFile);
        if (log.Exists && log.Length > LogFileLimit)
        {
            File.Move(_logFile, _logFile + ".1", overwrite: true);
            log.Refresh();
        }

        _logStart = log.Exists ? log.Length : 0;

        var process = new Process { StartInfo = _start, EnableRaisingEvents = true };
        process.Exited += (_, _) =>
        {
            if (Volatile.Read(ref _stopping) == 0)
            {
                Exited?.Invoke(this);
            }
        };
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException($"{Name} ({_start.FileName}) did not start.");
            }
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            process.Dispose();
            throw new InvalidOperationException($"{Name} ({_start.FileName}) could not be started: {error.Message}", error);
        }

        _process = process;
        Interlocked.Exchange(ref _stopping, 0);
        Live[this] = 0;
        try
        {
            await WaitUntilReadyAsync(_ready, _timeout, cancellationToken);
        }
        catch
        {
            Interlocked.Exchange(ref _stopping, 1);
            await TerminateAsync(process);
            throw;
        }
    }

    /// <summary>Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Whether a GET of <paramref name="url"/> answers 2xx within 2 s.</summary>
    public static async Task<bool> AnswersAsync(Uri url, CancellationToken cancellationToken)
    {
        // A probe every 2 s is not worth a trace each.
        using var untraced = OpenTelemetry.SuppressInstrumentationScope.Begin();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Stops a server a previous run left behind (its process id recorded in a state file) — but only when that
    /// process is still alive and its command line contains <paramref name="commandLineContains"/>, so a reused process
    /// id of something else is never touched. SIGTERM, then SIGKILL after <see cref="GracePeriod"/>. True when it stopped one.
    /// </summary>
    public static async Task<bool> StopLeftoverAsync(int processId, string commandLineContains)
    {
        if (!CommandLineOf(processId)?.Contains(commandLineContains, StringComparison.Ordinal) ?? true)
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            await TerminateAsync(process);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The command line of a live process (arguments joined by spaces), or null when it is gone.</summary>
    public static string? CommandLineOf(int processId)
    {
        try
        {
            return File.ReadAllText($"/proc/{processId}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Stops the process: SIGTERM, then SIGKILL of its tree after <see cref="GracePeriod"/>. Does not raise <see cref="Exited"/>.</summary>
    public async Task StopAsync()
    {
        Interlocked.Exchange(ref _stopping, 1);
        Live.TryRemove(this, out _);
        await TerminateAsync(_process);
    }

    /// <summary>
    /// Sends SIGTERM to every server this process started and has not stopped, without waiting: for an owner that
    /// must exit at once (a second Ctrl+C). Each server then shuts down on its own (Azurite saves its data first).
    /// </summary>
    public static void TerminateAllNow()
    {
        var ids = Live.Keys.Where(server => !server.HasExited).Select(server => server.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Live.Clear();
        if (ids.Count == 0)
        {
            return;
        }

        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", .. ids]) { UseShellExecute = false, RedirectStandardError = true });
            kill?.WaitForExit(TimeSpan.FromSeconds(2));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No kill on the path: the servers outlive this process, and the next swarm up stops them as leftovers.
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private static async Task TerminateAsync(Process process)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }

            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
                   {
                       UseShellExecute = false,
                       RedirectStandardError = true,
                   }))
            {
                if (kill is not null)
                {
                    await kill.WaitForExitAsync();
                }
            }

            using var grace = new CancellationTokenSource(GracePeriod);
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(wait.Token);
            }
        }
        catch (Exception error) when (error is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or not gone within the wait: nothing more a caller could do about it.
        }
    }

    private async Task WaitUntilReadyAsync(Func<CancellationToken, Task<bool>> ready, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    await _process.WaitForExitAsync(CancellationToken.None);
                    throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}:\n{Output}");
                }

                if (await ready(deadline.Token))
                {
                    return;
                }

                await Task.Delay(100, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s:\n{Output}");
        }
    }

    /// <summary><paramref name="file"/> as a path: itself when it names a directory, else the first executable of that name on the PATH.</summary>
    private static string? Resolve(string file) =>
        file.Contains('/', StringComparison.Ordinal)
            ? (File.Exists(file) ? file : null)
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(directory => Path.Combine(directory, file))
                .FirstOrDefault(File.Exists);

    /// <summary>The last <see cref="OutputLines"/> lines of <paramref name="path"/> from byte <paramref name="from"/> on; empty when it cannot be read.</summary>
    private static string LastLines(string path, long from)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // The last 64 KiB hold 200 lines of any server here; a line cut at the start is dropped.
            var start = Math.Max(from, stream.Length - (64 * 1024));
            stream.Seek(start, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).AsEnumerable();
            if (start > from)
            {
                lines = lines.Skip(1);
            }

            return string.Join('\n', lines.TakeLast(OutputLines));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
