using System.Net;
using System.Net.Sockets;
using Swarm.Cli;
using Swarm.Cli.Output;

namespace Swarm.Cli.Tests;

/// <summary>What one run of the CLI returned and printed.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";

    public JsonElement Json() => JsonDocument.Parse(Out).RootElement.Clone();
}

/// <summary>Runs <c>swarm</c> in this process (through <see cref="SwarmCli.RunAsync"/>) or as a child process (<c>dotnet swarm.dll</c>).</summary>
public static class Cli
{
    /// <summary>A <c>SWARM_HOME</c> of the tests' own, so no state file of a developer's <c>swarm up</c> is read.</summary>
    public static string Home { get; } = CreateHome();

    /// <summary>The built CLI: <c>src/Swarm.Cli/bin/{configuration}/net10.0/swarm.dll</c>, built with the tests.</summary>
    public static string Dll { get; } = LocateDll();

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The environment a command sees: only what a test gives it, plus <c>SWARM_HOME</c>.</summary>
    public static Dictionary<string, string?> Environment(Dictionary<string, string?>? extra = null)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["SWARM_HOME"] = Home };
        foreach (var (key, value) in extra ?? [])
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>Runs the CLI in process; <paramref name="width"/> is the console's width in columns (a pipe's is 80).</summary>
    public static async Task<CliResult> RunAsync(string[] args, Dictionary<string, string?>? environment = null, TimeSpan? timeout = null, int width = 200)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var code = await SwarmCli.RunAsync(args, CliIo.Capture(output, error, width), new CliEnvironment(Environment(environment)), limit.Token);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, null);

    /// <summary>Runs the built CLI as a child process with <c>SWARM_HOME</c> and the given variables, no <c>OTEL_*</c> of the machine's.</summary>
    public static async Task<CliResult> RunProcessAsync(string[] args, Dictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Start(args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"swarm {string.Join(' ', args)} did not finish in time:\n{await stdout}\n{await stderr}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Starts <c>dotnet swarm.dll</c>. It goes through <c>env --default-signal=INT</c>: a process started from a
    /// non-interactive shell's background job inherits SIGINT ignored, and then Ctrl+C could not be tested.
    /// </summary>
    public static Process Start(string[] args, Dictionary<string, string?>? environment = null, bool ownSession = false)
    {
        // ownSession: a session and process group of its own (setsid execs in place), as a terminal's foreground job
        // has, so that a test can signal the whole group as Ctrl+C does without signalling itself.
        var start = new ProcessStartInfo(ownSession ? "setsid" : "env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        if (ownSession)
        {
            start.ArgumentList.Add("env");
        }

        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) || k.StartsWith("SWARM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in Environment(environment))
        {
            start.Environment[key] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    public static int FreePort() => Swarm.Local.LoopbackPort.Free();

    /// <summary>A loopback URL nothing listens on.</summary>
    public static string ClosedUrl() => $"http://127.0.0.1:{FreePort()}";

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds or <paramref name="timeout"/> passes; returns the last value read.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value) || limit.Elapsed > timeout)
            {
                return value;
            }

            await Task.Delay(250);
        }
    }

    private static string CreateHome()
    {
        var home = Directory.CreateTempSubdirectory("swarm-cli-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
                // Left for the temp folder's owner.
            }
        };
        return home;
    }

    private static string LocateDll()
    {
        // The tests run from tests/Swarm.Cli.Tests/bin/{configuration}/{tfm}/: the CLI was built into the same configuration.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var dll = Path.Combine(FindRoot(), "src", "Swarm.Cli", "bin", configuration, framework, "swarm.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The built CLI is not at {dll}; build the solution first.");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Swarm.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Swarm.Functions.sln not found above the test output.");
    }
}
