namespace Swarm.Domain.Remediation;

/// <summary>A message to the people who own the affected agent or team.</summary>
public sealed record RemediationNotice(string Title, string Text, string AlertName, string AlertId, string RemediationId, string? Team, string Severity);

/// <summary>Where notices go: a Teams/Slack-style incoming webhook when configured, the log otherwise.</summary>
public interface IRemediationNotifier
{
    /// <summary>Delivers the notice; returns a short description of where it went (kept on the remediation's record).</summary>
    Task<string> NotifyAsync(RemediationNotice notice, CancellationToken cancellationToken = default);
}

/// <summary>The default when no webhook is configured: the notice is a warning in the log, with the trace.</summary>
public sealed partial class LoggedNotifier(ILogger<LoggedNotifier> logger) : IRemediationNotifier
{
    public Task<string> NotifyAsync(RemediationNotice notice, CancellationToken cancellationToken = default)
    {
        Notice(logger, notice.AlertName, notice.RemediationId, notice.Title, notice.Text);
        return Task.FromResult("logged (no notification webhook configured)");
    }

    [LoggerMessage(1101, LogLevel.Warning, "Remediation notice for {AlertName} ({RemediationId}): {Title} — {Text}", EventName = "RemediationNotice")]
    private static partial void Notice(ILogger logger, string alertName, string remediationId, string title, string text);
}
