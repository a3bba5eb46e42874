namespace Swarm.Architecture.Tests;

/// <summary>What <c>dotnet publish src/Swarm.Functions</c> ships: only what runs in Azure.</summary>
public sealed class PublishedFunctionsApp
{
    // The suite's own configuration: the solution was just built in it, so publishing needs no second build.
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task The_published_app_ships_no_local_host_test_sidecar_grpc_server_or_prometheus_exporter()
    {
        var output = Directory.CreateTempSubdirectory("swarm-publish-");
        try
        {
            var root = RepositoryRoot();
            var publish = Process.Start(new ProcessStartInfo("dotnet", ["publish", Path.Combine(root, "src", "Swarm.Functions"), "-c", Configuration, "--no-build", "-o", output.FullName, "--nologo"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = root,
            })!;
            var log = publish.StandardOutput.ReadToEndAsync();
            var errors = publish.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await publish.WaitForExitAsync(timeout.Token);
            Assert.True(publish.ExitCode == 0, $"dotnet publish failed: {await log}{await errors}");

            // The worker's own output. `.azurefunctions/` is the Functions host's Durable extension (WebJobs, built by the
            // worker SDK from the Durable extension package); its gRPC server is the host's side of the Durable channel.
            var assemblies = Directory.GetFiles(output.FullName, "*.dll", SearchOption.TopDirectoryOnly).Select(Path.GetFileName).ToList();
            var hostExtension = Directory.GetFiles(Path.Combine(output.FullName, ".azurefunctions"), "*.dll").Select(Path.GetFileName).ToList();
            Assert.Contains("Microsoft.Azure.WebJobs.Extensions.DurableTask.dll", hostExtension);
            Assert.DoesNotContain(hostExtension, a => a!.StartsWith("Microsoft.DurableTask.InProcessTestHost", StringComparison.Ordinal) || a.StartsWith("OpenTelemetry.Exporter.Prometheus", StringComparison.Ordinal));
            Assert.Contains("Swarm.Functions.dll", assemblies);
            Assert.Contains("Swarm.Domain.dll", assemblies);
            Assert.DoesNotContain(assemblies, a => a!.StartsWith("Microsoft.DurableTask.InProcessTestHost", StringComparison.Ordinal));
            Assert.DoesNotContain(assemblies, a => a!.StartsWith("Grpc.AspNetCore.Server", StringComparison.Ordinal));
            Assert.DoesNotContain(assemblies, a => a!.StartsWith("OpenTelemetry.Exporter.Prometheus", StringComparison.Ordinal));
            Assert.DoesNotContain("Swarm.Local.dll", assemblies);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Swarm.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Swarm.Functions.sln not found above " + AppContext.BaseDirectory);
    }
}
