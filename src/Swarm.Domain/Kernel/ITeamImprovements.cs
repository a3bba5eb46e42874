namespace Swarm.Domain;

/// <summary>
/// What the remediation agent may know of the Lean agent without reaching it (the agents' layers reach no other agent,
/// docs/architecture.md): the team's current improvement project. Composition implements it.
/// </summary>
public interface ITeamImprovements
{
    /// <summary>
    /// A Lean (DMAIC) project of <paramref name="team"/> that is still open (its orchestration Running or Pending) —
    /// preferred, and of several the one created first (instance creation time, then instance id), which the others
    /// merge into — or else the latest one that closed at or after <paramref name="closedSince"/> without merging; null
    /// when there is neither. Errors of the backend propagate.
    /// </summary>
    Task<TeamImprovement?> CurrentAsync(string team, DateTimeOffset closedSince, CancellationToken cancellationToken = default);
}

/// <summary>A team's improvement project as <see cref="ITeamImprovements"/> found it: its id (e.g. <c>defect-sprint42</c>), whether it is open, and when and how it closed.</summary>
public sealed record TeamImprovement(string ProjectId, bool Open, DateTimeOffset? ClosedAt, string? Outcome);
