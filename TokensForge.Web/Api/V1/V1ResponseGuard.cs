using Microsoft.AspNetCore.Diagnostics;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// Keeps every <c>/v1</c> answer in OpenAI's shape, whoever wrote the status: the dashboard's HTML status pages are
/// off there, and a bare error status (a sign-in challenge, a 405) gets OpenAI's JSON error body. SDKs parse that body;
/// a login page or a redirect would only confuse them.
/// </summary>
public static class V1ResponseGuard
{
    public static bool IsV1(HttpRequest request) => request.Path.StartsWithSegments("/v1");

    /// <summary>Place after the status-page middleware, so its feature can be switched off for <c>/v1</c>.</summary>
    public static IApplicationBuilder UseV1ResponseGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!IsV1(context.Request))
        {
            await next(context);
            return;
        }
        if (context.Features.Get<IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
        await next(context);
        var response = context.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType)
            && !HttpMethods.IsHead(context.Request.Method))
            await ForStatus(response.StatusCode, context).ExecuteAsync(context);
    });

    private static IResult ForStatus(int status, HttpContext context) => status switch
    {
        StatusCodes.Status401Unauthorized => OpenAiErrors.Json(status, "Send your API key as 'Authorization: Bearer tf-…'.", "invalid_request_error", null, "invalid_api_key"),
        StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed =>
            OpenAiErrors.Json(status, $"Unknown endpoint: {context.Request.Method} {context.Request.Path}.", "invalid_request_error", null, "unknown_url"),
        < 500 => OpenAiErrors.Json(status, "The request was refused.", "invalid_request_error", null, null),
        _ => OpenAiErrors.ServerError(),
    };
}
