using System.CommandLine;
using Swarm.Cli.Client;
using Swarm.Cli.Output;
using Swarm.Domain;
using Swarm.Domain.Roberts;
using Swarm.Domain.Telemetry;
using Swarm.Api;

namespace Swarm.Cli.Commands;

/// <summary><c>swarm motion vote</c>: a board member's word on a Roberts motion.</summary>
public static class MotionCommands
{
    public static Command Create(CliContext cli) => new("motion", "Take part in Roberts' motions.")
    {
        Vote(cli),
    };

    private static Command Vote(CliContext cli)
    {
        var id = new Argument<string>("id") { Description = "The motion's id (a feature's approval is approve-<work id>)" };
        var choice = new Argument<string>("choice")
        {
            Description = "yes, no or abstain while it is put to a vote; object while it awaits general consent; second while it is open",
        };
        var voter = new Option<string>("--voter") { Description = "The board member voting (default board: chair, secretary, treasurer, member-a, member-b)", Required = true };
        var command = new Command("vote", "Vote on, object to or second a motion.") { id, choice, voter };
        command.SetAction((parse, ct) =>
        {
            var motionId = WorkCommands.Id(parse.GetValue(id), "<id>");
            var vote = WorkCommands.Choice<VoteChoice>(parse.GetValue(choice), "<choice>");
            var member = parse.GetValue(voter);
            if (string.IsNullOrWhiteSpace(member))
            {
                throw new UsageException("--voter", "--voter is required: a member of the team's board.");
            }

            return cli.RunClientAsync(parse, "swarm.cli.motion.vote", async (call, token) =>
            {
                var answer = await call.Api.PostAsync(
                    $"motions/{Uri.EscapeDataString(motionId)}/votes", new VoteRequest(member.Trim(), Naming.Kebab(vote)), null, token);
                if (call.Json)
                {
                    call.WriteJson(answer.Body);
                    return ExitCodes.Ok;
                }

                call.Io.Out.MarkupLineInterpolated($"[green]{member.Trim()}[/] says [bold]{Naming.Kebab(vote)}[/] on motion {motionId}");
                call.Io.Out.Write(Render.MotionDetails(answer.Read<Motion>()));
                return ExitCodes.Ok;
            }, ct, tags: [new(SwarmAttributes.MotionId, motionId)]);
        });
        return command;
    }
}
