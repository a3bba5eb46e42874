using System.Text;

namespace Swarm.Cli.Tests;

/// <summary>
/// <c>swarm up</c> as a child process (<c>dotnet swarm.dll up</c>) on free loopback ports with demo timers, and what it
/// wrote to its state file. Disposing it interrupts it (SIGINT) and, should that fail, kills it with its children.
/// </summary>
public sealed class UpStack : IAsyncDisposable
{
    private readonly StringBuilder _output = new();

    private readonly bool _ownsHome;

    private UpStack(Process process, int port, string home, bool ownsHome)
    {
        _ownsHome = ownsHome;
        Process = process;
        Port = port;
        Home = home;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }
    public int Port { get; }

    /// <summary>The <c>SWARM_HOME</c> of this stack and of the CLI commands run against it.</summary>
    public string Home { get; }

    public string Api => $"http://127.0.0.1:{Port}";
    public JsonElement State { get; private set; }
    public string Dashboard => State.GetProperty("dashboard").GetString()!;
    public int DashboardProcessId => State.GetProperty("dashboardProcessId").GetInt32();
    public TimeSpan ReadyAfter { get; private set; }
    public string StatePath => Path.Combine(Home, $"up-{Port}.json");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public Dictionary<string, string?> Environment => new() { ["SWARM_HOME"] = Home };

    public static Task<UpStack> StartAsync(params string[] extra) =>
        StartAsync(Directory.CreateTempSubdirectory("swarm-up-test-").FullName, Cli.FreePort(), ownsHome: true, extra);

    /// <summary>
    /// <c>swarm up</c> on <paramref name="port"/> with <paramref name="home"/> as its <c>SWARM_HOME</c>; the home is
    /// deleted on dispose only when <paramref name="ownsHome"/> (a test that restarts a stack on the same data owns it).
    /// </summary>
    public static Task<UpStack> StartAsync(string home, int port, bool ownsHome, params string[] extra) =>
        StartAsync(home, port, ownsHome, new Dictionary<string, string?>(), extra);

    /// <summary>As above, with <paramref name="environment"/> added to the host's environment (e.g. log levels).</summary>
    public static async Task<UpStack> StartAsync(
        string home, int port, bool ownsHome, Dictionary<string, string?> environment, params string[] extra)
    {
        var started = Stopwatch.StartNew();
        var process = Cli.Start(
            ["up", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dashboard-port", "0", "--otlp-port", "0", "--otlp-http-port", "0", "--demo-timers", .. extra],
            new(environment) { ["SWARM_HOME"] = home },
            ownSession: true);
        var stack = new UpStack(process, port, home, ownsHome);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"swarm up exited with {process.ExitCode}:\n{stack.Output}");
                }

                if (started.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"swarm up was not ready within 60 s:\n{stack.Output}");
                }

                // The state file is written just before the start-up table is printed: wait for the table's last line too,
                // so that assertions on the output see the whole table.
                if (File.Exists(stack.StatePath) && stack.Output.Contains("Ctrl+C stops everything", StringComparison.Ordinal)
                    && await AnswersAsync(http, $"{stack.Api}/api/health"))
                {
                    stack.ReadyAfter = started.Elapsed;
                    stack.State = JsonDocument.Parse(await File.ReadAllTextAsync(stack.StatePath)).RootElement.Clone();
                    return stack;
                }

                await Task.Delay(100);
            }
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (INT or TERM) to the process — or, with <paramref name="group"/>, to its whole
    /// process group, as a terminal's Ctrl+C does — <paramref name="times"/> times, 100 ms apart, and waits for the
    /// process to exit; true if it did in time.
    /// </summary>
    public async Task<bool> SignalAsync(string signal, TimeSpan within, bool group = false, int times = 1)
    {
        var target = (group ? "-" : string.Empty) + Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < times; i++)
        {
            if (i > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }

            using var kill = Process.Start("kill", ["-" + signal, "--", target])!;
            await kill.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(within);
        try
        {
            await Process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited && !await SignalAsync("INT", TimeSpan.FromSeconds(20)))
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
        SaveOutput();
        if (!_ownsHome)
        {
            return;
        }

        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp folder's owner.
        }
    }

    public static async Task<bool> AnswersAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(url));
            return response.IsSuccessStatusCode;
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Keeps what the host wrote as a test artifact (<c>artifacts/test-results/swarm-up/{home}-{port}.log</c>), so a
    /// failure under a loaded CI machine can be read afterwards.
    /// </summary>
    private void SaveOutput()
    {
        try
        {
            var folder = Path.Combine(Cli.RepositoryRoot, "artifacts", "test-results", "swarm-up");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, $"{Path.GetFileName(Home)}-{Port}.log"), Output);
        }
        catch (IOException)
        {
            // An artifact only: the test's outcome does not depend on it.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
