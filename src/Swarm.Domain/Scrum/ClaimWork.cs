namespace Swarm.Domain.Scrum;

/// <summary>A validated request to claim work: <c>POST /api/work {type, title, priority, team, points?}</c>.</summary>
public sealed record ClaimWork(WorkType Type, string Title, WorkPriority Priority, string Team, int Points)
{
    public const int MaxTitleLength = 200;
    public const int MaxPoints = 100;

    /// <summary>Validates raw input field by field; the first problem found is reported with its field name.</summary>
    public static ClaimWork Parse(string? type, string? title, string? priority, string? team, int? points)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            throw new InvalidInputException("type", $"type is required; one of {Naming.Allowed<WorkType>()}.");
        }

        if (!Naming.TryParse<WorkType>(type, out var workType))
        {
            throw new InvalidInputException("type", $"type '{type}' is unknown; one of {Naming.Allowed<WorkType>()}.");
        }

        if (string.IsNullOrWhiteSpace(title))
        {
            throw new InvalidInputException("title", "title is required.");
        }

        if (title.Trim().Length > MaxTitleLength)
        {
            throw new InvalidInputException("title", $"title is longer than {MaxTitleLength} characters.");
        }

        var workPriority = WorkPriority.Medium;
        if (priority is not null && !Naming.TryParse(priority, out workPriority))
        {
            throw new InvalidInputException("priority", $"priority '{priority}' is unknown; one of {Naming.Allowed<WorkPriority>()}.");
        }

        var teamName = string.IsNullOrWhiteSpace(team) ? "default" : team.Trim().ToLowerInvariant();
        if (!TeamName.IsValid(teamName))
        {
            throw new InvalidInputException("team", $"team '{team}' must be 1-40 characters of a-z, 0-9 and '-'.");
        }

        var workPoints = points ?? DefaultPoints(workType);
        if (workPoints is < 1 or > MaxPoints)
        {
            throw new InvalidInputException("points", $"points must be between 1 and {MaxPoints}, not {workPoints}.");
        }

        return new ClaimWork(workType, title.Trim(), workPriority, teamName, workPoints);
    }

    private static int DefaultPoints(WorkType type) => type switch
    {
        WorkType.Epic => 13,
        WorkType.Feature => 5,
        WorkType.Bug => 2,
        _ => 1,
    };
}

/// <summary>Team names appear in instance ids and metric labels, so they are kept short and plain.</summary>
public static class TeamName
{
    public static bool IsValid(string team) =>
        team.Length is > 0 and <= 40 && team.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
