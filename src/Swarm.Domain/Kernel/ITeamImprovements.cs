namespace Swarm.Domain;

/// <summary>
/// What the remediation agent may know of the Lean agent without reaching it (the agents' layers reach no other agent,
/// docs/architecture.md): whether a team already has an improvement project open. Composition implements it.
/// </summary>
public interface ITeamImprovements
{
    /// <summary>
    /// The id of a Lean (DMAIC) project of <paramref name="team"/> that has not closed (its orchestration Running or
    /// Pending), e.g. <c>defect-sprint42</c>; null when none is open. Errors of the backend propagate.
    /// </summary>
    Task<string?> OpenProjectAsync(string team, CancellationToken cancellationToken = default);
}
