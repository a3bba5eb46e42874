using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Swarm.Cli.Client;
using Swarm.Cli.Output;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Telemetry;
using Swarm.Domain.Scrum;
using Swarm.Api;

namespace Swarm.Cli.Commands;

/// <summary><c>swarm work claim|list|show|progress|complete</c>: work items through the API.</summary>
public static class WorkCommands
{
    public static Command Create(CliContext cli) => new("work", "Claim work and follow it through the agents.")
    {
        Claim(cli),
        List(cli),
        Show(cli),
        Progress(cli),
        Complete(cli),
    };

    private static Command Claim(CliContext cli)
    {
        var type = new Argument<string>("type") { Description = $"One of {Naming.Allowed<WorkType>()}" };
        var title = new Argument<string>("title") { Description = "What the work is" };
        var priority = new Argument<string?>("priority") { Description = $"One of {Naming.Allowed<WorkPriority>()} (default medium)", Arity = ArgumentArity.ZeroOrOne };
        var team = new Option<string?>("--team") { Description = "The team whose backlog takes it (default 'default')" };
        var points = new Option<string?>("--points") { Description = $"Size in points, 1-{ClaimWork.MaxPoints} (default by type)" };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Makes a retried claim return the same work item" };
        var command = new Command("claim", "Claim work: features and epics go to a Roberts motion, bugs and tasks straight to the team's backlog.")
        {
            type, title, priority, team, points, idempotencyKey,
        };
        command.SetAction((parse, ct) =>
        {
            var claim = ParseClaim(parse.GetValue(type), parse.GetValue(title), parse.GetValue(priority), parse.GetValue(team), parse.GetValue(points));
            return cli.RunClientAsync(
                parse,
                "swarm.cli.work.claim",
                async (call, token) =>
                {
                    var answer = await call.Api.PostAsync(
                        "work",
                        new ClaimWorkRequest(Naming.Kebab(claim.Type), claim.Title, Naming.Kebab(claim.Priority), claim.Team, claim.Points),
                        parse.GetValue(idempotencyKey),
                        token);
                    var accepted = answer.Read<WorkAccepted>();
                    call.Span?.SetTag(SwarmAttributes.WorkId, accepted.Id);
                    if (call.Json)
                    {
                        call.WriteJson(answer.Body);
                        return ExitCodes.Ok;
                    }

                    var item = accepted.WorkItem;
                    call.Io.Out.MarkupLineInterpolated(
                        $"[green]claimed[/] {Naming.Kebab(item.Type)} [bold]{item.Title}[/] as work item [bold]{item.Id}[/] ({Naming.Kebab(item.Priority)}, team {item.Team}, {Render.Points(item.Points)})");
                    var next = item.NeedsGovernance ? "Roberts opens a work-approval motion" : "it goes straight to the team's backlog";
                    // swarm trace reads a dashboard: not suggested against a local swarm up started without one. One line,
                    // never wrapped, so the commands can be copied whole.
                    var id = Markup.Escape(item.Id);
                    call.Io.Out.Write(Unwrapped.Line(call.Stack is { Dashboard: null }
                        ? $"[grey]{next}; follow it with[/] swarm work show {id}"
                        : $"[grey]{next}; follow it with[/] swarm work show {id} [grey]and[/] swarm trace {id}"));
                    WriteTrace(call);
                    return ExitCodes.Ok;
                },
                ct,
                // The claim's span carries the work's priority from its start, where the sampler reads it: high and critical work is always traced.
                startSpan: () =>
                {
                    Activity.Current = null;
                    return ClaimTelemetry.Start(claim, ActivityKind.Client);
                });
        });
        return command;
    }

    private static Command List(CliContext cli)
    {
        var team = new Option<string?>("--team") { Description = "Only this team's work" };
        var status = new Option<string?>("--status") { Description = $"Only work in this status: {Naming.Allowed<WorkStatus>()}" };
        var command = new Command("list", "List work items, oldest claim first.") { team, status };
        command.SetAction((parse, ct) =>
        {
            var query = new List<string>();
            if (parse.GetValue(team) is { } teamText)
            {
                var name = teamText.Trim().ToLowerInvariant();
                if (!TeamName.IsValid(name))
                {
                    throw new UsageException("--team", $"--team: '{teamText}' must be 1-40 characters of a-z, 0-9 and '-'.");
                }

                query.Add($"team={Uri.EscapeDataString(name)}");
            }

            if (parse.GetValue(status) is { } statusText)
            {
                query.Add($"status={Naming.Kebab(Choice<WorkStatus>(statusText, "--status"))}");
            }

            return cli.RunClientAsync(parse, "swarm.cli.work.list", async (call, token) =>
            {
                var list = await WorkList.AllAsync(string.Join('&', query), async path => (await call.Api.GetAsync(path, token)).Read<WorkList>());
                if (call.Json)
                {
                    call.WriteJson(JsonSerializer.Serialize(list, SwarmJson.Options));
                    return ExitCodes.Ok;
                }

                if (list.Count == 0)
                {
                    call.Io.Out.MarkupLine("[grey]no work items[/]");
                    return ExitCodes.Ok;
                }

                call.Io.Out.Write(Render.Work(list.Items, call.Io.Out.Profile.Width));
                call.Io.Out.MarkupLineInterpolated($"[grey]{list.Count} work item{(list.Count == 1 ? string.Empty : "s")}[/]");
                return ExitCodes.Ok;
            }, ct);
        });
        return command;
    }

    private static Command Show(CliContext cli)
    {
        var id = new Argument<string>("id") { Description = "The work item's id" };
        var command = new Command("show", "Show a work item as its orchestration last reported it.") { id };
        command.SetAction((parse, ct) =>
        {
            var workId = Id(parse.GetValue(id), "<id>");
            return cli.RunClientAsync(parse, "swarm.cli.work.show", async (call, token) =>
            {
                var answer = await call.Api.GetAsync($"work/{Uri.EscapeDataString(workId)}", token);
                if (call.Json)
                {
                    call.WriteJson(answer.Body);
                    return ExitCodes.Ok;
                }

                call.Io.Out.Write(Render.WorkDetails(answer.Read<WorkItem>()));
                return ExitCodes.Ok;
            }, ct, tags: WorkTags(workId));
        });
        return command;
    }

    private static Command Progress(CliContext cli)
    {
        var id = new Argument<string>("id") { Description = "The work item's id" };
        var percent = new Argument<string>("percent") { Description = "How far along it is: a whole number from 0 to 100" };
        var blocker = new Option<string?>("--blocker") { Description = "What blocks it, if anything" };
        var command = new Command("progress", "Report progress; the first report moves a planned item in progress.") { id, percent, blocker };
        command.SetAction((parse, ct) =>
        {
            var workId = Id(parse.GetValue(id), "<id>");
            var text = parse.GetValue(percent) ?? string.Empty;
            if (!int.TryParse(text.Trim().TrimEnd('%'), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value is < 0 or > 100)
            {
                throw new UsageException("<percent>", $"<percent>: '{text}' is not a whole number from 0 to 100.");
            }

            return cli.RunClientAsync(parse, "swarm.cli.work.progress", async (call, token) =>
            {
                var answer = await call.Api.PostAsync(
                    $"work/{Uri.EscapeDataString(workId)}/progress", new ProgressRequest(value, parse.GetValue(blocker)), null, token);
                return Answered(call, answer, item => $"work item [bold]{Markup.Escape(item.Id)}[/]: {Render.Status(item)}, {item.Progress} %{(item.Blocker is null ? string.Empty : $", blocked by {Markup.Escape(item.Blocker)}")}");
            }, ct, tags: WorkTags(workId));
        });
        return command;
    }

    private static Command Complete(CliContext cli)
    {
        var id = new Argument<string>("id") { Description = "The work item's id" };
        var status = new Option<string>("--status") { Description = $"How it ended: {Naming.Allowed<CompletionStatus>()}", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why it failed (used by Lean's root-cause analysis)" };
        var command = new Command("complete", "Complete a work item in progress.") { id, status, reason };
        command.SetAction((parse, ct) =>
        {
            var workId = Id(parse.GetValue(id), "<id>");
            var completion = Choice<CompletionStatus>(parse.GetValue(status), "--status");
            return cli.RunClientAsync(parse, "swarm.cli.work.complete", async (call, token) =>
            {
                var answer = await call.Api.PostAsync(
                    $"work/{Uri.EscapeDataString(workId)}/complete", new CompleteRequest(Naming.Kebab(completion), parse.GetValue(reason)), null, token);
                return Answered(call, answer, item => $"work item [bold]{Markup.Escape(item.Id)}[/]: {Render.Status(item)}{(item.FailureReason is null ? string.Empty : $" — {Markup.Escape(item.FailureReason)}")}");
            }, ct, tags: WorkTags(workId));
        });
        return command;
    }

    /// <summary>Validates a claim as the server would, naming the CLI's argument for the field at fault.</summary>
    internal static ClaimWork ParseClaim(string? type, string? title, string? priority, string? team, string? points)
    {
        int? size = null;
        if (points is not null)
        {
            size = int.TryParse(points.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new UsageException("--points", $"--points: '{points}' is not a whole number from 1 to {ClaimWork.MaxPoints}.");
        }

        try
        {
            return ClaimWork.Parse(type, title, priority, team, size);
        }
        catch (InvalidInputException error)
        {
            var argument = error.Field switch
            {
                "type" => "<type>",
                "title" => "<title>",
                "priority" => "<priority>",
                "team" => "--team",
                "points" => "--points",
                var other => other,
            };
            throw new UsageException(argument, $"{argument}: {error.Message}");
        }
    }

    internal static T Choice<T>(string? text, string argument) where T : struct, Enum =>
        Naming.TryParse<T>(text, out var value)
            ? value
            : throw new UsageException(argument, string.IsNullOrWhiteSpace(text)
                ? $"{argument} is required: one of {Naming.Allowed<T>()}."
                : $"{argument}: '{text}' is unknown; one of {Naming.Allowed<T>()}.");

    internal static string Id(string? text, string argument) =>
        string.IsNullOrWhiteSpace(text) ? throw new UsageException(argument, $"{argument} is required.") : text.Trim();

    internal static void WriteTrace(ClientCall call)
    {
        if (call.Span is not { Recorded: true } span)
        {
            return;
        }

        // One line, never wrapped: a link broken over two lines can be neither clicked nor copied.
        call.Io.Out.Write(Unwrapped.Line(call.TraceLink is { } link
            ? $"[grey]trace[/] {span.TraceId} [grey]→[/] [link]{Markup.Escape(link.ToString())}[/]"
            : $"[grey]trace[/] {span.TraceId}"));
    }

    private static KeyValuePair<string, object?>[] WorkTags(string workId) => [new(SwarmAttributes.WorkId, workId)];

    private static int Answered(ClientCall call, ApiAnswer answer, Func<WorkItem, string> describe)
    {
        if (call.Json)
        {
            call.WriteJson(answer.Body);
            return ExitCodes.Ok;
        }

        call.Io.Out.MarkupLine(describe(answer.Read<WorkItem>()));
        return ExitCodes.Ok;
    }
}
