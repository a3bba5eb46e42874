namespace Swarm.Domain;

/// <summary>The legal transitions of one agent: (state, command) → state. Anything else is an illegal command.</summary>
public sealed class TransitionTable<TState, TCommand>(string agent)
    where TState : struct, Enum
    where TCommand : struct, Enum
{
    private readonly Dictionary<(TState, TCommand), TState> _edges = [];

    public string Agent { get; } = agent;

    public TransitionTable<TState, TCommand> Allow(TState from, TCommand command, TState to)
    {
        _edges.Add((from, command), to);
        return this;
    }

    public bool CanFire(TState from, TCommand command) => _edges.ContainsKey((from, command));

    /// <summary>The state <paramref name="command"/> leads to from <paramref name="from"/>, or an <see cref="IllegalTransitionException"/>.</summary>
    public TState Fire(TState from, TCommand command) =>
        _edges.TryGetValue((from, command), out var to)
            ? to
            : throw new IllegalTransitionException(Agent, Naming.Kebab(from), Naming.Kebab(command));

    public IEnumerable<(TState From, TCommand Command, TState To)> Edges =>
        _edges.Select(e => (e.Key.Item1, e.Key.Item2, e.Value));
}

/// <summary>A state change that happened, as recorded on spans, metrics and logs.</summary>
public readonly record struct Transition(string From, string To);
