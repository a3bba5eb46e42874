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
    private readonly string _frameworkName;
    private readonly string _command;
    private readonly string _subject;
    private bool _failed;

    private CommandTelemetry(ILogger logger, Activity? span, Framework framework, string command, string subject)
    {
        _logger = logger;
        Span = span;
        _framework = framework;
        _frameworkName = Spelling<Framework>.Of(framework);
        _command = command;
        _subject = subject;
    }

    public Activity? Span { get; }

    public string? TraceParent => Span?.Id;

    /// <summary>The W3C tracestate of the command's span (sampling marks such as <c>swarm=keep</c>), to store with <see cref="TraceParent"/>.</summary>
    public string? TraceState => Span?.TraceStateString;

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
        span?.SetTag(SwarmAttributes.Framework, Spelling<Framework>.Of(framework));
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
        var agent = AgentNames.For(_framework);
        // A TagList holds up to eight tags inline; four separate tags would go through a params array.
        var transitionTags = new TagList
        {
            { SwarmAttributes.AgentName, agent },
            { SwarmAttributes.Framework, _frameworkName },
            { SwarmAttributes.TransitionFrom, transition.From },
            { SwarmAttributes.TransitionTo, transition.To },
        };
        SwarmTelemetry.StateTransitions.Add(1, in transitionTags);
        SwarmTelemetry.LastTransitionTimestamp.Record(
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
            new(SwarmAttributes.AgentName, agent),
            new(SwarmAttributes.Framework, _frameworkName));
    }

    public void Transitioned<TState>(TState from, TState to) where TState : struct, Enum =>
        Transitioned(new Transition(Spelling<TState>.Of(from), Spelling<TState>.Of(to)));

    /// <summary>
    /// The frame of every agent step: runs <paramref name="body"/>; when it throws, the failure is recorded
    /// (<see cref="Fail"/>, then <paramref name="onFailure"/>, e.g. a failure counter) and the exception rethrown.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> body, Action<Exception>? onFailure = null)
    {
        try
        {
            return await body();
        }
        catch (Exception error)
        {
            Fail(error);
            onFailure?.Invoke(error);
            throw;
        }
    }

    /// <summary>Marks the command failed; the exception is recorded on the span and the caller rethrows.</summary>
    public void Fail(Exception error)
    {
        _failed = true;
        Span?.SetStatus(ActivityStatusCode.Error, error.Message);
        Span?.AddException(error);
    }

    public void Dispose()
    {
        var framework = _frameworkName;
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

/// <summary>Each value's kebab-case spelling, computed once: a transition is recorded on every agent command.</summary>
internal static class Spelling<TEnum> where TEnum : struct, Enum
{
    private static readonly Dictionary<TEnum, string> Names = Enum.GetValues<TEnum>().Distinct().ToDictionary(v => v, v => Naming.Kebab(v));

    public static string Of(TEnum value) => Names.TryGetValue(value, out var name) ? name : Naming.Kebab(value);
}
