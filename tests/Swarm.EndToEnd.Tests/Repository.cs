using System.Diagnostics;

namespace Swarm.EndToEnd.Tests;

/// <summary>Locates files of the repository and runs local tools with a bounded wait.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static async Task<(int ExitCode, string Output)> RunAsync(string tool, string arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments)
        {
            WorkingDirectory = workingDirectory ?? Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"could not start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {arguments} did not finish in time");
        }

        return (process.ExitCode, await stdout + await stderr);
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

        throw new InvalidOperationException("Swarm.Functions.sln not found above the test output directory.");
    }
}
