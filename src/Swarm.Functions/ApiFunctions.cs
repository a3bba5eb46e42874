using Swarm.Api;

namespace Swarm.Functions;

/// <summary>
/// The HTTP API as Functions triggers: each parses nothing itself and delegates to <see cref="SwarmApi"/>, the same
/// handlers the embedded host maps. Every trigger also declares a <c>[DurableClient]</c> binding: that is how the
/// host hands the invocation its Durable client, which <see cref="DurableClientMiddleware"/> gives to the agents.
/// </summary>
public sealed class ApiFunctions(SwarmApiServices api)
{
    [Function("ClaimWork_Http")]
    public Task<IResult> ClaimWork(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "work")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ClaimWorkAsync(request, api);

    [Function("ListWork_Http")]
    public Task<IResult> ListWork(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "work")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ListWorkAsync(request, api);

    [Function("GetWork_Http")]
    public Task<IResult> GetWork(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "work/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.GetWorkAsync(request, id, api);

    [Function("ReportProgress_Http")]
    public Task<IResult> ReportProgress(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "work/{id}/progress")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ReportProgressAsync(request, id, api);

    [Function("CompleteWork_Http")]
    public Task<IResult> CompleteWork(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "work/{id}/complete")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.CompleteWorkAsync(request, id, api);

    [Function("CastVote_Http")]
    public Task<IResult> CastVote(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "motions/{id}/votes")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.CastVoteAsync(request, id, api);

    [Function("GetSprint_Http")]
    public Task<IResult> GetSprint(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "teams/{team}/sprints/{number}")] HttpRequest request,
        string team,
        string number,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.GetSprintAsync(request, team, number, api);

    [Function("GetAgents_Http")]
    public Task<IResult> GetAgents(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "agents")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.GetAgentsAsync(request, api);

    [Function("PublishAgentEvent_Http")]
    public Task<IResult> PublishAgentEvent(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "agents/{agent}/events")] HttpRequest request,
        string agent,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.PublishEventAsync(request, agent, api);

    [Function("ReceiveAlerts_Http")]
    public Task<IResult> ReceiveAlerts(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "alerts")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ReceiveAlertsAsync(request, api);

    [Function("ListRemediations_Http")]
    public Task<IResult> ListRemediations(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "remediations")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ListRemediationsAsync(request, api);

    [Function("GetRemediation_Http")]
    public Task<IResult> GetRemediation(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "remediations/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.GetRemediationAsync(request, id, api);

    [Function("GetBus_Http")]
    public Task<IResult> GetBus(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "bus")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.GetBusAsync(request, api);

    [Function("ListDeadLetters_Http")]
    public Task<IResult> ListDeadLetters(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "bus/dead-letters")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ListDeadLettersAsync(request, api);

    [Function("ResubmitDeadLetter_Http")]
    public Task<IResult> ResubmitDeadLetter(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "bus/dead-letters/{id}/resubmit")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ResubmitDeadLetterAsync(request, id, api);

    [Function("ListMotions_Http")]
    public Task<IResult> ListMotions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "motions")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ListMotionsAsync(request, api);

    [Function("GetMotion_Http")]
    public Task<IResult> GetMotion(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "motions/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.GetMotionAsync(request, id, api);

    [Function("ListLeanProjects_Http")]
    public Task<IResult> ListLeanProjects(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "lean/projects")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ListLeanProjectsAsync(request, api);

    [Function("ListSprints_Http")]
    public Task<IResult> ListSprints(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "teams/{team}/sprints")] HttpRequest request,
        string team,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ListSprintsAsync(request, team, api);

    [Function("ListInstances_Http")]
    public Task<IResult> ListInstances(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "instances")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.ListInstancesAsync(request, api);

    [Function("GetInstance_Http")]
    public Task<IResult> GetInstance(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "instances/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.GetInstanceAsync(request, id, api);

    [Function("TerminateInstance_Http")]
    public Task<IResult> TerminateInstance(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "instances/{id}/terminate")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.TerminateInstanceAsync(request, id, api);

    [Function("RestartInstance_Http")]
    public Task<IResult> RestartInstance(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "instances/{id}/restart")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.RestartInstanceAsync(request, id, api);

    [Function("RaiseInstanceEvent_Http")]
    public Task<IResult> RaiseInstanceEvent(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "instances/{id}/events/{name}")] HttpRequest request,
        string id,
        string name,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.RaiseInstanceEventAsync(request, id, name, api);

    [Function("Health_Http")]
    public Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        SwarmApi.HealthAsync(request, api);
}
