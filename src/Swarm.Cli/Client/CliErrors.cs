namespace Swarm.Cli.Client;

/// <summary>The command line is wrong: <see cref="Argument"/> names the argument or option as it is written in help.</summary>
public sealed class UsageException(string argument, string message) : Exception(message)
{
    public string Argument { get; } = argument;
}
