using System.CommandLine;
using Swarm.Cli.Client;
using Swarm.Cli.Output;
using Swarm.Domain.Remediation;
using Swarm.Api;

namespace Swarm.Cli.Commands;

/// <summary>
/// <c>swarm remediations [--state S] [--policy P] [--team T] [--since T] [--until T]</c>: the incidents, newest first
/// (<c>GET /api/remediations</c>); <c>swarm remediations show &lt;id&gt;</c>: one incident's audit trail as a timeline.
/// </summary>
public static class RemediationCommands
{
    public static Command Create(CliContext cli)
    {
        var state = new Option<string?>("--state") { Description = "acting, monitoring (open) or resolved (closed)" };
        var policy = new Option<string?>("--policy") { Description = "a remediation kind (lean-project, recover-stuck-agent, shed-load, notify-only) or an alert name" };
        var team = new Option<string?>("--team") { Description = "the team an incident targets" };
        var since = new Option<string?>("--since") { Description = "opened at or after this time (ISO 8601)" };
        var until = new Option<string?>("--until") { Description = "opened before this time (ISO 8601)" };
        var command = new Command("remediations", "List the remediation incidents: one per policy and target, with their sources, deliveries and outcome.")
        {
            state, policy, team, since, until, Show(cli),
        };
        command.SetAction((parse, ct) =>
        {
            var query = new List<string>();
            Add(query, "state", parse.GetValue(state));
            Add(query, "policy", parse.GetValue(policy));
            Add(query, "team", parse.GetValue(team));
            Add(query, "since", parse.GetValue(since));
            Add(query, "until", parse.GetValue(until));
            return cli.RunClientAsync(parse, "swarm.cli.remediations", async (call, token) =>
            {
                var answer = await call.Api.GetAsync(query.Count == 0 ? "remediations" : $"remediations?{string.Join('&', query)}", token);
                if (call.Json)
                {
                    call.WriteJson(answer.Body);
                    return ExitCodes.Ok;
                }

                call.Io.Out.Write(Render.Incidents(answer.Read<IncidentList>(), call.Io.Out.Profile.Width));
                return ExitCodes.Ok;
            }, ct);
        });
        return command;
    }

    private static Command Show(CliContext cli)
    {
        var id = new Argument<string>("id") { Description = "The incident's id as `swarm remediations` lists it" };
        var command = new Command("show", "One incident's audit trail: alerts and sources, every delivery joined or suppressed, actions, outcome — with times and trace ids.") { id };
        command.SetAction((parse, ct) =>
        {
            var incident = WorkCommands.Id(parse.GetValue(id), "<id>");
            return cli.RunClientAsync(parse, "swarm.cli.remediations.show", async (call, token) =>
            {
                var answer = await call.Api.GetAsync($"remediations/{Uri.EscapeDataString(incident)}", token);
                if (call.Json)
                {
                    call.WriteJson(answer.Body);
                    return ExitCodes.Ok;
                }

                call.Io.Out.Write(Render.Incident(answer.Read<AlertRemediation>(), call.Io.Out.Profile.Width));
                return ExitCodes.Ok;
            }, ct);
        });
        return command;
    }

    private static void Add(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            query.Add($"{name}={Uri.EscapeDataString(value.Trim())}");
        }
    }
}
