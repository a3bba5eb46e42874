using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Roberts;

/// <summary>
/// A motion under Robert's Rules: opened, seconded (or lapsed), then adopted by general consent unless a member
/// objects within the window, in which case it is put to a vote that closes when all have voted or time is up. Until
/// voting has begun, its maker may withdraw it (<see cref="MotionCommand.Withdraw"/>).
/// </summary>
public static class MotionWorkflow
{
    private const string Step = SwarmTasks.Activities.ApplyMotionCommand;

    public static async Task<Motion> RunAsync(TaskOrchestrationContext context, Motion motion)
    {
        var log = context.CreateReplaySafeLogger(typeof(MotionWorkflow));
        var handled = new HashSet<string>(StringComparer.Ordinal);
        context.SetCustomStatus(motion);

        // Each phase runs only from its own state, so a restart from the last known state resumes where the motion was.
        if (motion.State == MotionState.Idle)
        {
            motion = await context.StepAsync<Motion>(Step, new MotionStep(motion, MotionCommandKind.Open));
        }

        if (motion.State == MotionState.MotionOpen && motion.FromCommittee)
        {
            motion = await context.StepAsync<Motion>(Step, new MotionStep(motion, MotionCommandKind.Second, "committee"));
        }
        else if (motion.State == MotionState.MotionOpen)
        {
            var deadline = context.CurrentUtcDateTime + motion.Timings.SecondingDeadline;
            while (motion.State == MotionState.MotionOpen)
            {
                var command = await Inbox.NextBeforeAsync<MotionCommand>(context, deadline);
                if (command is null)
                {
                    motion = await context.StepAsync<Motion>(Step, new MotionStep(motion, MotionCommandKind.Lapse));
                }
                else if (command.Withdrawal is not null)
                {
                    motion = await WithdrawAsync(context, motion, command, handled, log);
                }
                else if (Accept(command, VoteChoice.Second, motion, handled, log) && !IsMover(motion, command.Voter))
                {
                    motion = await context.StepAsync<Motion>(Step, new MotionStep(motion, MotionCommandKind.Second, command.Voter, TraceParent: command.TraceParent));
                }
            }
        }

        if (motion is { State: MotionState.Seconded, RequiresVote: true })
        {
            motion = await context.StepAsync<Motion>(Step, new MotionStep(motion, MotionCommandKind.CallVote));
        }

        if (motion.State == MotionState.Seconded)
        {
            var deadline = context.CurrentUtcDateTime + motion.Timings.ObjectionWindow;
            while (motion.State == MotionState.Seconded)
            {
                var command = await Inbox.NextBeforeAsync<MotionCommand>(context, deadline);
                if (command is null)
                {
                    motion = await context.StepAsync<Motion>(Step, new MotionStep(motion, MotionCommandKind.Consent));
                }
                else if (command.Withdrawal is not null)
                {
                    motion = await WithdrawAsync(context, motion, command, handled, log);
                }
                else if (Accept(command, VoteChoice.Object, motion, handled, log))
                {
                    motion = await context.StepAsync<Motion>(Step, new MotionStep(motion, MotionCommandKind.Object, command.Voter, TraceParent: command.TraceParent));
                }
            }
        }

        if (motion.State == MotionState.Voting)
        {
            var deadline = context.CurrentUtcDateTime + motion.Timings.VotingDeadline;
            while (!motion.EveryoneVoted)
            {
                var command = await Inbox.NextBeforeAsync<MotionCommand>(context, deadline);
                if (command is null)
                {
                    break;
                }

                if (command.Withdrawal is not null)
                {
                    // RONR 12th ed. 33:11–19: once voting has begun it is too late to withdraw; the vote runs to its close.
                    log.CommandIgnored(AgentNames.Roberts, $"motion {motion.Id}", "withdraw", Naming.Kebab(motion.State), "voting has begun: too late to withdraw");
                }
                else if (command.Choice is VoteChoice.Yes or VoteChoice.No or VoteChoice.Abstain
                    && handled.Add(command.EventId)
                    && motion.IsMember(command.Voter)
                    && !motion.Votes.ContainsKey(command.Voter))
                {
                    motion = await context.StepAsync<Motion>(Step, new MotionStep(motion, MotionCommandKind.Vote, command.Voter, command.Choice, command.TraceParent));
                }
                else
                {
                    log.CommandIgnored(AgentNames.Roberts, $"motion {motion.Id}", Naming.Kebab(command.Choice), Naming.Kebab(motion.State), $"not a new vote by a member ({command.Voter})");
                }
            }

            motion = await context.StepAsync<Motion>(Step, new MotionStep(motion, MotionCommandKind.Close));
        }

        return motion;
    }

    /// <summary>The maker's request for leave to withdraw: granted once; anyone else's, or a repeat, is logged and ignored.</summary>
    private static async Task<Motion> WithdrawAsync(TaskOrchestrationContext context, Motion motion, MotionCommand command, HashSet<string> handled, ILogger log)
    {
        if (IsMover(motion, command.Voter) && handled.Add(command.EventId))
        {
            return await context.StepAsync<Motion>(
                Step, new MotionStep(motion, MotionCommandKind.Withdraw, command.Voter, TraceParent: command.TraceParent, Reason: command.Withdrawal));
        }

        log.CommandIgnored(AgentNames.Roberts, $"motion {motion.Id}", "withdraw", Naming.Kebab(motion.State), $"only its maker ({motion.MovedBy}) may withdraw it, once ({command.Voter})");
        return motion;
    }

    private static bool Accept(MotionCommand command, VoteChoice expected, Motion motion, HashSet<string> handled, ILogger log)
    {
        if (command.Choice == expected && motion.IsMember(command.Voter) && handled.Add(command.EventId))
        {
            return true;
        }

        log.CommandIgnored(AgentNames.Roberts, $"motion {motion.Id}", Naming.Kebab(command.Choice), Naming.Kebab(motion.State), $"only a member's {Naming.Kebab(expected)} is in order now");
        return false;
    }

    private static bool IsMover(Motion motion, string voter) =>
        string.Equals(motion.MovedBy, voter, StringComparison.OrdinalIgnoreCase);
}
