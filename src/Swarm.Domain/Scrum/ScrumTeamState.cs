namespace Swarm.Domain.Scrum;

/// <summary>A team's Scrum agent between sprints: the next sprint's number and the approved backlog waiting for it.</summary>
public sealed record ScrumTeamState(string Team, int NextSprint, int Capacity, ScrumTimings Timings, double DefectRateThreshold)
{
    /// <summary>How many handled event ids survive a continue-as-new, so a late redelivery is still recognised.</summary>
    public const int RememberedEvents = 1000;

    public IReadOnlyList<SprintItem> Backlog { get; init; } = [];
    public IReadOnlyList<string> HandledEvents { get; init; } = [];
}

/// <summary>What <c>GET /api/agents</c> shows of a team's Scrum agent.</summary>
public sealed record ScrumTeamStatus(string Team, string State, int? CurrentSprint, int NextSprint, int BacklogItems);
