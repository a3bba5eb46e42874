using System.Runtime.InteropServices;
using Swarm.Cli;
using Swarm.Cli.Output;
using Swarm.Local.Servers;

// Ctrl+C and SIGTERM cancel the command, which stops what it started and exits; a second one ends the process at once,
// after sending SIGTERM to the local servers it started (they run in sessions of their own, so the terminal's Ctrl+C
// does not reach them). The same signal again within a second is the same request, not a second one: a process group's
// SIGTERM (kill -TERM -- -PGID, timeout(1), systemd, a container runtime) reaches swarm both directly and through
// `dotnet run` (scripts/run.sh), which forwards it.
using var stopping = new CancellationTokenSource();
const long SameRequestMs = 1000;
PosixSignal? first = null;
long firstAt = 0;
void Stop(PosixSignalContext context)
{
    if (!stopping.IsCancellationRequested)
    {
        context.Cancel = true;
        first = context.Signal;
        firstAt = Environment.TickCount64;
        stopping.Cancel();
        return;
    }

    if (context.Signal == first && Environment.TickCount64 - firstAt < SameRequestMs)
    {
        context.Cancel = true;
        return;
    }

    Console.Error.WriteLine("swarm: stopping at once; the local servers were sent SIGTERM");
    LocalProcess.TerminateAllNow();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
return await SwarmCli.RunAsync(args, CliIo.Terminal(), CliEnvironment.Process(), stopping.Token);
