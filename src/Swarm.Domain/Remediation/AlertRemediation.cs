namespace Swarm.Domain.Remediation;

[JsonConverter(typeof(KebabEnumConverter<RemediationKind>))]
public enum RemediationKind
{
    LeanProject,
    RecoverStuckAgent,
    ShedLoad,
    NotifyOnly,
}

[JsonConverter(typeof(KebabEnumConverter<RemediationState>))]
public enum RemediationState
{
    Triggered,
    Acting,
    Monitoring,
    Resolved,
}

[JsonConverter(typeof(KebabEnumConverter<RemediationCommandKind>))]
public enum RemediationCommandKind
{
    Act,
    Monitor,
    Resolve,
}

/// <summary>What the swarm does about one alert episode, and what it has done so far.</summary>
public sealed record AlertRemediation
{
    public static readonly TransitionTable<RemediationState, RemediationCommandKind> Machine =
        new TransitionTable<RemediationState, RemediationCommandKind>("remediation")
            .Allow(RemediationState.Triggered, RemediationCommandKind.Act, RemediationState.Acting)
            // The alert's resolution arrived before its fired notification (parallel deliveries): closed without acting.
            .Allow(RemediationState.Triggered, RemediationCommandKind.Resolve, RemediationState.Resolved)
            .Allow(RemediationState.Acting, RemediationCommandKind.Monitor, RemediationState.Monitoring)
            .Allow(RemediationState.Monitoring, RemediationCommandKind.Resolve, RemediationState.Resolved);

    public required string Id { get; init; }
    public required AlertNotification Alert { get; init; }
    public required RemediationKind Kind { get; init; }
    public string? Team { get; init; }
    public string? Agent { get; init; }

    /// <summary>How long to wait for the alert to resolve before closing the remediation anyway (and releasing load shedding).</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromDays(1);

    public RemediationState State { get; init; } = RemediationState.Triggered;

    /// <summary>
    /// The resolution that reached the swarm before the alert's fired notification did. The episode is then closed
    /// without acting, and the fired notification arriving later finds it closed and starts nothing.
    /// </summary>
    public RemediationCommand? ResolvedFirst { get; init; }

    public IReadOnlyList<string> Actions { get; init; } = [];
    public string? LeanProjectId { get; init; }
    public string? Outcome { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }

    public AlertRemediation Acted(IReadOnlyList<string> actions, DateTimeOffset at) =>
        this with { State = Machine.Fire(State, RemediationCommandKind.Act), Actions = [.. Actions, .. actions], StartedAt = at };

    public AlertRemediation Monitoring() => this with { State = Machine.Fire(State, RemediationCommandKind.Monitor) };

    public AlertRemediation Resolved(string outcome, IReadOnlyList<string> actions, DateTimeOffset at) => this with
    {
        State = Machine.Fire(State, RemediationCommandKind.Resolve),
        Outcome = outcome,
        Actions = [.. Actions, .. actions],
        ResolvedAt = at,
    };
}

/// <summary>A notification that the alert behind a remediation has resolved.</summary>
public sealed record RemediationCommand(string EventId, string Reason) : IAgentCommand
{
    public string? TraceParent { get; init; }
}
