using System.Globalization;
using OpenTelemetry;
using Swarm.Domain.Telemetry;

namespace Swarm.Cli.Output;

/// <summary>
/// Prints every agent transition as its span ends — sampled or not, since a processor sees every span the pipeline
/// creates — for the agents running in this process (<c>swarm up</c>, a self-started <c>swarm demo</c>).
/// </summary>
/// <remarks>
/// Each line is rendered whole, unwrapped, and written to the console's writer in one call: the host's console logger
/// writes on its own thread, and a line written piece by piece (as Spectre.Console writes its segments) was cut by a
/// log line in the middle; the terminal wraps a long line itself.
/// </remarks>
public sealed class TransitionNarrator : BaseProcessor<Activity>
{
    private readonly IAnsiConsole console;
    private readonly bool timestamps;
    private readonly StringWriter line = new(CultureInfo.InvariantCulture);
    private readonly IAnsiConsole lineConsole;

    /// <summary>Narrates to <paramref name="console"/> (its colours kept), each line led by the time when <paramref name="timestamps"/>.</summary>
    public TransitionNarrator(IAnsiConsole console, bool timestamps)
    {
        this.console = console;
        this.timestamps = timestamps;
        var capabilities = console.Profile.Capabilities;
        lineConsole = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(line),
            Ansi = capabilities.Ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = (ColorSystemSupport)capabilities.ColorSystem,
            Interactive = InteractionSupport.No,
        });
        lineConsole.Profile.Width = 10_000;
    }

    public override void OnEnd(Activity data)
    {
        if (data.Source.Name != SwarmTelemetry.Name || data.GetTagItem(SwarmAttributes.TransitionTo) is not string to)
        {
            return;
        }

        var from = data.GetTagItem(SwarmAttributes.TransitionFrom) as string;
        var agent = data.GetTagItem(SwarmAttributes.AgentName) as string;
        var subject = data.GetTagItem(SwarmAttributes.MotionId) ?? data.GetTagItem(SwarmAttributes.LeanProjectId)
            ?? data.GetTagItem(SwarmAttributes.WorkId)
            ?? (data.GetTagItem(SwarmAttributes.AlertName) is string alert ? $"{alert} {data.GetTagItem(SwarmAttributes.WorkTeam)}".Trim() : null)
            ?? $"sprint {data.GetTagItem(SwarmAttributes.SprintNumber)}";
        var time = timestamps ? data.StartTimeUtc.Add(data.Duration).ToLocalTime().ToString("HH:mm:ss ", CultureInfo.InvariantCulture) : string.Empty;
        lock (line)
        {
            line.GetStringBuilder().Clear();
            lineConsole.MarkupLineInterpolated(
                $"  [grey]{time}{agent,-18}[/] {data.DisplayName,-28} [yellow]{from} → {to}[/] [grey]{subject}[/]");
            console.Profile.Out.Writer.Write(line.ToString());
        }
    }
}
