using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Swarm.Infra.Tests;

/// <summary>What one run of a tool (the Bicep CLI, node, npm) printed.</summary>
public sealed record BicepRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stderr ---\n{Stderr}\n--- stdout (start) ---\n{Stdout[..Math.Min(Stdout.Length, 2000)]}";
}

/// <summary>
/// The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package (its path is written into this assembly at build
/// time), run with a bounded wait. Each command the tests need runs once per test run; the results are shared.
/// </summary>
public static class Bicep
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static string BicepDirectory => Repository.PathOf("infra", "bicep");

    public static string Executable { get; } = Locate();

    /// <summary><c>bicep build infra/bicep/main.bicep --stdout</c>.</summary>
    public static BicepRun Build => BuildRun.Value;

    /// <summary><c>bicep build-params infra/bicep/main.bicepparam --stdout</c>.</summary>
    public static BicepRun BuildParams => BuildParamsRun.Value;

    /// <summary>The resources <c>bicep snapshot</c> predicts for main.bicepparam (secure parameters stay unknown).</summary>
    public static Snapshot Example => ExampleSnapshot.Value;

    /// <summary>The same with a parameters file that sets the optional settings and leaves the alerts out.</summary>
    public static Snapshot Variant => VariantSnapshot.Value;

    public const string VariantOtlpEndpoint = "https://collector.example.net:4317";

    private static readonly Lazy<BicepRun> BuildRun = new(() => Run(BicepDirectory, "build", "main.bicep", "--stdout"));

    private static readonly Lazy<BicepRun> BuildParamsRun = new(() => Run(BicepDirectory, "build-params", "main.bicepparam", "--stdout"));

    private static readonly Lazy<Snapshot> ExampleSnapshot = new(() => TakeSnapshot("main.bicepparam", null));

    private static readonly Lazy<Snapshot> VariantSnapshot = new(() => TakeSnapshot(
        "variant.bicepparam",
        $"""
        using 'main.bicep'

        param environmentName = 'test'
        param otlpEndpoint = '{VariantOtlpEndpoint}'
        param alwaysReadyInstances = 2
        param deployAlerts = false
        """));

    public static BicepRun Run(string workingDirectory, params string[] arguments) =>
        Tool.Run(Executable, workingDirectory, Timeout, arguments);

    /// <summary>Runs <c>bicep snapshot</c> in a scratch copy of infra/bicep, so that nothing is written into the repository.</summary>
    private static Snapshot TakeSnapshot(string parametersFile, string? parametersText)
    {
        var scratch = Directory.CreateTempSubdirectory("swarm-infra-");
        try
        {
            CopyDirectory(BicepDirectory, scratch.FullName);
            if (parametersText is not null)
            {
                File.WriteAllText(Path.Combine(scratch.FullName, parametersFile), parametersText);
            }

            var run = Run(
                scratch.FullName,
                "snapshot", parametersFile,
                "--mode", "overwrite",
                "--subscription-id", Snapshot.SubscriptionId,
                "--resource-group", Snapshot.ResourceGroup,
                "--location", Snapshot.Location);
            var file = Path.Combine(scratch.FullName, Path.ChangeExtension(parametersFile, ".snapshot.json"));
            if (run.ExitCode != 0 || !File.Exists(file))
            {
                throw new InvalidOperationException($"bicep snapshot {parametersFile} failed: {run}");
            }

            return new Snapshot(JsonNode.Parse(File.ReadAllText(file))!.AsObject(), run);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
        }
    }

    private static string Locate()
    {
        var path = Environment.GetEnvironmentVariable("SWARM_BICEP")
            ?? typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "BicepPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The Bicep CLI was not found at '{path}'. It comes with the Azure.Bicep.CommandLine.linux-x64 package (restore the test project), or set SWARM_BICEP.");
        }

        // NuGet does not always keep the executable bit of files it extracts.
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            var mode = File.GetUnixFileMode(path);
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, mode | execute);
            }
        }

        return path;
    }
}

/// <summary>Runs a command line tool with a bounded wait.</summary>
public static class Tool
{
    public static BicepRun Run(string executable, string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The example parameters read these; the tests want the defaults whatever the machine has set.
        start.Environment.Remove("SWARM_NOTIFICATION_WEBHOOK");
        start.Environment.Remove("SWARM_ALERTS_FUNCTION_KEY");

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(executable)} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s");
        }

        process.WaitForExit();
        return new BicepRun(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

/// <summary>Finds files of the repository.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Swarm.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Swarm.Functions.sln not found above the test output directory.");
    }
}
