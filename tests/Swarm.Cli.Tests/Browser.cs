namespace Swarm.Cli.Tests;

/// <summary>
/// Headless Chromium (the Debian <c>chromium</c> package, installed by <c>scripts/install-prereqs.sh</c>) driven by
/// node and playwright-core from <c>browser/</c>, which is installed next to the tests on first use.
/// </summary>
public static class Browser
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Screenshots of the dashboard's traces page and of the trace's detail page, once each shows <paramref name="spanName"/>.</summary>
    public static Task<JsonElement> ScreenshotAsync(string dashboard, string traceId, string spanName, string folder) =>
        RunScriptAsync("screenshot.mjs", folder, null, dashboard, traceId, spanName, folder);

    /// <summary>
    /// Runs <paramref name="script"/> (in <c>browser/</c>) with <paramref name="args"/> and <paramref name="environment"/>,
    /// after creating <paramref name="folder"/> for its screenshots; returns the JSON line it prints last.
    /// </summary>
    public static async Task<JsonElement> RunScriptAsync(string script, string folder, Dictionary<string, string>? environment, params string[] args)
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured ? configured : Chromium;
        if (!File.Exists(chromium))
        {
            throw new FileNotFoundException($"Chromium is not installed at {chromium}: run scripts/install-prereqs.sh (Debian package chromium).");
        }

        var directory = Path.Combine(AppContext.BaseDirectory, "browser");
        if (!File.Exists(Path.Combine(directory, "node_modules", "playwright-core", "package.json")))
        {
            var install = await RunAsync("npm", directory, TimeSpan.FromMinutes(3), null, "ci", "--no-audit", "--no-fund", "--loglevel=error");
            if (install.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci of the browser check failed: {install}");
            }
        }

        Directory.CreateDirectory(folder);
        var run = await RunAsync("node", directory, TimeSpan.FromSeconds(180), environment, [script, .. args]);
        return run.ExitCode == 0
            ? JsonDocument.Parse(run.Out.Trim().Split('\n')[^1]).RootElement.Clone()
            : throw new InvalidOperationException($"the browser check {script} failed: {run}");
    }

    private static async Task<CliResult> RunAsync(string tool, string directory, TimeSpan timeout, Dictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
