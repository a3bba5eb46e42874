using System.Diagnostics.Metrics;

namespace Swarm.Domain.Telemetry;

/// <summary>The one ActivitySource and Meter of Swarm, and every instrument the conventions name.</summary>
public static class SwarmTelemetry
{
    public const string Name = "Swarm";

    public static readonly string Version =
        typeof(SwarmTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static readonly ActivitySource Source = new(Name, Version);

    public static readonly Meter Meter = new(Name, Version);

    public static readonly Counter<long> StateTransitions = Meter.CreateCounter<long>(
        "swarm.agent.state_transitions", "{transition}", "State transitions made by agents.");

    public static readonly Counter<long> CommandsExecuted = Meter.CreateCounter<long>(
        "swarm.agent.commands_executed", "{command}", "Agent commands executed, by outcome.");

    public static readonly Histogram<double> SpanProcessingDuration = Meter.CreateHistogram(
        "swarm.agent.span_processing.duration", "s", "Time an agent took to execute one command.",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        });

    public static readonly Gauge<double> LastTransitionTimestamp = Meter.CreateGauge<double>(
        "swarm.agent.last_transition.timestamp", "s", "Unix time of each agent's last state transition.");

    public static readonly Counter<long> WorkItems = Meter.CreateCounter<long>(
        "swarm.work.items", "{item}", "Work items entering each status.");

    public static readonly Counter<long> Motions = Meter.CreateCounter<long>(
        "swarm.roberts.motions", "{motion}", "Motions decided, by result and kind.");

    public static readonly Gauge<double> Velocity = Meter.CreateGauge<double>(
        "swarm.scrum.velocity", "{point}", "Points completed in each team's last reviewed sprint.");

    public static readonly Gauge<double> DefectRate = Meter.CreateGauge<double>(
        "swarm.scrum.defect_rate", "1", "Failed / completed items in each team's last reviewed sprint.");

    public static readonly UpDownCounter<long> LeanProjects = Meter.CreateUpDownCounter<long>(
        "swarm.lean.projects", "{project}", "Lean projects currently in each DMAIC phase.");

    public static readonly Counter<long> Remediations = Meter.CreateCounter<long>(
        "swarm.remediations", "{remediation}", "Remediations run for alerts, by outcome.");
}

/// <summary>The frameworks an agent belongs to, as the <c>swarm.framework</c> attribute spells them.</summary>
[JsonConverter(typeof(KebabEnumConverter<Framework>))]
public enum Framework
{
    Roberts,
    Scrum,
    Lean,
    Remediation,
}

/// <summary>Agent names, as the <c>swarm.agent.name</c> attribute spells them.</summary>
public static class AgentNames
{
    public const string Roberts = "roberts-agent";
    public const string Scrum = "scrum-agent";
    public const string Lean = "lean-agent";
    public const string Remediation = "remediation-agent";

    public static string For(Framework framework) => framework switch
    {
        Framework.Roberts => Roberts,
        Framework.Scrum => Scrum,
        Framework.Lean => Lean,
        _ => Remediation,
    };
}
