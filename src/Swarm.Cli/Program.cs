using System.Runtime.InteropServices;
using Swarm.Cli;
using Swarm.Cli.Output;

// Ctrl+C and SIGTERM cancel the command, which stops what it started and exits; a second Ctrl+C ends the process at once.
using var stopping = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    if (!stopping.IsCancellationRequested)
    {
        context.Cancel = true;
        stopping.Cancel();
    }
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return await SwarmCli.RunAsync(args, CliIo.Terminal(), CliEnvironment.Process(), stopping.Token);
