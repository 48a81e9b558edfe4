using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TokensForge.Core.Common;
using TokensForge.Core.Gateway;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// The one place that turns gateway failures into OpenAI's error shape and HTTP status codes; typed, so handlers can
/// name it in their <c>Results&lt;…&gt;</c>.
/// </summary>
public static class OpenAiErrors
{
    public static int StatusOf(GatewayErrorKind kind) => kind switch
    {
        GatewayErrorKind.InvalidRequest => StatusCodes.Status400BadRequest,
        GatewayErrorKind.ModelNotFound or GatewayErrorKind.NotFound => StatusCodes.Status404NotFound,
        GatewayErrorKind.ModelNotAllowed => StatusCodes.Status403Forbidden,
        // 402, never 429: SDKs retry 429, and retrying cannot create balance.
        GatewayErrorKind.InsufficientBalance => StatusCodes.Status402PaymentRequired,
        GatewayErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
        GatewayErrorKind.Conflict => StatusCodes.Status409Conflict,
        GatewayErrorKind.UpstreamTimeout => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status502BadGateway,
    };

    public static string TypeOf(GatewayErrorKind kind) => kind switch
    {
        GatewayErrorKind.InsufficientBalance => "insufficient_balance",
        GatewayErrorKind.RateLimited => "rate_limit_error",
        GatewayErrorKind.UpstreamError or GatewayErrorKind.UpstreamTimeout => "upstream_error",
        _ => "invalid_request_error",
    };

    public static JsonHttpResult<ErrorBody> From(GatewayError error, HttpContext context)
    {
        if (error.RetryAfter is { } retry)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Json(StatusOf(error.Kind), error.Message, TypeOf(error.Kind), error.Param, error.Code);
    }

    /// <summary>401 for a key that is missing, unknown, revoked or expired (<c>invalid_api_key</c>), or whose account is disabled (<c>account_disabled</c>).</summary>
    public static JsonHttpResult<ErrorBody> InvalidApiKey(Error error) =>
        Json(StatusCodes.Status401Unauthorized, error.Message, "invalid_request_error", null, error.Code);

    public static JsonHttpResult<ErrorBody> NotFound(string message, string code, string? param = null) =>
        Json(StatusCodes.Status404NotFound, message, "invalid_request_error", param, code);

    public static JsonHttpResult<ErrorBody> ServerError() =>
        Json(StatusCodes.Status500InternalServerError, "The server had an error while processing your request. Retry it; the request id identifies it.",
            "server_error", null, "internal_error");

    public static JsonHttpResult<ErrorBody> Json(int status, string message, string type, string? param, string? code) =>
        TypedResults.Json(new ErrorBody(new ErrorDetail(message, type, param, code)), OpenAiJsonContext.Default.ErrorBody, statusCode: status);
}
