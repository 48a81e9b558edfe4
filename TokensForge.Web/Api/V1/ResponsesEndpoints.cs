using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Responses;
using TokensForge.Core.Upstreams;

// As for chat completions: the relayed JSON, an error in OpenAI's shape, or nothing more once a stream wrote the response itself.
using GatewayAnswer = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult,
    Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<TokensForge.Core.Upstreams.ErrorBody>,
    Microsoft.AspNetCore.Http.HttpResults.EmptyHttpResult>;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// The Responses API on the /v1 group (which authenticates and stamps <c>x-request-id</c>): <c>POST /v1/responses</c>
/// (non-streaming and streaming), and the caller's own stored responses, <c>GET</c> and <c>DELETE /v1/responses/{id}</c>.
/// Headers, idempotency and errors are those of chat completions.
/// </summary>
public static class ResponsesEndpoints
{
    public static RouteGroupBuilder MapResponsesApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/responses", CreateResponseAsync);
        v1.MapGet("/responses/{id}", GetResponseAsync);
        v1.MapDelete("/responses/{id}", DeleteResponseAsync);
        return v1;
    }

    private static async Task<GatewayAnswer> CreateResponseAsync(HttpContext context, ResponsesGateway responses, IOptions<GatewayOptions> options)
    {
        var (request, body, error) = await V1Endpoints.ReadAsync(context, ResponsesJsonContext.Default.CreateResponseRequest, options.Value.MaxRequestBodyBytes);
        if ((error ?? V1Endpoints.CheckHeaders(context)) is { } refused) return OpenAiErrors.From(refused, context);

        var sink = request!.Stream == true ? new SseResponseStreamSink(context) : null;
        var result = await responses.CreateAsync(V1Endpoints.Caller(context, body), request, sink, context.RequestAborted);
        if (sink is { Started: true } || context.RequestAborted.IsCancellationRequested) return TypedResults.Empty;
        if (sink is not null && result is { Replayed: true, Json: { } transcript, ReceiptId: { } receipt })
        {
            // A retried stream: the same events again, as a stream, and no new charge.
            await ServerSentEvents.ReplayAsync(context, receipt, result.Cost, transcript, context.RequestAborted);
            return TypedResults.Empty;
        }
        return V1Endpoints.Respond(context, result);
    }

    private static async Task<Results<ContentHttpResult, JsonHttpResult<ErrorBody>>> GetResponseAsync(string id, HttpContext context, ResponseStore store)
    {
        var stored = await store.FindAsync(id, V1Endpoints.Key(context).UserId, context.RequestAborted);
        if (stored is null) return OpenAiErrors.From(GatewayErrors.ResponseNotFound(id), context);
        context.Response.Headers[V1Endpoints.ReceiptHeader] = stored.ReceiptId.ToString();
        return TypedResults.Text(stored.ResponseJson, "application/json", System.Text.Encoding.UTF8);
    }

    private static async Task<Results<JsonHttpResult<ResponseDeleted>, JsonHttpResult<ErrorBody>>> DeleteResponseAsync(string id, HttpContext context, ResponseStore store)
    {
        if (!await store.DeleteAsync(id, V1Endpoints.Key(context).UserId, context.RequestAborted))
            return OpenAiErrors.From(GatewayErrors.ResponseNotFound(id), context);
        return TypedResults.Json(new ResponseDeleted(id, "response.deleted", true), ResponsesJsonContext.Default.ResponseDeleted);
    }
}
