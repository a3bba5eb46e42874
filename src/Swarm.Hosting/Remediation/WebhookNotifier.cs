using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Swarm.Domain;
using Swarm.Domain.Remediation;

namespace Swarm.Hosting.Remediation;

/// <summary>
/// Posts remediation notices to an incoming webhook in the shape Teams and Slack both accept (<c>{"text": …}</c>,
/// with the structured fields beside it), retrying transient failures with backoff under a per-attempt timeout.
/// </summary>
public sealed partial class WebhookNotifier(HttpClient http, IOptions<SwarmOptions> options, ILogger<WebhookNotifier> logger) : IRemediationNotifier
{
    public const int MaxAttempts = 3;
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    public async Task<string> NotifyAsync(RemediationNotice notice, CancellationToken cancellationToken = default)
    {
        var url = options.Value.Remediation.NotificationWebhook
            ?? throw new InvalidOperationException("Swarm:Remediation:NotificationWebhook is not set.");
        var body = new
        {
            text = $"**{notice.Title}** — {notice.Text} (alert {notice.AlertName}, severity {notice.Severity}, remediation {notice.RemediationId})",
            title = notice.Title,
            summary = notice.Text,
            alert = notice.AlertName,
            alertId = notice.AlertId,
            remediationId = notice.RemediationId,
            team = notice.Team,
            severity = notice.Severity,
        };
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(AttemptTimeout);
            try
            {
                using var response = await http.PostAsJsonAsync(url, body, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return $"webhook ({(int)response.StatusCode}, attempt {attempt})";
                }

                if (attempt >= MaxAttempts || (int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                {
                    throw new HttpRequestException($"webhook answered {(int)response.StatusCode} after {attempt} attempt(s)");
                }
            }
            catch (Exception error) when (error is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested && attempt < MaxAttempts)
            {
                Retrying(logger, attempt, error.Message);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1)), cancellationToken);
        }
    }

    [LoggerMessage(1102, LogLevel.Warning, "Remediation webhook attempt {Attempt} failed: {Reason}; retrying", EventName = "RemediationWebhookRetry")]
    private static partial void Retrying(ILogger logger, int attempt, string reason);
}
