using System.Globalization;
using OpenTelemetry;
using Swarm.Domain.Telemetry;

namespace Swarm.Cli.Output;

/// <summary>
/// Prints every agent transition as its span ends — sampled or not, since a processor sees every span the pipeline
/// creates — for the agents running in this process (<c>swarm up</c>, a self-started <c>swarm demo</c>).
/// </summary>
public sealed class TransitionNarrator(IAnsiConsole console, bool timestamps) : BaseProcessor<Activity>
{
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
        console.MarkupLineInterpolated(
            $"  [grey]{time}{agent,-14}[/] {data.DisplayName,-28} [yellow]{from} → {to}[/] [grey]{subject}[/]");
    }
}
