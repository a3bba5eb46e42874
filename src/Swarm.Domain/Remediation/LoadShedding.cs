using System.Collections.Concurrent;
using Microsoft.DurableTask.Client;

namespace Swarm.Domain.Remediation;

/// <summary>New work for a team is refused while an error-rate or latency alert for it is unresolved.</summary>
public sealed class LoadSheddingException(string team, string alert, TimeSpan retryAfter)
    : SwarmDomainException("load-shed", $"Team {team} is shedding load while alert {alert} is unresolved; retry after {retryAfter.TotalSeconds:0} s.")
{
    public string Team { get; } = team;
    public string Alert { get; } = alert;
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>One engaged circuit: the team (or <c>*</c>), the alert that engaged it and the remediation holding it.</summary>
public sealed record SheddingCircuit(string Team, string Alert, string RemediationId);

/// <summary>
/// The load-shedding circuit breaker. Its truth is the set of running shed-load remediations in the Durable
/// backend (so every host instance agrees); a local copy answers between short refreshes and changes at once
/// when this process engages or releases a circuit.
/// </summary>
public sealed class LoadShedding(IDurableClientSource clients, TimeProvider clock)
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<string, SheddingCircuit> _local = new();
    private IReadOnlyList<SheddingCircuit> _remote = [];
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;

    public void Engage(SheddingCircuit circuit) => _local[circuit.RemediationId] = circuit;

    public void Release(string remediationId)
    {
        _local.TryRemove(remediationId, out _);
        _remote = [.. _remote.Where(c => c.RemediationId != remediationId)];
    }

    public async Task<IReadOnlyList<SheddingCircuit>> ActiveAsync(CancellationToken cancellationToken = default)
    {
        if (clock.GetUtcNow() - _refreshedAt > RefreshEvery)
        {
            var circuits = new List<SheddingCircuit>();
            var query = InstanceIds.ByPrefix(InstanceIds.Remediation(string.Empty), [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending]);
            await foreach (var instance in clients.Current.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
            {
                if (instance.SerializedCustomStatus is not null
                    && instance.ReadCustomStatusAs<AlertRemediation>() is { Kind: RemediationKind.ShedLoad, DryRun: false, State: RemediationState.Acting or RemediationState.Monitoring } r)
                {
                    circuits.Add(new SheddingCircuit(r.Team ?? RemediationPolicy.AllTeams, r.Alert.Name, r.Id));
                }
            }

            _remote = circuits;
            _refreshedAt = clock.GetUtcNow();
        }

        return [.. _local.Values.Concat(_remote).DistinctBy(c => c.RemediationId)];
    }

    /// <summary>Throws <see cref="LoadSheddingException"/> when new work for <paramref name="team"/> must wait.</summary>
    public async Task EnsureAcceptingAsync(string team, TimeSpan retryAfter, CancellationToken cancellationToken = default)
    {
        var circuit = (await ActiveAsync(cancellationToken))
            .FirstOrDefault(c => c.Team == RemediationPolicy.AllTeams || string.Equals(c.Team, team, StringComparison.OrdinalIgnoreCase));
        if (circuit is not null)
        {
            throw new LoadSheddingException(team, circuit.Alert, retryAfter);
        }
    }
}
