using System.CommandLine;
using System.Globalization;
using Swarm.Cli.Client;
using Swarm.Cli.Output;
using Swarm.Domain.Events;
using Swarm.Api;

namespace Swarm.Cli.Commands;

/// <summary>
/// <c>swarm bus</c>: the bus between the agents (<c>GET /api/bus</c>); <c>swarm bus dead-letters</c> lists what could not
/// be delivered; <c>swarm bus resubmit &lt;id&gt;</c> publishes one again (idempotently).
/// </summary>
public static class BusCommands
{
    public static Command Create(CliContext cli)
    {
        var command = new Command("bus", "Show the bus between the agents: Service Bus or in-process, its consumer's last run and totals, dead letters waiting.")
        {
            DeadLetters(cli),
            Resubmit(cli),
        };
        command.SetAction((parse, ct) => cli.RunClientAsync(parse, "swarm.cli.bus", async (call, token) =>
        {
            var answer = await call.Api.GetAsync("bus", token);
            if (call.Json)
            {
                call.WriteJson(answer.Body);
                return ExitCodes.Ok;
            }

            call.Io.Out.Write(Render.Bus(answer.Read<BusReport>()));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command DeadLetters(CliContext cli)
    {
        var max = new Option<int?>("--max") { Description = "How many to list, oldest first (1-100; default 100)" };
        var command = new Command("dead-letters", "List the agent events that could not be delivered, with why, oldest first.") { max };
        command.SetAction((parse, ct) =>
        {
            var limit = parse.GetValue(max);
            if (limit is < 1 or > IAgentEventBusMonitor.MaxListed)
            {
                throw new UsageException("--max", $"--max must be from 1 to {IAgentEventBusMonitor.MaxListed}.");
            }

            return cli.RunClientAsync(parse, "swarm.cli.bus.dead_letters", async (call, token) =>
            {
                var path = limit is null ? "bus/dead-letters" : $"bus/dead-letters?max={limit.Value.ToString(CultureInfo.InvariantCulture)}";
                var answer = await call.Api.GetAsync(path, token);
                if (call.Json)
                {
                    call.WriteJson(answer.Body);
                    return ExitCodes.Ok;
                }

                call.Io.Out.Write(Render.DeadLetters(answer.Read<DeadLetterList>()));
                return ExitCodes.Ok;
            }, ct);
        });
        return command;
    }

    private static Command Resubmit(CliContext cli)
    {
        var id = new Argument<string>("id") { Description = "The dead letter's id as `swarm bus dead-letters` lists it" };
        var command = new Command("resubmit", "Publish a dead letter again; repeating it is harmless (already-resubmitted).") { id };
        command.SetAction((parse, ct) =>
        {
            var deadLetter = WorkCommands.Id(parse.GetValue(id), "<id>");
            return cli.RunClientAsync(parse, "swarm.cli.bus.resubmit", async (call, token) =>
            {
                var answer = await call.Api.PostAsync($"bus/dead-letters/{Uri.EscapeDataString(deadLetter)}/resubmit", new { }, null, token);
                if (call.Json)
                {
                    call.WriteJson(answer.Body);
                    return ExitCodes.Ok;
                }

                var outcome = answer.Read<ResubmitOutcome>();
                call.Io.Out.MarkupLineInterpolated(outcome.Outcome == "resubmitted"
                    ? (FormattableString)$"[green]resubmitted[/] dead letter {outcome.Id} as message {outcome.MessageId}"
                    : $"[yellow]already resubmitted[/] dead letter {outcome.Id} at {outcome.At:u} as message {outcome.MessageId}; nothing sent again");
                return ExitCodes.Ok;
            }, ct);
        });
        return command;
    }
}
