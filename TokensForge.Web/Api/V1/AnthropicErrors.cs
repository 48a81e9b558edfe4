using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TokensForge.Core.Common;
using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Messages;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// The one place that turns gateway failures into Anthropic's error shape (<c>{"type":"error","error":{"type","message"}}</c>)
/// and status codes, for everything under <c>/v1/messages</c>. A wallet that cannot pay is 402 <c>billing_error</c>:
/// never 429 or 529, which Anthropic's SDKs retry.
/// </summary>
public static class AnthropicErrors
{
    public static (int Status, string Type) Of(GatewayError error) => error.Kind switch
    {
        GatewayErrorKind.InvalidRequest => (StatusCodes.Status400BadRequest, "invalid_request_error"),
        GatewayErrorKind.ModelNotFound => (StatusCodes.Status404NotFound, "not_found_error"),
        GatewayErrorKind.ModelNotAllowed => (StatusCodes.Status403Forbidden, "permission_error"),
        GatewayErrorKind.InsufficientBalance => (StatusCodes.Status402PaymentRequired, "billing_error"),
        GatewayErrorKind.RateLimited => (StatusCodes.Status429TooManyRequests, "rate_limit_error"),
        GatewayErrorKind.Conflict => (StatusCodes.Status409Conflict, "invalid_request_error"),
        GatewayErrorKind.UpstreamTimeout => (StatusCodes.Status504GatewayTimeout, "api_error"),
        // No route can take the request now (circuits open, upstreams asked to wait): Anthropic's "overloaded, retry later".
        GatewayErrorKind.UpstreamError when error.RetryAfter is not null => (529, "overloaded_error"),
        _ => (StatusCodes.Status502BadGateway, "api_error"),
    };

    public static JsonHttpResult<MessagesErrorBody> From(GatewayError error, HttpContext context)
    {
        if (error.RetryAfter is { } retry)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var (status, type) = Of(error);
        return Json(status, type, error.Message);
    }

    /// <summary>The body of a stream's <c>error</c> event.</summary>
    public static MessagesErrorBody Body(GatewayError error) => new(new MessagesErrorDetail(Of(error).Type, error.Message));

    public static JsonHttpResult<MessagesErrorBody> AuthenticationFailed(Error error) => Json(StatusCodes.Status401Unauthorized, "authentication_error", error.Message);

    public static JsonHttpResult<MessagesErrorBody> NotFound(string message) => Json(StatusCodes.Status404NotFound, "not_found_error", message);

    public static JsonHttpResult<MessagesErrorBody> ServerError() =>
        Json(StatusCodes.Status500InternalServerError, "api_error", "The server had an error while processing your request. Retry it; the request id identifies it.");

    public static JsonHttpResult<MessagesErrorBody> Json(int status, string type, string message) =>
        TypedResults.Json(new MessagesErrorBody(new MessagesErrorDetail(type, message)), MessagesJsonContext.Default.MessagesErrorBody, statusCode: status);
}
