namespace Swarm.Domain;

/// <summary>Orchestrator-side helpers: waiting for the next command, with or without a durable deadline.</summary>
public static class Inbox
{
    /// <summary>Activities retry transient failures; a broken business rule is final and is not retried.</summary>
    public static readonly TaskOptions StepOptions = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromMilliseconds(500), backoffCoefficient: 2)
        {
            HandleFailure = failure => !failure.IsCausedBy<SwarmDomainException>(),
        });

    public static Task<T> NextAsync<T>(TaskOrchestrationContext context) =>
        context.WaitForExternalEvent<T>(SwarmTasks.CommandEvent);

    /// <summary>The next command before <paramref name="deadline"/> (a durable timer), or null once it has passed.</summary>
    public static async Task<T?> NextBeforeAsync<T>(TaskOrchestrationContext context, DateTime deadline)
        where T : class
    {
        var remaining = deadline - context.CurrentUtcDateTime;
        if (remaining <= TimeSpan.Zero)
        {
            return null;
        }

        try
        {
            return await context.WaitForExternalEvent<T>(SwarmTasks.CommandEvent, remaining);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
