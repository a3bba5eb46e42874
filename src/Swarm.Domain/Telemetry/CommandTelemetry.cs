namespace Swarm.Domain.Telemetry;

/// <summary>
/// One agent command as it runs: a span named <c>{framework}.{object}.{action}</c>, the command counter and
/// the processing-time histogram, and — when the command moves the agent — the transition records.
/// </summary>
public sealed class CommandTelemetry : IDisposable
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly ILogger _logger;
    private readonly Framework _framework;
    private readonly string _command;
    private readonly string _subject;
    private bool _failed;

    private CommandTelemetry(ILogger logger, Activity? span, Framework framework, string command, string subject)
    {
        _logger = logger;
        Span = span;
        _framework = framework;
        _command = command;
        _subject = subject;
    }

    public Activity? Span { get; }

    public string? TraceParent => Span?.Id;

    /// <summary>Starts <paramref name="spanName"/> about <paramref name="subject"/> (a work item, motion, sprint or project); <paramref name="parent"/> overrides the ambient parent, <paramref name="links"/> tie in related traces.</summary>
    public static CommandTelemetry Start(
        ILogger logger,
        string spanName,
        Framework framework,
        string subject,
        ActivityContext parent = default,
        IEnumerable<ActivityLink>? links = null,
        ActivityKind kind = ActivityKind.Internal)
    {
        var span = SwarmTelemetry.Source.StartActivity(spanName, kind, parent, tags: null, links: links);
        span?.SetTag(SwarmAttributes.Framework, Naming.Kebab(framework));
        span?.SetTag(SwarmAttributes.AgentName, AgentNames.For(framework));
        return new CommandTelemetry(logger, span, framework, spanName, subject);
    }

    public CommandTelemetry Tag(string key, object? value)
    {
        if (value is not null)
        {
            Span?.SetTag(key, value);
        }

        return this;
    }

    /// <summary>Records a state change on the span, in the transition metrics and in the log.</summary>
    public void Transitioned(Transition transition)
    {
        _logger.AgentTransitioned(AgentNames.For(_framework), _subject, transition.From, transition.To);
        Span?.SetTag(SwarmAttributes.TransitionFrom, transition.From);
        Span?.SetTag(SwarmAttributes.TransitionTo, transition.To);
        var framework = Naming.Kebab(_framework);
        var agent = AgentNames.For(_framework);
        SwarmTelemetry.StateTransitions.Add(
            1,
            new(SwarmAttributes.AgentName, agent),
            new(SwarmAttributes.Framework, framework),
            new(SwarmAttributes.TransitionFrom, transition.From),
            new(SwarmAttributes.TransitionTo, transition.To));
        SwarmTelemetry.LastTransitionTimestamp.Record(
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
            new(SwarmAttributes.AgentName, agent),
            new(SwarmAttributes.Framework, framework));
    }

    public void Transitioned<TState>(TState from, TState to) where TState : struct, Enum =>
        Transitioned(new Transition(Naming.Kebab(from), Naming.Kebab(to)));

    /// <summary>Marks the command failed; the exception is recorded on the span and the caller rethrows.</summary>
    public void Fail(Exception error)
    {
        _failed = true;
        Span?.SetStatus(ActivityStatusCode.Error, error.Message);
        Span?.AddException(error);
    }

    public void Dispose()
    {
        var framework = Naming.Kebab(_framework);
        SwarmTelemetry.CommandsExecuted.Add(
            1,
            new(SwarmAttributes.Framework, framework),
            new(SwarmAttributes.Command, _command),
            new(SwarmAttributes.Success, _failed ? "false" : "true"));
        SwarmTelemetry.SpanProcessingDuration.Record(
            Stopwatch.GetElapsedTime(_started).TotalSeconds,
            new(SwarmAttributes.Framework, framework),
            new(SwarmAttributes.Command, _command));
        Span?.Dispose();
    }

    /// <summary>The parent context a W3C <c>traceparent</c> names, or default when it is absent or malformed.</summary>
    public static ActivityContext ParseParent(string? traceParent, string? traceState = null) =>
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;

    /// <summary>A link to the trace a command came from, when it carries one.</summary>
    public static IEnumerable<ActivityLink> LinkTo(string? traceParent, string? traceState = null)
    {
        var context = ParseParent(traceParent, traceState);
        return context == default ? [] : [new ActivityLink(context)];
    }
}
