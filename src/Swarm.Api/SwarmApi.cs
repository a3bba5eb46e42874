using System.Globalization;
using Swarm.Domain.Composition;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Swarm.Domain;
using Swarm.Domain.Events;
using Swarm.Domain.Remediation;
using Swarm.Domain.Roberts;
using Swarm.Domain.Telemetry;
using Swarm.Domain.Scrum;

namespace Swarm.Api;

/// <summary>Who may call a route: anyone, or a caller with the function key (Azure's <c>AuthorizationLevel.Function</c>).</summary>
public enum ApiAccess
{
    Anonymous,
    FunctionKey,
}

/// <summary>Endpoint metadata carrying a route's <see cref="ApiAccess"/>.</summary>
public sealed record RouteAccess(ApiAccess Level);

/// <summary>
/// The swarm's HTTP API, written once: each handler reads its request, calls the agents and maps the outcome to
/// an <see cref="IResult"/>. The embedded host maps them with <see cref="MapSwarmApi"/>; the Functions app's HTTP
/// triggers call them directly, so both serve the identical API.
/// </summary>
public static class SwarmApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The header Azure Functions reads a function key from (also accepted: the <c>code</c> query parameter).</summary>
    public const string FunctionKeyHeader = "x-functions-key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>How long the health probe waits for the Durable backend.</summary>
    public static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The agents that accept events over HTTP: <c>roberts</c>, <c>scrum</c>, <c>lean</c>, <c>remediation</c>.</summary>
    public static readonly IReadOnlyList<string> Agents = [.. Enum.GetValues<Framework>().Select(f => Naming.Kebab(f))];

    /// <summary>
    /// Maps every route under <c>/api</c>. Each endpoint carries its <see cref="ApiAccess"/> as metadata, mirroring
    /// the authorization level of the matching Functions trigger.
    /// </summary>
    public static IEndpointRouteBuilder MapSwarmApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapPost("/work", (HttpRequest request, [FromServices] SwarmApiServices services) => ClaimWorkAsync(request, services))
            .WithName("ClaimWork").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/work", (HttpRequest request, [FromServices] SwarmApiServices services) => ListWorkAsync(request, services))
            .WithName("ListWork").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/work/{id}", (HttpRequest request, string id, [FromServices] SwarmApiServices services) => GetWorkAsync(request, id, services))
            .WithName("GetWork").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapPost("/work/{id}/progress", (HttpRequest request, string id, [FromServices] SwarmApiServices services) => ReportProgressAsync(request, id, services))
            .WithName("ReportProgress").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapPost("/work/{id}/complete", (HttpRequest request, string id, [FromServices] SwarmApiServices services) => CompleteWorkAsync(request, id, services))
            .WithName("CompleteWork").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapPost("/motions/{id}/votes", (HttpRequest request, string id, [FromServices] SwarmApiServices services) => CastVoteAsync(request, id, services))
            .WithName("CastVote").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/teams/{team}/sprints/{number}", (HttpRequest request, string team, string number, [FromServices] SwarmApiServices services) => GetSprintAsync(request, team, number, services))
            .WithName("GetSprint").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/agents", (HttpRequest request, [FromServices] SwarmApiServices services) => GetAgentsAsync(request, services))
            .WithName("GetAgents").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapPost("/agents/{agent}/events", (HttpRequest request, string agent, [FromServices] SwarmApiServices services) => PublishEventAsync(request, agent, services))
            .WithName("PublishAgentEvent").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapPost("/alerts", (HttpRequest request, [FromServices] SwarmApiServices services) => ReceiveAlertsAsync(request, services))
            .WithName("ReceiveAlerts").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/remediations", (HttpRequest request, [FromServices] SwarmApiServices services) => ListRemediationsAsync(request, services))
            .WithName("ListRemediations").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/remediations/{id}", (HttpRequest request, string id, [FromServices] SwarmApiServices services) => GetRemediationAsync(request, id, services))
            .WithName("GetRemediation").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/bus", (HttpRequest request, [FromServices] SwarmApiServices services) => GetBusAsync(request, services))
            .WithName("GetBus").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/bus/dead-letters", (HttpRequest request, [FromServices] SwarmApiServices services) => ListDeadLettersAsync(request, services))
            .WithName("ListDeadLetters").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapPost("/bus/dead-letters/{id}/resubmit", (HttpRequest request, string id, [FromServices] SwarmApiServices services) => ResubmitDeadLetterAsync(request, id, services))
            .WithName("ResubmitDeadLetter").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/motions", (HttpRequest request, [FromServices] SwarmApiServices services) => ListMotionsAsync(request, services))
            .WithName("ListMotions").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/motions/{id}", (HttpRequest request, string id, [FromServices] SwarmApiServices services) => GetMotionAsync(request, id, services))
            .WithName("GetMotion").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/lean/projects", (HttpRequest request, [FromServices] SwarmApiServices services) => ListLeanProjectsAsync(request, services))
            .WithName("ListLeanProjects").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/teams/{team}/sprints", (HttpRequest request, string team, [FromServices] SwarmApiServices services) => ListSprintsAsync(request, team, services))
            .WithName("ListSprints").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/instances", (HttpRequest request, [FromServices] SwarmApiServices services) => ListInstancesAsync(request, services))
            .WithName("ListInstances").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/instances/{id}", (HttpRequest request, string id, [FromServices] SwarmApiServices services) => GetInstanceAsync(request, id, services))
            .WithName("GetInstance").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapPost("/instances/{id}/terminate", (HttpRequest request, string id, [FromServices] SwarmApiServices services) => TerminateInstanceAsync(request, id, services))
            .WithName("TerminateInstance").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapPost("/instances/{id}/restart", (HttpRequest request, string id, [FromServices] SwarmApiServices services) => RestartInstanceAsync(request, id, services))
            .WithName("RestartInstance").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapPost("/instances/{id}/events/{name}", (HttpRequest request, string id, string name, [FromServices] SwarmApiServices services) => RaiseInstanceEventAsync(request, id, name, services))
            .WithName("RaiseInstanceEvent").WithMetadata(new RouteAccess(ApiAccess.FunctionKey));
        api.MapGet("/health", (HttpRequest request, [FromServices] SwarmApiServices services) => HealthAsync(request, services))
            .WithName("Health").WithMetadata(new RouteAccess(ApiAccess.Anonymous));
        return app;
    }

    /// <summary>
    /// <c>POST /api/work {type, title, priority?, team?, points?}</c>: 202 with the work item, its status URL as
    /// <c>Location</c> and its management URLs. A retry with the same <c>Idempotency-Key</c> gets the same answer
    /// for the same item (still 202, marked <c>Idempotent-Replayed: true</c>); the same key on a different claim is 409.
    /// </summary>
    public static Task<IResult> ClaimWorkAsync(HttpRequest request, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var body = await JsonBody.ReadAsync<ClaimWorkRequest>(request, cancellationToken);
            var claim = ClaimWork.Parse(body.Type, body.Title, body.Priority, body.Team, body.Points);
            using var span = ClaimTelemetry.Start(claim);
            var key = Header(request, IdempotencyKeyHeader);
            if (key?.Trim() is { Length: > SwarmCommands.MaxIdempotencyKeyLength })
            {
                throw new InvalidInputException(IdempotencyKeyHeader, $"{IdempotencyKeyHeader} is longer than {SwarmCommands.MaxIdempotencyKeyLength} characters.");
            }

            var (item, created) = await services.Commands.ClaimAsync(claim, key, cancellationToken);
            if (!created)
            {
                request.HttpContext.Response.Headers[ReplayedHeader] = "true";
            }

            var status = WorkUri(request, item.Id);
            return TypedResults.Json(
                new WorkAccepted(item.Id, InstanceIds.Work(item.Id), item, status, WorkUri(request, item.Id, "progress"), WorkUri(request, item.Id, "complete")),
                SwarmJson.Options,
                statusCode: StatusCodes.Status202Accepted)
                .WithLocation(request, status);
        });

    /// <summary>
    /// <c>GET /api/work?team=&amp;status=&amp;max=&amp;continuationToken=</c>: the work items the swarm knows, paged by the
    /// server — at most <c>max</c> (1–1,000, default 1,000) per answer, oldest claim first within it, and a
    /// <c>continuationToken</c> to pass back while more may follow (pages follow the task hub's instance order; an
    /// answer may hold fewer items and still have a token). 400 for a malformed team, status or max.
    /// </summary>
    public static Task<IResult> ListWorkAsync(HttpRequest request, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var team = Query(request, "team")?.ToLowerInvariant();
            if (team is not null && !TeamName.IsValid(team))
            {
                throw new InvalidInputException("team", $"team '{team}' must be 1-40 characters of a-z, 0-9 and '-'.");
            }

            WorkStatus? status = null;
            if (Query(request, "status") is { } statusText)
            {
                status = Naming.TryParse<WorkStatus>(statusText, out var parsed)
                    ? parsed
                    : throw new InvalidInputException("status", $"status '{statusText}' is unknown; one of {Naming.Allowed<WorkStatus>()}.");
            }

            var max = InstanceExplorer.ParseMax(Query(request, "max"), IWorkHistory.MaxPage);
            var page = await services.History.PageAsync(team, status, max, Query(request, "continuationToken"), cancellationToken);
            return Json(new WorkList(page.Items.Count, page.Items, page.ContinuationToken));
        });

    /// <summary><c>GET /api/work/{id}</c>: the work item as its orchestration last reported it.</summary>
    public static Task<IResult> GetWorkAsync(HttpRequest request, string id, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken => Json(await services.Commands.GetWorkAsync(id, cancellationToken)));

    /// <summary>
    /// <c>GET /api/teams/{team}/sprints/{number}</c>: the sprint as the Scrum agent keeps it (state, backlog, outcomes) and,
    /// once reviewed, its review — velocity (points done), completed, failed, defect rate (failed ÷ completed) and the
    /// threshold it was judged against (docs/agents.md). 400 for a malformed team or number, 404 for a sprint never planned.
    /// </summary>
    public static Task<IResult> GetSprintAsync(HttpRequest request, string team, string number, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var name = team.Trim().ToLowerInvariant();
            if (!TeamName.IsValid(name))
            {
                throw new InvalidInputException("team", $"team '{team}' must be 1-40 characters of a-z, 0-9 and '-'.");
            }

            if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var sprint) || sprint < 1)
            {
                throw new InvalidInputException("number", $"sprint number '{number}' must be a whole number, 1 or more.");
            }

            return Json(await services.Commands.GetSprintAsync(name, sprint, cancellationToken));
        });

    /// <summary>
    /// <c>POST /api/work/{id}/progress {percent, blocker?}</c>: 202 with the item as it will be once the command is
    /// applied. An <c>Idempotency-Key</c> makes a retried report count once.
    /// </summary>
    public static Task<IResult> ReportProgressAsync(HttpRequest request, string id, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var body = await JsonBody.ReadAsync<ProgressRequest>(request, cancellationToken);
            var percent = body.Percent ?? throw new InvalidInputException("percent", "percent is required: a whole number from 0 to 100.");
            var item = await services.Commands.ReportProgressAsync(id, percent, body.Blocker, Header(request, IdempotencyKeyHeader), cancellationToken);
            return Accepted(request, item, WorkUri(request, id));
        });

    /// <summary><c>POST /api/work/{id}/complete {status: success|failed, reason?}</c>: 202 with the completed item.</summary>
    public static Task<IResult> CompleteWorkAsync(HttpRequest request, string id, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var body = await JsonBody.ReadAsync<CompleteRequest>(request, cancellationToken);
            var status = Required<CompletionStatus>(body.Status, "status");
            var item = await services.Commands.CompleteAsync(id, status, body.Reason, cancellationToken);
            return Accepted(request, item, WorkUri(request, id));
        });

    /// <summary><c>POST /api/motions/{id}/votes {voter, choice: yes|no|abstain|object|second}</c>: 202 with the motion.</summary>
    public static Task<IResult> CastVoteAsync(HttpRequest request, string id, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var body = await JsonBody.ReadAsync<VoteRequest>(request, cancellationToken);
            if (string.IsNullOrWhiteSpace(body.Voter))
            {
                throw new InvalidInputException("voter", "voter is required: a member of the team's board.");
            }

            var choice = Required<VoteChoice>(body.Choice, "choice");
            var motion = await services.Commands.VoteAsync(id, body.Voter, choice, Header(request, IdempotencyKeyHeader), cancellationToken);
            return Accepted(request, motion, null);
        });

    /// <summary><c>GET /api/agents</c>: Roberts' open motions, Scrum's teams and running sprints, Lean's projects, work by status.</summary>
    public static Task<IResult> GetAgentsAsync(HttpRequest request, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
            Json(await AgentStatesQuery.ReadAsync(services.Client, services.History, services.Shedding, cancellationToken)));

    /// <summary>
    /// <c>GET /api/remediations?state=&amp;policy=&amp;team=&amp;since=&amp;until=</c>: the incidents, newest first (at most
    /// 500), each with its policy × target, sources, deliveries, suppressions and outcome. <c>policy</c> is a remediation
    /// kind or an alert name; <c>since</c>/<c>until</c> bound when it opened (ISO 8601). 400 naming a malformed filter.
    /// </summary>
    public static Task<IResult> ListRemediationsAsync(HttpRequest request, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var team = Query(request, "team")?.ToLowerInvariant();
            if (team is not null && team != Swarm.Domain.Remediation.RemediationPolicy.AllTeams && !TeamName.IsValid(team))
            {
                throw new InvalidInputException("team", $"team '{team}' must be 1-40 characters of a-z, 0-9 and '-', or '*'.");
            }

            return Json(await RemediationAudit.ListAsync(
                services.Client,
                RemediationAudit.ParseState(Query(request, "state")),
                Query(request, "policy"),
                team,
                RemediationAudit.ParseTime(Query(request, "since"), "since"),
                RemediationAudit.ParseTime(Query(request, "until"), "until"),
                cancellationToken));
        });

    /// <summary>
    /// <c>GET /api/remediations/{id}</c>: one incident with its audit trail — the alerts and their sources, every delivery
    /// joined or suppressed, what it did, how it closed — each step with its time and trace id. 404 for an unknown id.
    /// </summary>
    public static Task<IResult> GetRemediationAsync(HttpRequest request, string id, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken => Json(await RemediationAudit.GetAsync(services.Client, id.Trim(), cancellationToken)));

    /// <summary>
    /// <c>GET /api/bus</c>: the bus in effect (<c>service-bus</c>, <c>in-process</c> or <c>in-invocation</c>), its topic and
    /// subscription, the consumer, its last run and totals (the bus ledger) and how many dead letters wait (up to 100).
    /// </summary>
    public static Task<IResult> GetBusAsync(HttpRequest request, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken => Json(await services.Bus.DescribeAsync(cancellationToken)));

    /// <summary>
    /// <c>GET /api/bus/dead-letters?max=N</c>: the oldest dead-lettered agent events (N 1-100, default 100), each with the
    /// id to resubmit it by, its reason, description, delivery count and body. 400 for a malformed <c>max</c>.
    /// </summary>
    public static Task<IResult> ListDeadLettersAsync(HttpRequest request, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var max = IAgentEventBusMonitor.MaxListed;
            if (Query(request, "max") is { } text
                && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max is < 1 or > IAgentEventBusMonitor.MaxListed))
            {
                throw new InvalidInputException("max", $"max '{text}' must be a whole number from 1 to {IAgentEventBusMonitor.MaxListed}.");
            }

            var deadLetters = await services.Bus.DeadLettersAsync(max, cancellationToken);
            return Json(new DeadLetterList(deadLetters.Count, deadLetters));
        });

    /// <summary>
    /// <c>POST /api/bus/dead-letters/{id}/resubmit</c>: publishes the dead letter again and removes it from the dead
    /// letters; 200 with <c>outcome: resubmitted</c>. Idempotent: a repeat answers 200 with <c>already-resubmitted</c> and
    /// sends nothing. 404 for an id that is neither waiting nor resubmitted; 400 for a malformed id.
    /// </summary>
    public static Task<IResult> ResubmitDeadLetterAsync(HttpRequest request, string id, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken => Json(await services.Bus.ResubmitAsync(id, cancellationToken)));

    /// <summary>
    /// <c>POST /api/agents/{agent}/events</c>: the HTTP link between agents. The body is an agent event; it is routed to
    /// its consumer at once (idempotently, by its id) and answered 202. Without a trace context of its own the event
    /// continues the caller's <c>traceparent</c>.
    /// </summary>
    public static Task<IResult> PublishEventAsync(HttpRequest request, string agent, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var name = agent.Trim().ToLowerInvariant();
            if (!Agents.Contains(name))
            {
                throw new NotFoundException("agent", agent);
            }

            var body = await JsonBody.ReadAsync<AgentEventRequest>(request, cancellationToken);
            var agentEvent = ToEvent(body, request);
            try
            {
                await services.Router.RouteAsync(agentEvent, cancellationToken);
            }
            catch (JsonException error)
            {
                var field = JsonBody.FieldOf(error.Path);
                throw new InvalidInputException(
                    field == "body" ? "payload" : $"payload.{field}",
                    $"payload does not fit a {agentEvent.Type} event{(field == "body" ? string.Empty : $" at '{field}'")}.");
            }

            return TypedResults.Json(new EventAccepted(agentEvent.Id, agentEvent.Type, name), SwarmJson.Options, statusCode: StatusCodes.Status202Accepted);
        });

    /// <summary>
    /// <c>POST /api/alerts</c>: an Azure Monitor action group (common alert schema) or an Alertmanager webhook (v4).
    /// Each alert becomes an <c>alert.fired</c>/<c>alert.resolved</c> event whose remediation instance id derives from the
    /// alert's identity, so a retried delivery starts nothing twice; 202 lists what became of each alert.
    /// </summary>
    public static Task<IResult> ReceiveAlertsAsync(HttpRequest request, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var body = await JsonBody.ReadAsync<System.Text.Json.Nodes.JsonObject>(request, cancellationToken);
            var delivery = AlertPayloads.Read(JsonSerializer.SerializeToElement(body));
            var receipts = await services.Alerts.ReceiveAsync(delivery.Alerts, cancellationToken);
            return TypedResults.Json(
                new AlertsAccepted(receipts.Count, receipts, delivery.Source, delivery.TruncatedAlerts), SwarmJson.Options, statusCode: StatusCodes.Status202Accepted);
        });

    /// <summary><c>GET /api/health</c>: 200 when the Durable backend answers within <see cref="HealthTimeout"/>, else 503.</summary>
    public static async Task<IResult> HealthAsync(HttpRequest request, SwarmApiServices services)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        timeout.CancelAfter(HealthTimeout);
        var servers = await ServersAsync(services, timeout.Token);
        try
        {
            await services.Client.GetInstanceAsync("swarm-health-probe", getInputsAndOutputs: false, timeout.Token);
            var status = servers?.Any(s => s.Status != "healthy") == true ? "degraded" : "healthy";
            return Json(new HealthReport(status, "reachable", services.Durable, servers));
        }
        catch (Exception error)
        {
            services.Logger.HealthProbeFailed(error);
            return TypedResults.Json(
                new HealthReport("unhealthy", "unreachable", services.Durable, servers), SwarmJson.Options, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary><c>GET /api/motions?state=open|decided&amp;team=&amp;max=</c>: motions, newest first, each with its ballot, objections and window.</summary>
    public static Task<IResult> ListMotionsAsync(HttpRequest request, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken => Json(await AgentObjects.MotionsAsync(
            services.Client, Query(request, "state"), TeamFilter(request), InstanceExplorer.ParseMax(Query(request, "max")), cancellationToken)));

    /// <summary><c>GET /api/motions/{id}</c>: one motion as Roberts keeps it; 404 when unknown.</summary>
    public static Task<IResult> GetMotionAsync(HttpRequest request, string id, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken => Json(await AgentObjects.MotionAsync(services.Client, id.Trim(), cancellationToken)));

    /// <summary><c>GET /api/lean/projects?team=&amp;max=</c>: Lean projects, newest first, with charter, measurement, root causes, proposal and outcome.</summary>
    public static Task<IResult> ListLeanProjectsAsync(HttpRequest request, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken => Json(await AgentObjects.LeanProjectsAsync(
            services.Client, TeamFilter(request), InstanceExplorer.ParseMax(Query(request, "max")), cancellationToken)));

    /// <summary><c>GET /api/teams/{team}/sprints?max=</c>: the team's sprints, newest first, each with its velocity and defect rate once reviewed.</summary>
    public static Task<IResult> ListSprintsAsync(HttpRequest request, string team, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var name = team.Trim().ToLowerInvariant();
            if (!TeamName.IsValid(name))
            {
                throw new InvalidInputException("team", $"team '{team}' must be 1-40 characters of a-z, 0-9 and '-'.");
            }

            return Json(await AgentObjects.SprintsAsync(services.Client, name, InstanceExplorer.ParseMax(Query(request, "max")), cancellationToken));
        });

    private static string? TeamFilter(HttpRequest request)
    {
        var team = Query(request, "team")?.ToLowerInvariant();
        return team is null || TeamName.IsValid(team)
            ? team
            : throw new InvalidInputException("team", $"team '{team}' must be 1-40 characters of a-z, 0-9 and '-'.");
    }

    /// <summary>
    /// <c>GET /api/instances?status=&amp;name=&amp;prefix=&amp;max=&amp;continuationToken=</c>: every orchestration of the task
    /// hub matching the filters — <c>status</c> one or more runtime statuses, comma-separated; <c>name</c> the
    /// orchestrator; <c>prefix</c> the instance-id prefix (<c>motion-</c>, <c>sprint-alpha-</c>…) — at most <c>max</c>
    /// (1–1,000, default 100) with the token of the next page; <c>waitingOn</c> keeps, of that page, the unfinished
    /// instances waiting on something containing the text (<c>timer</c>, <c>external event</c>, an activity's name),
    /// each with what it waits on. 400 naming the field for a bad filter.
    /// </summary>
    public static Task<IResult> ListInstancesAsync(HttpRequest request, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var list = await InstanceExplorer.ListAsync(
                services.Client,
                InstanceExplorer.ParseStatuses(Query(request, "status")),
                Query(request, "name"),
                Query(request, "prefix"),
                InstanceExplorer.ParseMax(Query(request, "max")),
                Query(request, "continuationToken"),
                cancellationToken);
            return Json(Query(request, "waitingOn") is { } waitingOn && !string.IsNullOrWhiteSpace(waitingOn)
                ? await InstanceExplorer.WaitingOnAsync(services.Client, list, waitingOn, cancellationToken)
                : list);
        });

    /// <summary><c>GET /api/instances/{id}</c>: the instance with its input, output, custom status, what it waits on and its history events; 404 when unknown.</summary>
    public static Task<IResult> GetInstanceAsync(HttpRequest request, string id, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken => Json(await InstanceExplorer.GetAsync(services.Client, id.Trim(), cancellationToken)));

    /// <summary><c>POST /api/instances/{id}/terminate {reason?}</c>: 200 <c>terminated</c>, or <c>already-final</c> for a finished instance; 404 when unknown.</summary>
    public static Task<IResult> TerminateInstanceAsync(HttpRequest request, string id, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var body = HasBody(request) ? await JsonBody.ReadAsync<TerminateRequest>(request, cancellationToken) : null;
            return Json(await InstanceExplorer.TerminateAsync(services.Client, id.Trim(), body?.Reason, cancellationToken));
        });

    /// <summary>
    /// <c>POST /api/instances/{id}/restart</c>: starts a failed or terminated agent instance again from its last state
    /// (200 <c>restarted</c>); 409 for any other instance, 404 when unknown (<see cref="InstanceExplorer.RestartAsync"/>).
    /// </summary>
    public static Task<IResult> RestartInstanceAsync(HttpRequest request, string id, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
            Json(await InstanceExplorer.RestartAsync(services.Client, services.Recoverable, id.Trim(), cancellationToken)));

    /// <summary>
    /// <c>POST /api/instances/{id}/events/{name} {data?}</c>: raises the event with <c>data</c> (any JSON) into a running
    /// instance — what an orchestration waiting on an event needs to move on. 409 for a finished instance, 404 when unknown.
    /// </summary>
    public static Task<IResult> RaiseInstanceEventAsync(HttpRequest request, string id, string name, SwarmApiServices services) =>
        HandleAsync(request, services, async cancellationToken =>
        {
            var body = HasBody(request) ? await JsonBody.ReadAsync<RaiseEventRequest>(request, cancellationToken) : null;
            var eventName = Require(name, "name", "the event name is required.");
            return Json(await InstanceExplorer.RaiseEventAsync(services.Client, id.Trim(), eventName, body?.Data, cancellationToken));
        });

    private static bool HasBody(HttpRequest request) => request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;

    private static async Task<IReadOnlyList<ServerHealth>?> ServersAsync(SwarmApiServices services, CancellationToken cancellationToken)
    {
        if (services.HealthChecks is not { } checks)
        {
            return null;
        }

        var report = await checks.CheckHealthAsync(cancellationToken);
        return [.. report.Entries
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new ServerHealth(e.Key, Naming.Kebab(e.Value.Status), e.Value.Description))];
    }

    /// <summary>
    /// Runs one request's handler with a token that ends when the caller goes away or after
    /// <see cref="SwarmApiServices.RequestTimeout"/>: a backend that does not answer in time gets the caller a 503
    /// <c>backend-unavailable</c> naming the wait, with <c>Retry-After</c>, instead of a request that hangs.
    /// </summary>
    private static async Task<IResult> HandleAsync(HttpRequest request, SwarmApiServices services, Func<CancellationToken, Task<IResult>> handle)
    {
        var aborted = request.HttpContext.RequestAborted;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(services.RequestTimeout);
        try
        {
            return await handle(deadline.Token);
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The caller is gone; nobody reads this answer.
            return TypedResults.Empty;
        }
        catch (Exception error) when (deadline.IsCancellationRequested)
        {
            // Whatever the cancellation surfaced as (OperationCanceledException, a cancelled gRPC call), it was the deadline.
            return SwarmProblems.BackendTimeout(request, services.RequestTimeout, error, services.Logger);
        }
        catch (Exception error)
        {
            return SwarmProblems.From(error, request, services.Logger);
        }
    }

    private static AgentEvent ToEvent(AgentEventRequest body, HttpRequest request)
    {
        var id = Require(body.Id, "id", "id is required: it makes redelivery harmless.");
        var type = Require(body.Type, "type", $"type is required; one of {string.Join(", ", EventTypes.All)}.");
        if (!EventTypes.All.Contains(type))
        {
            throw new InvalidInputException("type", $"type '{type}' is unknown; one of {string.Join(", ", EventTypes.All)}.");
        }

        var source = Require(body.Source, "source", "source is required: the agent that published the event.");
        if (body.Payload is not { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } payload)
        {
            throw new InvalidInputException("payload", "payload is required: the object the event is about.");
        }

        var traceParent = body.TraceParent;
        var traceState = body.TraceState;
        if (string.IsNullOrWhiteSpace(traceParent))
        {
            traceParent = Header(request, "traceparent");
            traceState = Header(request, "tracestate");
        }

        return new AgentEvent
        {
            Id = id,
            Type = type,
            Source = source,
            WorkId = body.WorkId,
            Team = body.Team,
            Payload = payload.Clone(),
            OccurredAt = body.OccurredAt ?? DateTimeOffset.UtcNow,
            TraceParent = traceParent,
            TraceState = traceState,
        };
    }

    private static string Require(string? value, string field, string message) =>
        string.IsNullOrWhiteSpace(value) ? throw new InvalidInputException(field, message) : value.Trim();

    private static T Required<T>(string? text, string field) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidInputException(field, $"{field} is required; one of {Naming.Allowed<T>()}.");
        }

        return Naming.TryParse<T>(text, out var value)
            ? value
            : throw new InvalidInputException(field, $"{field} '{text}' is unknown; one of {Naming.Allowed<T>()}.");
    }

    private static IResult Json<T>(T value) => TypedResults.Json(value, SwarmJson.Options);

    private static IResult Accepted<T>(HttpRequest request, T value, string? location)
    {
        var result = TypedResults.Json(value, SwarmJson.Options, statusCode: StatusCodes.Status202Accepted);
        return location is null ? result : result.WithLocation(request, location);
    }

    private static IResult WithLocation(this IResult result, HttpRequest request, string location)
    {
        request.HttpContext.Response.Headers.Location = location;
        return result;
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && !StringValues.IsNullOrEmpty(values) ? values.ToString() : null;

    private static string? Query(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var values) && !string.IsNullOrWhiteSpace(values.ToString()) ? values.ToString().Trim() : null;

    /// <summary>Absolute like Durable's check-status URLs when the request names its host, relative otherwise.</summary>
    private static string WorkUri(HttpRequest request, string id, string? action = null)
    {
        var path = $"{request.PathBase}/api/work/{Uri.EscapeDataString(id)}{(action is null ? string.Empty : "/" + action)}";
        return request.Host.HasValue ? $"{request.Scheme}://{request.Host}{path}" : path;
    }
}
