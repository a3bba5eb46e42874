namespace Swarm.Cli;

/// <summary>What <c>swarm</c> returns, for scripts.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server (or the dashboard) answered with a failure: a problem, a refused command, nothing found.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong; the message names the argument.</summary>
    public const int Usage = 2;

    /// <summary>Nothing answered at the URL tried.</summary>
    public const int Unreachable = 3;

    /// <summary>Stopped by Ctrl+C before it finished (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
