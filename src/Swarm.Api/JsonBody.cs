using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Swarm.Domain;
using Swarm.Domain.Events;

namespace Swarm.Api;

/// <summary>The request body was larger than <see cref="JsonBody.MaxBytes"/>.</summary>
public sealed class RequestTooLargeException(long limit) : Exception($"The body is larger than {limit} bytes.")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Reads a JSON request body into a request record, naming the offending field whenever something is wrong:
/// too big (refused from <c>Content-Length</c> before reading), not JSON, not an object, or a field of the wrong type.
/// </summary>
public static class JsonBody
{
    /// <summary>Every Swarm request body is small; anything bigger is refused with 413.</summary>
    public const int MaxBytes = 64 * 1024;

    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > MaxBytes)
        {
            throw new RequestTooLargeException(MaxBytes);
        }

        var body = await ReadLimitedAsync(request.Body, cancellationToken);
        if (body.Length == 0)
        {
            throw new InvalidInputException("body", "A JSON object is required as the request body.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException error)
        {
            throw new InvalidInputException("body", $"The body is not valid JSON (line {error.LineNumber + 1}, byte {error.BytePositionInLine + 1}).");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException("body", $"The body must be a JSON object, not {Describe(document.RootElement.ValueKind)}.");
            }

            try
            {
                return document.RootElement.Deserialize<T>(SwarmJson.Options)
                    ?? throw new InvalidInputException("body", "A JSON object is required as the request body.");
            }
            catch (JsonException error)
            {
                var field = FieldOf(error.Path);
                throw new InvalidInputException(field, $"{field} {Expectation(typeof(T), field)}.");
            }
        }
    }

    /// <summary>The request field a System.Text.Json path points at: <c>$.percent</c> → <c>percent</c>, <c>$</c> → <c>body</c>.</summary>
    public static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    private static async Task<ReadOnlyMemory<byte>> ReadLimitedAsync(Stream body, CancellationToken cancellationToken)
    {
        // A body without Content-Length (chunked) is read only up to the limit, never in full.
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new RequestTooLargeException(MaxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string Expectation(Type request, string field)
    {
        var name = field.Split('.', '[')[0];
        var property = request
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => string.Equals(JsonNamingPolicy.CamelCase.ConvertName(p.Name), name, StringComparison.OrdinalIgnoreCase));
        var type = property is null ? null : Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type switch
        {
            null => "has a value of the wrong type",
            _ when type == typeof(int) || type == typeof(long) => "must be a whole number",
            _ when type == typeof(double) || type == typeof(decimal) => "must be a number",
            _ when type == typeof(string) => "must be a string",
            _ when type == typeof(bool) => "must be true or false",
            _ when type == typeof(DateTimeOffset) => "must be an ISO 8601 date and time",
            _ => "has a value of the wrong type",
        };
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
