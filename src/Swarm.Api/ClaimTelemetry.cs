using Swarm.Domain;
using Swarm.Domain.Scrum;
using Swarm.Domain.Telemetry;

namespace Swarm.Api;

/// <summary>The span of a request to claim work, the first span of that work's trace when nothing came before it.</summary>
public static class ClaimTelemetry
{
    public const string SpanName = "swarm.work.claim";

    /// <summary>
    /// Starts <c>swarm.work.claim</c> with the work's type, priority and team among its start tags, where the sampler
    /// reads them: a trace rooted here is always kept for high and critical work. Called by an HTTP handler or the CLI
    /// before it claims. Under an HTTP request that arrived without trace context the claim starts a trace of its own,
    /// linked to the request's, because the request span was sampled before its body (and so the priority) was known.
    /// </summary>
    public static Activity? Start(ClaimWork claim, ActivityKind kind = ActivityKind.Internal)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var tags = new ActivityTagsCollection
        {
            [SwarmAttributes.WorkType] = Naming.Kebab(claim.Type),
            [SwarmAttributes.WorkPriority] = Naming.Kebab(claim.Priority),
            [SwarmAttributes.WorkTeam] = claim.Team,
        };
        var current = Activity.Current;
        if (current is { Kind: ActivityKind.Server, Parent: null, HasRemoteParent: false })
        {
            // Detached from the request for the rest of the handler: the request span is ended by its host, not through Activity.Current.
            Activity.Current = null;
            return SwarmTelemetry.Source.StartActivity(
                SpanName, kind, parentContext: default, tags, links: [new ActivityLink(current.Context)]);
        }

        return SwarmTelemetry.Source.StartActivity(SpanName, kind, parentContext: default, tags);
    }
}
