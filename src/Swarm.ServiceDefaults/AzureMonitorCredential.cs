using Azure.Core;
using Azure.Identity;

namespace Swarm.ServiceDefaults;

/// <summary>
/// Entra ID authentication for Azure Monitor ingestion, from the <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>
/// convention the Functions host uses: <c>Authorization=AAD</c> for the system-assigned managed identity,
/// <c>Authorization=AAD;ClientId=&lt;guid&gt;</c> for a user-assigned one.
/// </summary>
public static class AzureMonitorCredential
{
    public static TokenCredential? From(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var parts = authenticationString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var authorization) || !authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                "APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be 'Authorization=AAD' or 'Authorization=AAD;ClientId=<client id>'.");
        }

        return new ManagedIdentityCredential(parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? ManagedIdentityId.FromUserAssignedClientId(clientId)
            : ManagedIdentityId.SystemAssigned);
    }
}
