using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;

namespace Swarm.Domain.Roberts;

/// <summary>The activities of a motion's orchestration: each applies one command of the chair.</summary>
public sealed class MotionSteps(IAgentEventBus bus, TimeProvider clock, ILogger<MotionSteps> logger)
{
    public async Task<Motion> ApplyAsync(MotionStep step, CancellationToken cancellationToken = default)
    {
        var motion = step.Motion;
        using var command = CommandTelemetry.Start(logger, SpanName(motion.Kind, step.Kind), Framework.Roberts, $"motion {motion.Id}", links: CommandTelemetry.LinkTo(step.TraceParent))
            .Tag(SwarmAttributes.MotionId, motion.Id)
            .Tag(SwarmAttributes.MotionKind, Naming.Kebab(motion.Kind))
            .Tag(SwarmAttributes.WorkTeam, motion.Team)
            .Tag(SwarmAttributes.WorkId, motion.WorkId)
            .Tag(SwarmAttributes.LeanProjectId, motion.LeanProjectId)
            .Tag(SwarmAttributes.SprintNumber, motion.Sprint);
        return await command.RunAsync(async () =>
        {
            var now = clock.GetUtcNow();
            var member = step.Member ?? "chair";
            var next = step.Kind switch
            {
                MotionCommandKind.Open => motion.Open(now),
                MotionCommandKind.Second => motion.SecondBy(member),
                MotionCommandKind.Lapse => motion.LapseUnseconded(now),
                MotionCommandKind.Consent => motion.AdoptByGeneralConsent(now),
                MotionCommandKind.Object => motion.ObjectBy(member),
                MotionCommandKind.CallVote => motion.PutToVote(),
                MotionCommandKind.Vote => motion.CastVote(member, step.Choice ?? throw new InvalidInputException("choice", "A vote names its choice.")),
                MotionCommandKind.Close => motion.CloseVote(now),
                MotionCommandKind.Withdraw => motion.WithdrawBy(member, step.Reason ?? "no longer needed", now),
                _ => throw new IllegalTransitionException("motion", Naming.Kebab(motion.State), Naming.Kebab(step.Kind)),
            };
            command.Transitioned(motion.State, next.State);
            if (next.Result is { } result && motion.Result is null)
            {
                await DecideAsync(next, result, command, cancellationToken);
            }

            return next;
        });
    }

    /// <summary>Closing a work-approval motion is <c>roberts.vote.approve</c>; closing a rule change is <c>roberts.vote.process_change</c>.</summary>
    public static string SpanName(MotionKind kind, MotionCommandKind command) => command switch
    {
        MotionCommandKind.Open => "roberts.motion.open",
        MotionCommandKind.Second => "roberts.motion.second",
        MotionCommandKind.Lapse => "roberts.motion.lapse",
        MotionCommandKind.Object => "roberts.motion.object",
        MotionCommandKind.CallVote => "roberts.motion.call_vote",
        MotionCommandKind.Vote => "roberts.vote.cast",
        MotionCommandKind.Withdraw => "roberts.motion.withdraw",
        _ => kind == MotionKind.ProcessChange ? "roberts.vote.process_change" : "roberts.vote.approve",
    };

    private async Task DecideAsync(Motion motion, MotionResult result, CommandTelemetry command, CancellationToken cancellationToken)
    {
        var resultName = Naming.Kebab(result);
        command.Tag(SwarmAttributes.MotionResult, resultName);
        SwarmTelemetry.Motions.Add(
            1,
            new(SwarmAttributes.Result, resultName),
            new(SwarmAttributes.Kind, Naming.Kebab(motion.Kind)));
        logger.MotionDecided(motion.Id, Naming.Kebab(motion.Kind), resultName, motion.Reason ?? string.Empty);
        if (result == MotionResult.Withdrawn)
        {
            // Its maker asked for it and already knows: no decision to hand off.
            return;
        }

        var type = result == MotionResult.Passed ? EventTypes.MotionPassed : EventTypes.MotionFailed;
        await bus.PublishAsync(AgentEvent.Create(type, AgentNames.Roberts, motion.Id, motion, motion.WorkId, motion.Team), cancellationToken);
    }
}
