namespace Swarm.Domain.Remediation;

[JsonConverter(typeof(KebabEnumConverter<AlertStatus>))]
public enum AlertStatus
{
    Firing,
    Resolved,
}

/// <summary>
/// One alert, whichever system sent it: the Azure Monitor common alert schema, the Alertmanager webhook and Grafana's
/// all normalise to this. <see cref="Identity"/> names one firing episode, so a retried delivery maps to the same remediation.
/// </summary>
public sealed record AlertNotification
{
    public required string Source { get; init; }
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required AlertStatus Status { get; init; }
    public string Severity { get; init; } = "unknown";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string? Summary { get; init; }
    public DateTimeOffset StartsAt { get; init; }
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>
    /// True for alerts that never send a resolution (Azure activity log, service health, resource health): their
    /// incident closes once the remediation has acted, instead of waiting for a resolution that never comes.
    /// </summary>
    public bool OneShot { get; init; }

    /// <summary>Source, alert id and the start of the episode: a new firing after a resolution is a new episode.</summary>
    [JsonIgnore]
    public string Identity => $"{Source}:{Id}:{StartsAt.ToUnixTimeSeconds()}";

    /// <summary>The alert without its episode: source and alert id (the fingerprint, the Azure alert id, the label set).</summary>
    [JsonIgnore]
    public string SourceIdentity => $"{Source}:{Id}";

    public string? Label(string name) =>
        Labels.FirstOrDefault(l => string.Equals(l.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
