using System.Diagnostics;
using OpenTelemetry;

namespace Swarm.ServiceDefaults;

/// <summary>
/// Leads a trace back to the swarm board: each span that belongs to an orchestration — the Durable Task SDK's
/// orchestration and activity spans (attribute <c>durabletask.task.instance_id</c>) and the agent command spans run
/// inside an activity — gets <see cref="Attribute"/> = <c>{board}instances/{instance id}</c>, the board page with that
/// instance's state, history and actions. Set on span end, before the exporters see the span (the processor is
/// registered ahead of them). Configured by <c>Swarm:Telemetry:BoardUrl</c>; without it nothing is added.
/// </summary>
public sealed class BoardLinkProcessor : BaseProcessor<Activity>
{
    /// <summary>The span attribute: <c>swarm.board.url</c>.</summary>
    public const string Attribute = "swarm.board.url";

    /// <summary>The Durable Task SDK's instance-id attribute on orchestration and activity spans.</summary>
    public const string InstanceIdAttribute = "durabletask.task.instance_id";

    private readonly string board;

    /// <param name="board">The board's absolute base URL, e.g. <c>http://127.0.0.1:7071/board/</c>; a missing trailing slash is added.</param>
    /// <exception cref="ArgumentException">When <paramref name="board"/> is not an absolute http(s) URL.</exception>
    public BoardLinkProcessor(string board)
    {
        if (!Uri.TryCreate(board, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The board URL (Swarm:Telemetry:BoardUrl) must be an absolute http(s) URL; it is '{board}'.", nameof(board));
        }

        this.board = url.AbsoluteUri.EndsWith('/') ? url.AbsoluteUri : url.AbsoluteUri + "/";
    }

    /// <summary>The board page of <paramref name="instanceId"/>.</summary>
    public string LinkOf(string instanceId) => board + "instances/" + Uri.EscapeDataString(instanceId);

    /// <inheritdoc />
    public override void OnEnd(Activity data)
    {
        if (!data.Recorded)
        {
            return;
        }

        var instance = data.GetTagItem(InstanceIdAttribute) as string ?? data.Parent?.GetTagItem(InstanceIdAttribute) as string;
        if (!string.IsNullOrEmpty(instance))
        {
            data.SetTag(Attribute, LinkOf(instance));
        }
    }
}
