using System.CommandLine;
using System.Globalization;
using Swarm.Cli.Client;
using Swarm.Cli.Local;
using Swarm.Cli.Output;
using Swarm.Domain.Telemetry;

namespace Swarm.Cli.Commands;

/// <summary>
/// <c>swarm trace &lt;work-id&gt;</c>: the traces that touch a work item, read from the dashboard's telemetry API
/// (<c>GET /api/telemetry/traces</c>) and drawn as trees in the terminal.
/// </summary>
public static class TraceCommand
{
    public static readonly Uri DefaultDashboard = new($"http://127.0.0.1:{UpCommand.DefaultDashboardPort}");

    /// <summary>How many recent traces are searched for the work item's spans.</summary>
    private const int SearchedTraces = 1000;

    public static Command Create(CliContext cli)
    {
        var workId = new Argument<string>("work-id") { Description = "The work item whose traces to draw" };
        var dashboard = new Option<string?>("--dashboard")
        {
            Description = $"The dashboard to read [env: {CliEnvironment.DashboardVariable}; default: the running `swarm up`'s, else {DefaultDashboard}]",
        };
        var wait = new Option<int>("--wait") { Description = "Seconds to wait for the work item's spans to reach the dashboard", DefaultValueFactory = _ => 20 };
        var command = new Command("trace", "Draw a work item's trace as a tree, read from the dashboard's telemetry API.") { workId, dashboard, wait };
        command.SetAction((parse, ct) =>
        {
            var id = WorkCommands.Id(parse.GetValue(workId), "<work-id>");
            var seconds = parse.GetValue(wait);
            if (seconds < 0)
            {
                throw new UsageException("--wait", $"--wait: {seconds} is not a number of seconds (0 or more).");
            }

            var dashboardUrl = parse.GetValue(dashboard) is { } given ? CliEnvironment.ParseUrl(given, "--dashboard")
                : cli.Environment[CliEnvironment.DashboardVariable] is { } configured ? CliEnvironment.ParseUrl(configured, CliEnvironment.DashboardVariable)
                : null;
            return cli.RunClientAsync(parse, "swarm.cli.trace", async (call, token) =>
            {
                var target = dashboardUrl ?? call.Stack?.Dashboard ?? DefaultDashboard;
                using var telemetryApi = new SwarmApiClient(target, null, TimeSpan.FromSeconds(15));
                var looking = $"looking for work item {Markup.Escape(id)} in the dashboard at {target}…";
                IReadOnlyList<FoundTrace> found;
                if (call.Json)
                {
                    found = await FindAsync(telemetryApi, id, TimeSpan.FromSeconds(seconds), _ => { }, token);
                }
                else if (call.Io.Out.Profile.Capabilities.Interactive)
                {
                    found = await call.Io.Out.Status().StartAsync(
                        looking, status => FindAsync(telemetryApi, id, TimeSpan.FromSeconds(seconds), text => status.Status(Markup.Escape(text)), token));
                }
                else
                {
                    // No spinner in a pipe or log: one whole line (its link unbroken) says enough; the updates would each be a line.
                    call.Io.Out.Write(Unwrapped.Line(looking));
                    found = await FindAsync(telemetryApi, id, TimeSpan.FromSeconds(seconds), _ => { }, token);
                }
                if (found.Count == 0)
                {
                    call.Io.Fail($"swarm: no span of work item {id} reached the dashboard at {target} within {seconds} s.");
                    call.Io.Hint("Spans carry swarm.work.id once the swarm works on the item (the CLI's own requests for it do not count); check the id (swarm work list) and that the host exports to this dashboard.");
                    return ExitCodes.Failure;
                }

                if (call.Json)
                {
                    call.WriteJson($"{{\"workId\":{JsonSerializer.Serialize(id)},\"dashboard\":{JsonSerializer.Serialize(target.ToString())},\"traces\":[{string.Join(',', found.Select(t => t.Json))}]}}");
                    return ExitCodes.Ok;
                }

                foreach (var trace in found)
                {
                    // Each span on one line, whole however deep (an id split across lines cannot be searched or copied).
                    call.Io.Out.Write(new Unwrapped(TraceTree.Draw(trace.TraceId, trace.Spans, id)));
                    call.Io.Out.MarkupLineInterpolated($"[grey]in the dashboard:[/] [link]{new Uri(target, $"traces/detail/{trace.TraceId}")}[/]");
                }

                return ExitCodes.Ok;
            },
            ct,
            tags: [new(SwarmAttributes.WorkId, id)],
            // Reading a dashboard is not sent to that dashboard: the command's own requests would land among the traces it reads.
            exportToStack: false);
        });
        return command;
    }

    /// <summary>
    /// The traces holding a span of the work item, each fetched whole once its span count stops changing (spans arrive
    /// in export batches), oldest first; empty if none turned up within <paramref name="wait"/>.
    /// </summary>
    private static async Task<IReadOnlyList<FoundTrace>> FindAsync(SwarmApiClient api, string workId, TimeSpan wait, Action<string> status, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        IReadOnlyList<FoundTrace> previous = [];
        while (true)
        {
            var recent = TraceTree.Parse((await Telemetry(api, $"telemetry/traces?limit={SearchedTraces.ToString(CultureInfo.InvariantCulture)}", cancellationToken)).Body);
            // A span of the swarm's, not only the CLI's own: `swarm work show nope` tags its request with the id it
            // asked for, and a trace of nothing but requests that found nothing is not the work item's.
            var traceIds = recent.Where(s => s[SwarmAttributes.WorkId] == workId && s.Service != CliTelemetry.ServiceName)
                .Select(s => s.TraceId).Distinct(StringComparer.Ordinal).ToList();
            var found = new List<FoundTrace>();
            foreach (var traceId in traceIds)
            {
                var answer = await Telemetry(api, $"telemetry/traces/{traceId}", cancellationToken);
                found.Add(new FoundTrace(traceId, TraceTree.Parse(answer.Body), answer.Body));
            }

            found.Sort((a, b) => a.Spans.Min(s => s.Start).CompareTo(b.Spans.Min(s => s.Start)));
            var settled = found.Count > 0 && found.Count == previous.Count && found.Sum(t => t.Spans.Count) == previous.Sum(t => t.Spans.Count);
            if (settled || deadline.Elapsed >= wait)
            {
                return found;
            }

            status(found.Count == 0
                ? $"waiting for work item {workId}'s spans to reach the dashboard ({deadline.Elapsed.TotalSeconds:0} s of {wait.TotalSeconds:0})…"
                : $"{found.Sum(t => t.Spans.Count)} spans in {found.Count} trace(s) so far; waiting for the rest…");
            previous = found;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static async Task<ApiAnswer> Telemetry(SwarmApiClient api, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await api.GetAsync(path, cancellationToken);
        }
        catch (ServerUnreachableException error)
        {
            throw new ServerUnreachableException(error.Url, error.Reason, error,
                $"Is `swarm up` running with its dashboard? Point at another dashboard with --dashboard or {CliEnvironment.DashboardVariable}.");
        }
    }

    private sealed record FoundTrace(string TraceId, IReadOnlyList<TraceSpan> Spans, string Json);
}
