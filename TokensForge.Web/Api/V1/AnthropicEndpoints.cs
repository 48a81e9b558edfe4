using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Messages;
using TokensForge.Core.Routing;

// A message's answer: the relayed JSON, an error in Anthropic's shape, or nothing more to write when a stream has
// already written the response itself (its errors go out as stream events) or the caller has gone.
using MessageAnswer = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult,
    Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<TokensForge.Core.Gateway.Messages.MessagesErrorBody>,
    Microsoft.AspNetCore.Http.HttpResults.EmptyHttpResult>;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// Anthropic's Messages API: <c>POST /v1/messages</c> (answer or stream) and <c>POST /v1/messages/count_tokens</c>, for
/// Claude Code and the Anthropic SDKs. Keys come as <c>x-api-key</c> or <c>Authorization: Bearer</c>; <c>anthropic-version</c>
/// is accepted and <c>anthropic-beta</c> ignored. Headers are those of the rest of <c>/v1</c>, plus Anthropic's
/// <c>request-id</c>; every error is in Anthropic's shape (<see cref="AnthropicErrors"/>).
/// </summary>
public static class AnthropicEndpoints
{
    public const string AnthropicRequestIdHeader = "request-id";

    public static IEndpointRouteBuilder MapAnthropicApi(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/v1/messages")
            .ExcludeFromDescription()
            .DisableAntiforgery()
            .AddEndpointFilter(RequestIdAndErrors)
            .AddEndpointFilter(Authenticate);
        messages.MapPost("", CreateMessageAsync);
        messages.MapPost("/count_tokens", CountTokensAsync);
        messages.MapFallback(UnknownEndpoint);
        return app;
    }

    private static async ValueTask<object?> RequestIdAndErrors(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var requestId = "req_" + Guid.CreateVersion7().ToString("N");
        context.Items[V1Endpoints.RequestIdHeader] = requestId;
        context.Response.Headers[V1Endpoints.RequestIdHeader] = requestId;
        context.Response.Headers[AnthropicRequestIdHeader] = requestId;
        try
        {
            return await next(invocation);
        }
        catch (Exception ex) when (ex is OperationCanceledException or Core.Upstreams.ClientGoneException && context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AnthropicEndpoints)).LogError(ex, "Request {RequestId} failed", requestId);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return Results.Empty;
            }
            return AnthropicErrors.ServerError();
        }
    }

    /// <summary>Anthropic's SDKs send the key as <c>x-api-key</c>; Bearer works too (Claude Code's auth token).</summary>
    private static async ValueTask<object?> Authenticate(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var authorization = context.Request.Headers["x-api-key"].ToString() is { Length: > 0 } apiKey ? "Bearer " + apiKey : context.Request.Headers.Authorization.ToString();
        var result = await context.RequestServices.GetRequiredService<ApiKeyAuthenticator>().AuthenticateAsync(authorization, context.RequestAborted);
        if (!result.Succeeded) return AnthropicErrors.AuthenticationFailed(result.Error!);
        context.Items[typeof(KeyPrincipal)] = result.Value;
        RateLimitHeaders.Track(context, result.Value!);
        return await next(invocation);
    }

    private static async Task<MessageAnswer> CreateMessageAsync(HttpContext context, GatewayPipeline pipeline, IOptions<GatewayOptions> options)
    {
        var (request, body, error) = await V1Endpoints.ReadAsync(context, MessagesJsonContext.Default.MessagesRequest, options.Value.MaxRequestBodyBytes);
        if ((error ?? V1Endpoints.CheckHeaders(context)) is { } refused) return AnthropicErrors.From(refused, context);

        var sink = request!.Stream == true ? new AnthropicSseSink(context) : null;
        var result = await pipeline.MessagesAsync(V1Endpoints.Caller(context, body), request, sink, context.RequestAborted);
        if (sink is { Started: true } || context.RequestAborted.IsCancellationRequested) return TypedResults.Empty;
        if (sink is not null && result is { Replayed: true, Json: { } transcript, ReceiptId: { } receipt })
        {
            // A retried stream: the same events again, as a stream, and no new charge.
            await ServerSentEvents.ReplayAsync(context, receipt, result.Cost, transcript, context.RequestAborted);
            return TypedResults.Empty;
        }

        if (result.ReceiptId is { } receiptId) context.Response.Headers[V1Endpoints.ReceiptHeader] = receiptId.ToString();
        if (result.Error is { } failed) return AnthropicErrors.From(failed, context);
        context.Response.Headers[V1Endpoints.CostHeader] = result.Cost.ToString(CultureInfo.InvariantCulture);
        if (result.Replayed) context.Response.Headers[V1Endpoints.ReplayHeader] = "true";
        return TypedResults.Text(result.Json ?? "{}", "application/json", System.Text.Encoding.UTF8);
    }

    /// <summary>The prompt tokens the gateway would hold for, counted exactly as for a request; no money moves and no receipt is written.</summary>
    private static async Task<Results<JsonHttpResult<TokenCountResponse>, JsonHttpResult<MessagesErrorBody>>> CountTokensAsync(HttpContext context, ModelAccess models, TokenCounter tokens, IOptions<GatewayOptions> options)
    {
        var (request, _, error) = await V1Endpoints.ReadAsync(context, MessagesJsonContext.Default.MessagesRequest, options.Value.MaxRequestBodyBytes);
        if (error is not null) return AnthropicErrors.From(error, context);
        var (count, invalid) = MessagesShape.CountInputTokens(request!, tokens);
        if (invalid is not null) return AnthropicErrors.From(invalid, context);
        var (_, modelError) = await models.ResolveAsync(request!.Model, ModelKind.Chat, V1Endpoints.Key(context), context.RequestAborted);
        if (modelError is not null) return AnthropicErrors.From(modelError, context);
        return TypedResults.Json(new TokenCountResponse(count!.Value), MessagesJsonContext.Default.TokenCountResponse);
    }

    private static JsonHttpResult<MessagesErrorBody> UnknownEndpoint(HttpContext context) =>
        AnthropicErrors.NotFound($"Unknown endpoint: {context.Request.Method} {context.Request.Path}.");
}
