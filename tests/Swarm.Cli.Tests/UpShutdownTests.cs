using System.Net;
using System.Net.Sockets;

namespace Swarm.Cli.Tests;

/// <summary>Stopping <c>swarm up</c>: Ctrl+C (SIGINT) or SIGTERM stops the host and the dashboard and leaves nothing behind.</summary>
[Collection(UpCollection.Name)]
public sealed class UpShutdownTests
{
    /// <summary>
    /// <paramref name="group"/>: the signal goes to swarm up's whole process group, as a terminal's Ctrl+C does. The
    /// servers run in sessions of their own, so it reaches only swarm up, which stops the host while Azurite still
    /// answers and then the servers: before, they died with the Ctrl+C, the supervisor restarted them, and a stop that
    /// raced Azurite's death waited forever for the Durable backend to release its partition leases.
    /// <paramref name="times"/> 2: the same signal twice, 100 ms apart, as swarm up gets a process group's SIGTERM when
    /// it runs under <c>dotnet run</c> (scripts/run.sh), directly and forwarded: one request, so the stop is the
    /// orderly one, not the at-once stop of a second Ctrl+C (before, it was).
    /// </summary>
    [Theory]
    [InlineData("INT", false, 1)]
    [InlineData("TERM", false, 1)]
    [InlineData("INT", true, 1)]
    [InlineData("TERM", false, 2)]
    public async Task A_signal_stops_everything_it_started_and_exits_0(string signal, bool group, int times)
    {
        // A dashboard's temp folder left by a swarm up killed with -9: its dashboard (this test's own process id, not a
        // dashboard) is gone, so the next dashboard's start deletes it.
        var stale = Directory.CreateTempSubdirectory("swarm-dashboard-");
        await File.WriteAllTextAsync(Path.Combine(stale.FullName, "owner.pid"), System.Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var stack = await UpStack.StartAsync();
        Assert.False(Directory.Exists(stale.FullName), $"the stale dashboard temp folder {stale.FullName} was kept");
        var claim = await Cli.RunProcessAsync(["work", "claim", "task", "Before the stop", "--team", "t-stop", "--url", stack.Api], stack.Environment);
        Assert.True(claim.ExitCode == 0, claim.ToString());
        var dashboard = stack.DashboardProcessId;
        var scratch = TempFolderOf(dashboard);
        Assert.True(Directory.Exists(scratch), scratch);
        var dashboardPort = new Uri(stack.Dashboard).Port;
        var servers = ChildServers(stack.Process.Id);
        Assert.True(servers.Count >= 4, $"expected Azurite, the dashboard, Prometheus and Alertmanager as children: {string.Join(", ", servers.Values)}");
        foreach (var (pid, name) in servers)
        {
            // Each in a session of its own (setsid), out of reach of the terminal's signals.
            Assert.True(SessionOf(pid) == pid, $"{name} (pid {pid}) runs in session {SessionOf(pid)}, not its own");
        }

        var exited = await stack.SignalAsync(signal, TimeSpan.FromSeconds(30), group, times);

        Assert.True(exited, $"swarm up did not exit on SIG{signal}:\n{stack.Output}");
        Assert.True(stack.Process.ExitCode == 0, $"exit {stack.Process.ExitCode}:\n{stack.Output}");
        Assert.Contains("stopped", stack.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("stopping at once", stack.Output, StringComparison.Ordinal);
        // The last line names what was stopped, Azurite included (or says another swarm up of the home keeps it), on
        // one line however narrow the output (a pipe here: 80 columns).
        Assert.Matches(@"stopped: API, embedded backend, .*Azurite.*; state file removed", stack.Output);
        // The servers it stops are not mistaken for servers that died: nothing is restarted on the way out.
        Assert.DoesNotContain("stopped answering", stack.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("did not stop", stack.Output, StringComparison.Ordinal);
        Assert.False(IsRunning(dashboard, "Aspire.Dashboard"), $"the dashboard (pid {dashboard}) is still running");
        foreach (var (pid, name) in servers)
        {
            Assert.False(IsRunning(pid, name), $"{name} (pid {pid}) is still running");
        }

        Assert.False(Directory.Exists(scratch), $"the dashboard's temp folder {scratch} is left behind");
        Assert.False(File.Exists(stack.StatePath), "the state file is left behind");
        Assert.False(Listens(stack.Port), $"something still listens on the API port {stack.Port}");
        Assert.False(Listens(dashboardPort), $"something still listens on the dashboard port {dashboardPort}");
    }

    [Fact]
    public async Task A_port_in_use_exits_1_naming_the_port_before_starting_anything()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var home = Directory.CreateTempSubdirectory("swarm-port-taken-").FullName;
        try
        {
            var result = await Cli.RunProcessAsync(
                ["up", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-dashboard"],
                new Dictionary<string, string?> { ["SWARM_HOME"] = home },
                TimeSpan.FromSeconds(60));

            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains($"127.0.0.1:{port}", result.Err, StringComparison.Ordinal);
            Assert.Contains("--port", result.Err, StringComparison.Ordinal);
            // Checked first: no Azurite started (its data folder is made when it starts) and no server's stack trace printed.
            Assert.False(Directory.Exists(Path.Combine(home, "azurite")), "Azurite was started before the port was checked");
            Assert.DoesNotContain("   at ", result.Out + result.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>The dashboard runs with a temp folder of its own (its <c>TMPDIR</c>), which stopping it deletes.</summary>
    private static string TempFolderOf(int processId)
    {
        var environment = File.ReadAllText($"/proc/{processId}/environ").Split('\0');
        return environment.Single(v => v.StartsWith("TMPDIR=", StringComparison.Ordinal))["TMPDIR=".Length..];
    }

    /// <summary>The live child processes of <paramref name="parent"/>: process id → the start of its command line.</summary>
    private static Dictionary<int, string> ChildServers(int parent)
    {
        var children = new Dictionary<int, string>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid) || pid == parent)
            {
                continue;
            }

            try
            {
                if (ParentOf(pid) == parent)
                {
                    children[pid] = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0')[0];
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        return children;
    }

    private static int ParentOf(int processId) => int.Parse(StatFields(processId)[1], System.Globalization.CultureInfo.InvariantCulture);

    private static int SessionOf(int processId) => int.Parse(StatFields(processId)[3], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>/proc/{pid}/stat</c> after the command name: state, ppid, pgrp, session, …</summary>
    private static string[] StatFields(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static bool IsRunning(int processId, string commandContains)
    {
        try
        {
            return File.ReadAllText($"/proc/{processId}/cmdline").Contains(commandContains, StringComparison.Ordinal);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool Listens(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
