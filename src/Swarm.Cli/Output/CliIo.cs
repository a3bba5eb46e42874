namespace Swarm.Cli.Output;

/// <summary>
/// Where a command writes: <see cref="Out"/> for results (tables, trees, or JSON for scripts), <see cref="Error"/> for
/// diagnostics, so <c>swarm work list --json | jq</c> reads only JSON.
/// </summary>
public sealed class CliIo
{
    private CliIo(IAnsiConsole output, IAnsiConsole error, TextWriter outWriter, TextWriter errorWriter)
    {
        Out = output;
        Error = error;
        OutWriter = outWriter;
        ErrorWriter = errorWriter;
    }

    public IAnsiConsole Out { get; }
    public IAnsiConsole Error { get; }

    /// <summary>Raw standard output: JSON goes here unwrapped, whatever the console's width.</summary>
    public TextWriter OutWriter { get; }

    public TextWriter ErrorWriter { get; }

    /// <summary>The process's console; colours, width and animation as the terminal allows.</summary>
    public static CliIo Terminal() => new(
        Create(Console.Out, null),
        Create(Console.Error, null),
        Console.Out,
        Console.Error);

    /// <summary>Plain text into <paramref name="output"/> and <paramref name="error"/> (no colour, no animation), for tests and captures.</summary>
    public static CliIo Capture(TextWriter output, TextWriter error, int width = 200) => new(
        Create(output, width),
        Create(error, width),
        output,
        error);

    /// <summary>A line on the error stream: red in a terminal, unwrapped plain text otherwise.</summary>
    public void Fail(string message) => Note(message, Color.Red);

    /// <summary>A hint on the error stream: grey in a terminal, unwrapped plain text otherwise.</summary>
    public void Hint(string message) => Note(message, Color.Grey);

    private void Note(string message, Color colour)
    {
        if (Error.Profile.Capabilities.Ansi)
        {
            Error.WriteLine(message, new Style(colour));
        }
        else
        {
            ErrorWriter.WriteLine(message);
        }
    }

    private static IAnsiConsole Create(TextWriter writer, int? width)
    {
        var plain = width is not null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = plain ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (width is { } columns)
        {
            console.Profile.Width = columns;
        }
        else if ((writer == Console.Out ? Console.IsOutputRedirected : Console.IsErrorRedirected)
            && int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var wanted) && wanted > 0)
        {
            // Redirected output has no terminal to measure (Spectre.Console then assumes 80 columns); COLUMNS says how wide.
            console.Profile.Width = wanted;
        }

        return console;
    }
}
