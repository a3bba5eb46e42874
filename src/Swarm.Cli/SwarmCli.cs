using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Swarm.Cli.Client;
using Swarm.Cli.Commands;
using Swarm.Cli.Output;

namespace Swarm.Cli;

/// <summary>
/// <c>swarm</c>: the local stack (<c>swarm up</c>) and the client commands. Exit codes: 0 ok, 1 a failure the server
/// reported, 2 a usage error naming the argument, 3 the server unreachable (naming the URL tried).
/// </summary>
public static class SwarmCli
{
    /// <summary>Runs one command line; <paramref name="cancellationToken"/> is Ctrl+C (or SIGTERM).</summary>
    public static async Task<int> RunAsync(string[] args, CliIo io, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var cli = new CliContext(io, environment);
        var root = new RootCommand("swarm: Roberts, Scrum and Lean agents on Durable Task, observed with OpenTelemetry.")
        {
            UpCommand.Create(cli),
            WorkCommands.Create(cli),
            MotionCommands.Create(cli),
            AgentsCommand.Create(cli),
            BusCommands.Create(cli),
            RemediationCommands.Create(cli),
            TraceCommand.Create(cli),
            DemoCommand.Create(cli),
            BoardCommand.Create(cli),
        };
        root.Add(cli.Url);
        root.Add(cli.Key);
        root.Add(cli.Json);

        var parse = root.Parse(args);
        if (parse.Errors.Count == 0 && parse.Action is not HelpAction && UnknownOption(parse) is { } unknown)
        {
            // An unknown option in an argument's place would otherwise be read as that argument ("priority '--bogus'").
            io.Fail($"swarm: unknown option '{unknown}'");
            io.Hint($"See '{Usage(parse)} --help'.");
            return ExitCodes.Usage;
        }

        if (parse.Errors.Count > 0 && parse.Action is not HelpAction
            && parse.CommandResult.Command == root && parse.UnmatchedTokens is [var first, ..]
            && NestedCommands(root, first).ToList() is { Count: > 0 } nested)
        {
            // `swarm vote …`: a command that exists one level down, under another name.
            io.Fail($"swarm: '{first}' is not a command of its own; did you mean {string.Join(" or ", nested.Select(path => $"'swarm {path}'"))}?");
            io.Hint($"See 'swarm {nested[0]} --help'.");
            return ExitCodes.Usage;
        }

        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            foreach (var message in UsageMessages(parse))
            {
                io.Fail($"swarm: {message}");
            }

            io.Hint($"See '{Usage(parse)} --help'.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(
                new InvocationConfiguration
                {
                    Output = io.OutWriter,
                    Error = io.ErrorWriter,
                    EnableDefaultExceptionHandler = false,
                    // Ctrl+C and SIGTERM arrive as cancellationToken: `swarm up` needs longer than a fixed grace period to stop what it started.
                    ProcessTerminationTimeout = null,
                },
                cancellationToken);
        }
        catch (UsageException error)
        {
            io.Fail($"swarm: {error.Message}");
            io.Hint($"See '{Usage(parse)} --help'.");
            return ExitCodes.Usage;
        }
        catch (ServerProblemException problem)
        {
            if (parse.GetValue(cli.Json))
            {
                io.OutWriter.WriteLine(problem.Body);
            }

            io.Fail($"swarm: {problem.Url} answered {problem.Status} {problem.Title}");
            if (problem.Detail is { } detail)
            {
                io.Fail($"  {detail}");
            }

            if (problem.Field is { } field)
            {
                io.Fail($"  field: {field}");
            }

            if (problem.TraceId is { } traceId)
            {
                io.Hint($"  trace: {traceId}");
            }

            return ExitCodes.Failure;
        }
        catch (ServerUnreachableException unreachable)
        {
            io.Fail($"swarm: {unreachable.Message}");
            io.Hint(unreachable.Hint);
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            io.Fail("swarm: interrupted");
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>
    /// The first argument token that looks like an option (<c>--name</c>, or <c>-x</c> that is not a number) and is
    /// none of the command's: null when there is none. Tokens after <c>--</c> are arguments whatever they look like.
    /// </summary>
    private static string? UnknownOption(ParseResult parse)
    {
        foreach (var token in parse.Tokens)
        {
            if (token.Type == TokenType.DoubleDash)
            {
                return null;
            }

            if (token.Type == TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-'
                && !double.TryParse(token.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                return token.Value;
            }
        }

        return null;
    }

    /// <summary>The paths (<c>motion vote</c>) of visible subcommands below the top level named <paramref name="name"/>.</summary>
    private static IEnumerable<string> NestedCommands(Command root, string name) =>
        from command in root.Subcommands
        where !command.Hidden
        from sub in command.Subcommands
        where !sub.Hidden && (sub.Name == name || sub.Aliases.Contains(name))
        select $"{command.Name} {sub.Name}";

    /// <summary>Parse errors, each naming the argument or option at fault.</summary>
    private static IEnumerable<string> UsageMessages(ParseResult parse)
    {
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var error in parse.Errors)
        {
            // "Required command was not provided" beside "Unrecognized command or argument 'x'" only misleads.
            if (parse.UnmatchedTokens.Count > 0 && error.SymbolResult is CommandResult { Command.Subcommands.Count: > 0 } parent
                && !Missing(parent).Any() && !parse.UnmatchedTokens.Any(token => error.Message.Contains($"'{token}'", StringComparison.Ordinal)))
            {
                continue;
            }

            var message = error.SymbolResult switch
            {
                ArgumentResult argument => $"<{argument.Argument.Name}>: {error.Message}",
                OptionResult option when WholeNumber(option.Option.ValueType) && option.Tokens.Count > 0 =>
                    $"{option.Option.Name}: '{option.Tokens[^1].Value}' is not a whole number",
                // A required option left out: said once, with what it is for (not "--voter: Option '--voter' is required.").
                OptionResult option when option.Option.Required && option.Tokens.Count == 0 && option.IdentifierToken is null =>
                    $"{option.Option.Name} is required ({option.Option.Description})",
                OptionResult option => $"{option.Option.Name}: {error.Message}",
                CommandResult group when group.Command.Subcommands.Count > 0 && parse.UnmatchedTokens.Count == 0 =>
                    $"'{group.Command.Name}' needs one of its commands: {string.Join(", ", group.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}",
                CommandResult command when Missing(command).ToList() is { Count: > 0 } missing =>
                    string.Join("; ", missing.Select(a => $"<{a.Name}> is required ({a.Description})")),
                _ => error.Message,
            };
            if (reported.Add(message))
            {
                yield return message;
            }
        }
    }

    private static bool WholeNumber(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) is var t && (t == typeof(int) || t == typeof(long));

    private static IEnumerable<Argument> Missing(CommandResult command) =>
        command.Command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0 && (command.GetResult(a) is not { } result || result.Tokens.Count == 0));

    private static string Usage(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is not null; result = result.Parent)
        {
            if (result is CommandResult { Command: not RootCommand } command)
            {
                names.Insert(0, command.Command.Name);
            }
        }

        return string.Join(' ', ["swarm", .. names]);
    }
}
