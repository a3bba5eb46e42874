namespace Swarm.Domain;

/// <summary>A rule of the business was broken; hosts map these to problem details.</summary>
public abstract class SwarmDomainException(string code, string message) : Exception(message)
{
    /// <summary>A stable, machine-readable error code such as <c>illegal-transition</c>.</summary>
    public string Code { get; } = code;
}

/// <summary>A command was sent to an agent in a state that does not accept it.</summary>
public sealed class IllegalTransitionException(string agent, string state, string command)
    : SwarmDomainException("illegal-transition", $"{agent} cannot '{command}' while {state}.")
{
    public string Agent { get; } = agent;
    public string State { get; } = state;
    public string Command { get; } = command;
}

/// <summary>Input that names a field and what is wrong with it.</summary>
public sealed class InvalidInputException(string field, string message)
    : SwarmDomainException("invalid-input", message)
{
    public string Field { get; } = field;
}

/// <summary>The command conflicts with what was accepted before (a different body under the same key, a changed vote).</summary>
public sealed class ConflictException(string message) : SwarmDomainException("conflict", message);

/// <summary>The addressed work item, motion, sprint or project does not exist.</summary>
public sealed class NotFoundException(string kind, string id, string? why = null)
    : SwarmDomainException("not-found", $"No {kind} with id '{id}'{(why is null ? "." : $": {why}")}")
{
    public string Kind { get; } = kind;
    public string Id { get; } = id;
}
