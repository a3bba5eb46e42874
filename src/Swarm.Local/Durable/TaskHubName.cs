using System.Text.RegularExpressions;

namespace Swarm.Local.Durable;

/// <summary>
/// The Azure Storage provider's rule for task hub names, from which it derives queue, table and container names:
/// letters and digits only, starting with a letter, 3–45 characters (Durable Functions' task hub documentation).
/// </summary>
public static partial class TaskHubName
{
    /// <summary>Whether <paramref name="name"/> is a valid task hub name.</summary>
    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>The rule, as an error message about <paramref name="name"/>.</summary>
    public static string Rule(string? name) =>
        $"task hub '{name}' must be 3-45 letters and digits, starting with a letter (it names the hub's queues, tables and containers).";

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex Pattern();
}
