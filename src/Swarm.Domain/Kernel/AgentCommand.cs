namespace Swarm.Domain;

/// <summary>Every command raised into an agent orchestration carries the id that makes its redelivery harmless.</summary>
public interface IAgentCommand
{
    string EventId { get; }
}
