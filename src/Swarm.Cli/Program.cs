using System.Runtime.InteropServices;
using Swarm.Cli;
using Swarm.Cli.Output;
using Swarm.Local.Servers;

// Ctrl+C and SIGTERM cancel the command, which stops what it started and exits; a second one ends the process at once,
// after sending SIGTERM to the local servers it started (they run in sessions of their own, so the terminal's Ctrl+C
// does not reach them).
using var stopping = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    if (!stopping.IsCancellationRequested)
    {
        context.Cancel = true;
        stopping.Cancel();
        return;
    }

    Console.Error.WriteLine("swarm: stopping at once; the local servers were sent SIGTERM");
    LocalProcess.TerminateAllNow();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
return await SwarmCli.RunAsync(args, CliIo.Terminal(), CliEnvironment.Process(), stopping.Token);
