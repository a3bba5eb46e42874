using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Swarm.Domain;
using Swarm.Domain.Remediation;

namespace Swarm.Api;

/// <summary>
/// RFC 9457 problem details for everything that can go wrong at the edge. Domain errors keep their meaning
/// (400 names the field, 404 the missing thing, 409 the refused transition); anything unexpected is logged and
/// answered with a 500 that carries the trace id, never the exception.
/// </summary>
public static class SwarmProblems
{
    public const string ContentType = "application/problem+json";

    /// <summary>Problem types are stable identifiers, one per <see cref="SwarmDomainException.Code"/>.</summary>
    public static string TypeOf(string code) => $"urn:swarm:problem:{code}";

    public static IResult From(Exception error, HttpRequest request, ILogger logger)
    {
        switch (error)
        {
            case InvalidInputException invalid:
                return Problem(request, StatusCodes.Status400BadRequest, "Invalid input", invalid.Message, invalid.Code, new()
                {
                    ["field"] = invalid.Field,
                    ["errors"] = new Dictionary<string, string[]> { [invalid.Field] = [invalid.Message] },
                });
            case NotFoundException missing:
                return Problem(request, StatusCodes.Status404NotFound, "Not found", missing.Message, missing.Code, new()
                {
                    ["kind"] = missing.Kind,
                    ["id"] = missing.Id,
                });
            case IllegalTransitionException illegal:
                return Problem(request, StatusCodes.Status409Conflict, "Illegal transition", illegal.Message, illegal.Code, new()
                {
                    ["agent"] = illegal.Agent,
                    ["state"] = illegal.State,
                    ["command"] = illegal.Command,
                });
            case LoadSheddingException shedding:
                request.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(shedding.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problem(request, StatusCodes.Status503ServiceUnavailable, "Shedding load", shedding.Message, shedding.Code, new()
                {
                    ["team"] = shedding.Team,
                    ["alert"] = shedding.Alert,
                });
            case ConflictException conflict:
                return Problem(request, StatusCodes.Status409Conflict, "Conflict", conflict.Message, conflict.Code, []);
            case SwarmDomainException refused:
                return Problem(request, StatusCodes.Status422UnprocessableEntity, "Refused", refused.Message, refused.Code, []);
            case RequestTooLargeException tooLarge:
                return TooLarge(request, tooLarge.Message, tooLarge.Limit);
            case BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge:
                return TooLarge(request, $"The body is larger than {JsonBody.MaxBytes} bytes.", JsonBody.MaxBytes);
            case BadHttpRequestException bad:
                return Problem(request, bad.StatusCode, "Bad request", "The request could not be read.", "bad-request", new() { ["field"] = "body" });
            case RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded }:
                logger.RequestFailed(error, request.Method, request.Path);
                return BackendUnavailable(request, "The Durable backend did not answer; retry later.", []);
            default:
                logger.RequestFailed(error, request.Method, request.Path);
                return Problem(request, StatusCodes.Status500InternalServerError, "Unexpected error", "The request failed unexpectedly; the trace id identifies it in the logs.", "unexpected", []);
        }
    }

    /// <summary>Seconds a client is told to wait (<c>Retry-After</c>) after the backend did not answer in time: 5.</summary>
    public const int BackendRetryAfterSeconds = 5;

    /// <summary>
    /// 503 <c>backend-unavailable</c> for a request that waited <paramref name="waited"/> on the Durable backend without an
    /// answer; <c>Retry-After</c> <see cref="BackendRetryAfterSeconds"/>. A command may still have been accepted: its
    /// retry with the same <c>Idempotency-Key</c> (claims) or event id (votes, events) applies it once.
    /// </summary>
    public static IResult BackendTimeout(HttpRequest request, TimeSpan waited, Exception error, ILogger logger)
    {
        logger.RequestFailed(error, request.Method, request.Path);
        request.HttpContext.Response.Headers.RetryAfter = BackendRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return BackendUnavailable(
            request,
            $"The Durable backend did not answer within {waited.TotalSeconds:0.###} s (Swarm:RequestTimeout); retry later. A command may have been accepted: retrying it with the same Idempotency-Key applies it once.",
            new() { ["timeoutSeconds"] = waited.TotalSeconds });
    }

    /// <summary>The one shape of 503 <c>backend-unavailable</c>, whether the backend refused the call or never answered.</summary>
    private static IResult BackendUnavailable(HttpRequest request, string detail, Dictionary<string, object?> extensions) =>
        Problem(request, StatusCodes.Status503ServiceUnavailable, "Backend unavailable", detail, "backend-unavailable", extensions);

    private static IResult TooLarge(HttpRequest request, string detail, long limit) =>
        Problem(request, StatusCodes.Status413PayloadTooLarge, "Payload too large", detail, "payload-too-large", new()
        {
            ["field"] = "body",
            ["errors"] = new Dictionary<string, string[]> { ["body"] = [detail] },
            ["limit"] = limit,
        });

    public static IResult Problem(HttpRequest request, int status, string title, string detail, string code, Dictionary<string, object?> extensions)
    {
        extensions["code"] = code;
        extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? request.HttpContext.TraceIdentifier;
        return TypedResults.Problem(detail, request.Path, status, title, TypeOf(code), extensions);
    }
}
