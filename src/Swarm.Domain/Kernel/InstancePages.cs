using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Swarm.Domain;

/// <summary>One answer of a paged listing: its items and, when more instances may follow, the token to continue from.</summary>
/// <param name="Items">The items read, in the backend's order (the task hub's instance-id order on Azure Storage).</param>
/// <param name="ContinuationToken">
/// The opaque token of the next page (Swarm's envelope around the backend's, see <see cref="InstancePages"/>), or null
/// when the listing is complete.
/// </param>
public sealed record InstancePage<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>
/// Server-driven paging over a Durable instance query, with a filter that drops nothing between pages. Tokens handed
/// out are <c>s1.{base64url of the backend's token}.{8 hex of its SHA-256}</c>: the backends do not all refuse a token
/// they never issued (the Azure Storage provider lists from the start instead), so a token that was not issued here, or
/// was altered, is refused with <see cref="InvalidInputException"/> (field <c>continuationToken</c>) before it reaches one.
/// </summary>
public static class InstancePages
{
    private const string Version = "s1.";

    /// <summary>
    /// Reads instances matching <paramref name="query"/> from <paramref name="continuationToken"/> (null: the start)
    /// and keeps those <paramref name="select"/> turns into an item, until <paramref name="max"/> items are kept or the
    /// instances run out. Each backend page asks for no more instances than items are still wanted, so every instance
    /// either is in this answer or lies after its token: filtered paging neither skips nor repeats one. An answer can
    /// hold fewer than <paramref name="max"/> items and still carry a token (the Azure Storage provider may end a page
    /// early); callers follow tokens until none is returned. <paramref name="max"/> must be 1 or more
    /// (<see cref="ArgumentOutOfRangeException"/> otherwise).
    /// </summary>
    public static Task<InstancePage<T>> ReadAsync<T>(
        DurableTaskClient client,
        OrchestrationQuery query,
        Func<OrchestrationMetadata, T?> select,
        int max,
        string? continuationToken,
        CancellationToken cancellationToken)
        where T : class =>
        ReadAsync(client, query, (instance, _) => ValueTask.FromResult(select(instance)), max, continuationToken, cancellationToken);

    /// <inheritdoc cref="ReadAsync{T}(DurableTaskClient, OrchestrationQuery, Func{OrchestrationMetadata, T}, int, string, CancellationToken)"/>
    public static async Task<InstancePage<T>> ReadAsync<T>(
        DurableTaskClient client,
        OrchestrationQuery query,
        Func<OrchestrationMetadata, CancellationToken, ValueTask<T?>> select,
        int max,
        string? continuationToken,
        CancellationToken cancellationToken)
        where T : class
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var items = new List<T>();
        var next = string.IsNullOrEmpty(continuationToken) ? null : Decode(continuationToken);
        do
        {
            var size = max - items.Count;
            var page = await FirstPageAsync(client, query with { PageSize = size, ContinuationToken = next }, next, size, cancellationToken);
            foreach (var instance in page?.Values ?? [])
            {
                if (await select(instance, cancellationToken) is { } item)
                {
                    items.Add(item);
                }
            }

            next = string.IsNullOrEmpty(page?.ContinuationToken) ? null : page.ContinuationToken;
        }
        while (next is not null && items.Count < max);

        return new InstancePage<T>(items, next is null ? null : Encode(next));
    }

    /// <summary>The token handed out for the backend's <paramref name="backendToken"/>.</summary>
    public static string Encode(string backendToken)
    {
        var bytes = Encoding.UTF8.GetBytes(backendToken);
        return $"{Version}{Base64Url.EncodeToString(bytes)}.{Check(bytes)}";
    }

    /// <summary>The backend's token inside <paramref name="token"/>; <see cref="InvalidInputException"/> when it was not issued by <see cref="Encode"/> or was altered.</summary>
    public static string Decode(string token)
    {
        var parts = token.Split('.');
        if (token.StartsWith(Version, StringComparison.Ordinal) && parts.Length == 3 && Base64Url.IsValid(parts[1]))
        {
            var bytes = Base64Url.DecodeFromChars(parts[1]);
            if (string.Equals(Check(bytes), parts[2], StringComparison.Ordinal))
            {
                return Encoding.UTF8.GetString(bytes);
            }
        }

        throw new InvalidInputException(
            "continuationToken", "continuationToken is not one this list handed out; pass back the previous answer's token unchanged, or leave it out to start over.");
    }

    private static string Check(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes), 0, 4);

    private static async Task<Page<OrchestrationMetadata>?> FirstPageAsync(
        DurableTaskClient client, OrchestrationQuery query, string? token, int size, CancellationToken cancellationToken)
    {
        await foreach (var page in client.GetAllInstancesAsync(query).AsPages(token, size).WithCancellation(cancellationToken))
        {
            return page;
        }

        return null;
    }
}
