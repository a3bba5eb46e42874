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

    /// <summary>Event ids of this prefix are deadline nudges: remediation of a stuck agent ends the wait it is in.</summary>
    public const string DeadlineNudgePrefix = "deadline-nudge:";

    public static bool IsDeadlineNudge(IAgentCommand command) =>
        command.EventId.StartsWith(DeadlineNudgePrefix, StringComparison.Ordinal);

    /// <summary>The next command; a deadline nudge means nothing to a wait without a deadline and is skipped.</summary>
    public static async Task<T> NextAsync<T>(TaskOrchestrationContext context)
        where T : class, IAgentCommand
    {
        while (true)
        {
            var command = await context.WaitForExternalEvent<T>(SwarmTasks.CommandEvent);
            if (!IsDeadlineNudge(command))
            {
                return command;
            }
        }
    }

    /// <summary>The next command before <paramref name="deadline"/> (a durable timer), or null once it has passed or was nudged.</summary>
    public static async Task<T?> NextBeforeAsync<T>(TaskOrchestrationContext context, DateTime deadline)
        where T : class, IAgentCommand
    {
        var remaining = deadline - context.CurrentUtcDateTime;
        if (remaining <= TimeSpan.Zero)
        {
            return null;
        }

        try
        {
            var command = await context.WaitForExternalEvent<T>(SwarmTasks.CommandEvent, remaining);
            return IsDeadlineNudge(command) ? null : command;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs one step of an agent's workflow: calls <paramref name="activity"/> with <see cref="StepOptions"/> and makes
    /// the state it returns — completed by <paramref name="complete"/> when given, e.g. with what the orchestration kept
    /// out of the step's input — the orchestration's custom status, which is how every agent shows its state.
    /// </summary>
    public static async Task<TState> StepAsync<TState>(this TaskOrchestrationContext context, string activity, object input, Func<TState, TState>? complete = null)
    {
        var returned = await context.CallActivityAsync<TState>(activity, input, StepOptions);
        var next = complete is null ? returned : complete(returned);
        context.SetCustomStatus(next);
        return next;
    }
}
