using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Swarm.Domain;
using Swarm.Domain.Remediation;

namespace Swarm.Api.Notifications;

/// <summary>
/// Posts remediation notices to an incoming webhook in the shape Teams and Slack both accept (<c>{"text": …}</c>,
/// with the structured fields beside it). Retries and the per-attempt timeout are the HTTP client's standard
/// resilience handler (<see cref="RemediationNotices.AddRemediationNotices"/>): transient failures (5xx, 408, 429, connection errors,
/// timeouts) are retried up to <see cref="MaxAttempts"/> attempts with exponential backoff from 200 ms.
/// </summary>
public sealed partial class WebhookNotifier(HttpClient http, IOptions<SwarmOptions> options) : IRemediationNotifier
{
    /// <summary>Attempts per notice, the first included.</summary>
    public const int MaxAttempts = 3;

    /// <summary>Each attempt's timeout.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    internal static readonly ResiliencePropertyKey<int> Attempt = new("swarm.webhook.attempt");

    /// <summary>
    /// Posts <paramref name="notice"/>; returns where it went (<c>webhook (200, attempt 1)</c>).
    /// Throws <see cref="HttpRequestException"/> when the last attempt fails or the webhook refuses the notice (4xx).
    /// </summary>
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
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
            request.SetResilienceContext(context);
            using var response = await http.SendAsync(request, cancellationToken);
            var attempts = context.Properties.GetValue(Attempt, 1);
            return response.IsSuccessStatusCode
                ? $"webhook ({(int)response.StatusCode}, attempt {attempts})"
                : throw new HttpRequestException($"webhook answered {(int)response.StatusCode} after {attempts} attempt(s)", null, response.StatusCode);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    [LoggerMessage(1102, LogLevel.Warning, "Remediation webhook attempt {Attempt} failed: {Reason}; retrying", EventName = "RemediationWebhookRetry")]
    internal static partial void Retrying(ILogger logger, int attempt, string reason);
}

/// <summary>Registration of the remediation notifier for both hosts.</summary>
public static class RemediationNotices
{
    /// <summary>
    /// Remediation notices go to <c>Swarm:Remediation:NotificationWebhook</c> when it is set, to the log otherwise;
    /// the webhook's client gets the standard resilience handler (retry with exponential backoff, per-attempt timeout).
    /// </summary>
    public static IServiceCollection AddRemediationNotices(this IServiceCollection services)
    {
        services.AddHttpClient<WebhookNotifier>().AddResilienceHandler("remediation-webhook", (pipeline, context) => pipeline
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = WebhookNotifier.MaxAttempts - 1,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                OnRetry = args =>
                {
                    args.Context.Properties.Set(WebhookNotifier.Attempt, args.AttemptNumber + 2);
                    WebhookNotifier.Retrying(
                        context.ServiceProvider.GetRequiredService<ILogger<WebhookNotifier>>(),
                        args.AttemptNumber + 1,
                        args.Outcome.Exception?.Message ?? $"answered {(int?)args.Outcome.Result?.StatusCode}");
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(WebhookNotifier.AttemptTimeout));
        services.AddSingleton<LoggedNotifier>();
        services.Replace(ServiceDescriptor.Singleton<IRemediationNotifier>(sp =>
            string.IsNullOrWhiteSpace(sp.GetRequiredService<IOptions<SwarmOptions>>().Value.Remediation.NotificationWebhook)
                ? sp.GetRequiredService<LoggedNotifier>()
                : sp.GetRequiredService<WebhookNotifier>()));
        return services;
    }
}
