using System.CommandLine;
using Swarm.Cli.Output;
using Swarm.Api;

namespace Swarm.Cli.Commands;

/// <summary><c>swarm agents</c>: each agent's state — Roberts' open motions, Scrum's teams and sprints, Lean's projects, the remediations under way, work by status.</summary>
public static class AgentsCommand
{
    public static Command Create(CliContext cli)
    {
        var command = new Command("agents", "Show each agent's state: open motions, teams and running sprints, Lean projects, active remediations and load shedding, work by status.");
        command.SetAction((parse, ct) => cli.RunClientAsync(parse, "swarm.cli.agents", async (call, token) =>
        {
            var answer = await call.Api.GetAsync("agents", token);
            if (call.Json)
            {
                call.WriteJson(answer.Body);
                return ExitCodes.Ok;
            }

            call.Io.Out.Write(Render.Agents(answer.Read<AgentStates>(), call.Io.Out.Profile.Width));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
