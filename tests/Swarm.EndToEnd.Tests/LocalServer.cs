using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Swarm.EndToEnd.Tests;

/// <summary>A real server started from its Debian package on a free loopback port, stopped (with its children) on dispose.</summary>
public sealed class LocalServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private LocalServer(Process process, int port)
    {
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <paramref name="executable"/> and waits until <c>GET /-/ready</c> answers 200.</summary>
    public static async Task<LocalServer> StartAsync(string executable, int port, string arguments, TimeSpan readyWithin)
    {
        var process = Process.Start(new ProcessStartInfo(executable, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"could not start {executable}");
        var server = new LocalServer(process, port);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var limit = Stopwatch.StartNew();
        while (limit.Elapsed < readyWithin)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{executable} exited with {process.ExitCode}:\n{server.Output}");
            }

            try
            {
                if ((await http.GetAsync(new Uri(server.BaseAddress, "/-/ready"))).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        throw new TimeoutException($"{executable} was not ready within {readyWithin.TotalSeconds} s:\n{server.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }

        _process.Dispose();
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
