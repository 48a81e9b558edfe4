using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Common;
using TokensForge.Core.Gateway;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

// A gateway call's answer: the relayed JSON, an error in OpenAI's shape, or nothing more to write when a stream has
// already written the response itself (its errors go out as stream events) or the caller has gone.
using GatewayAnswer = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult,
    Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<TokensForge.Core.Upstreams.ErrorBody>,
    Microsoft.AspNetCore.Http.HttpResults.EmptyHttpResult>;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// The OpenAI-compatible gateway: <c>/v1/models</c>, <c>/v1/chat/completions</c>, <c>/v1/embeddings</c>,
/// <c>/v1/receipts/{id}</c> and the Responses API (<see cref="ResponsesEndpoints"/>). Every response carries
/// <c>x-request-id</c>; responses that wrote a receipt or a failed-request record carry <c>x-tokensforge-receipt</c>;
/// non-streaming successes also <c>x-tokensforge-cost</c> (µ). Errors always use OpenAI's shape, never a stack trace.
/// </summary>
public static class V1Endpoints
{
    public const string RequestIdHeader = "x-request-id";
    public const string ReceiptHeader = "x-tokensforge-receipt";
    public const string CostHeader = "x-tokensforge-cost";
    public const string OutputCappedHeader = "x-tokensforge-output-capped";
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string ReplayHeader = "x-tokensforge-idempotent-replay";

    public static IEndpointRouteBuilder MapV1Api(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1")
            .ExcludeFromDescription()
            .DisableAntiforgery()
            .AddEndpointFilter(RequestIdAndErrors)
            .AddEndpointFilter(Authenticate);
        v1.MapGet("/models", ListModelsAsync);
        v1.MapGet("/models/{id}", GetModelAsync);
        v1.MapPost("/chat/completions", CreateChatCompletionAsync);
        v1.MapPost("/embeddings", CreateEmbeddingAsync);
        v1.MapGet("/receipts/{id}", GetReceiptAsync);
        v1.MapPost("/quote", QuoteAsync);
        v1.MapResponsesApi();
        // Every other path and method, file-like ones (/v1/x.txt) included.
        v1.MapFallback("{**path}", UnknownEndpoint);
        return app;
    }

    /// <summary>The key that passed <see cref="Authenticate"/> for this request.</summary>
    internal static KeyPrincipal Key(HttpContext context) => (KeyPrincipal)context.Items[typeof(KeyPrincipal)]!;

    internal static string RequestId(HttpContext context) => (string)context.Items[RequestIdHeader]!;

    private static async ValueTask<object?> RequestIdAndErrors(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var requestId = "req_" + Guid.CreateVersion7().ToString("N");
        context.Items[RequestIdHeader] = requestId;
        context.Response.Headers[RequestIdHeader] = requestId;
        try
        {
            return await next(invocation);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ClientGoneException && context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(V1Endpoints)).LogError(ex, "Request {RequestId} failed", requestId);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return Results.Empty;
            }
            return OpenAiErrors.ServerError();
        }
    }

    private static async ValueTask<object?> Authenticate(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var authenticator = context.RequestServices.GetRequiredService<ApiKeyAuthenticator>();
        var result = await authenticator.AuthenticateAsync(context.Request.Headers.Authorization.ToString(), context.RequestAborted);
        if (!result.Succeeded) return OpenAiErrors.InvalidApiKey(result.Error!);
        context.Items[typeof(KeyPrincipal)] = result.Value;
        RateLimitHeaders.Track(context, result.Value!);
        return await next(invocation);
    }

    private static async Task<JsonHttpResult<ModelList>> ListModelsAsync(HttpContext context, ModelAccess models)
    {
        var list = await models.ListAsync(Key(context), context.RequestAborted);
        return TypedResults.Json(new ModelList("list", list.Select(ToModelObject).ToList()), OpenAiJsonContext.Default.ModelList);
    }

    private static async Task<Results<JsonHttpResult<ModelObject>, JsonHttpResult<ErrorBody>>> GetModelAsync(string id, HttpContext context, RouteCatalog catalog)
    {
        var model = (await catalog.GetAsync(context.RequestAborted)).Find(id);
        if (model is null || !model.IsRoutable) return OpenAiErrors.NotFound($"The model '{id}' does not exist or you do not have access to it.", "model_not_found", "model");
        if (!Key(context).MayUse(model.Id))
            return OpenAiErrors.From(GatewayErrors.ModelNotAllowed(id), context);
        return TypedResults.Json(ToModelObject(model), OpenAiJsonContext.Default.ModelObject);
    }

    private static async Task<GatewayAnswer> CreateChatCompletionAsync(HttpContext context, GatewayPipeline pipeline, IOptions<GatewayOptions> options)
    {
        var (request, body, error) = await ReadAsync(context, OpenAiJsonContext.Default.ChatCompletionRequest, options.Value.MaxRequestBodyBytes);
        if ((error ?? CheckHeaders(context)) is { } refused) return OpenAiErrors.From(refused, context);

        var caller = Caller(context, body);
        var sink = request!.Stream == true ? new SseChatStreamSink(context) : null;
        var result = await pipeline.ChatAsync(caller, request, sink, context.RequestAborted);
        if (sink is { Started: true } || context.RequestAborted.IsCancellationRequested) return TypedResults.Empty;
        if (sink is not null && result is { Replayed: true, Json: { } transcript, ReceiptId: { } receipt })
        {
            // A retried stream: the same chunks again, as a stream, and no new charge.
            context.Response.Headers[ReplayHeader] = "true";
            context.Response.Headers[CostHeader] = result.Cost.ToString(CultureInfo.InvariantCulture);
            await sink.ReplayAsync(receipt, Core.Gateway.StreamTranscript.Chunks(transcript), context.RequestAborted);
            return TypedResults.Empty;
        }
        return Respond(context, result);
    }

    private static async Task<GatewayAnswer> CreateEmbeddingAsync(HttpContext context, GatewayPipeline pipeline, IOptions<GatewayOptions> options)
    {
        var (request, body, error) = await ReadAsync(context, OpenAiJsonContext.Default.EmbeddingRequest, options.Value.MaxRequestBodyBytes);
        if ((error ?? CheckHeaders(context)) is { } refused) return OpenAiErrors.From(refused, context);
        var result = await pipeline.EmbedAsync(Caller(context, body), request!, context.RequestAborted);
        if (context.RequestAborted.IsCancellationRequested) return TypedResults.Empty;
        return Respond(context, result);
    }

    /// <summary>
    /// The hold a request would place, for a body of any front door: <c>?endpoint=chat.completions</c> (the default for a body
    /// with <c>messages</c>), <c>messages</c> (Anthropic), <c>responses</c> or <c>embeddings</c> (told apart by the model's
    /// kind for a body with <c>input</c>). The cost ceiling header applies as it would to the request itself.
    /// </summary>
    private static async Task<Results<JsonHttpResult<QuoteResponse>, JsonHttpResult<ErrorBody>>> QuoteAsync(HttpContext context, GatewayPipeline pipeline,
        Core.Gateway.Responses.ResponsesGateway responses, RouteCatalog catalog, IOptions<GatewayOptions> options)
    {
        var max = options.Value.MaxRequestBodyBytes;
        var (json, body, error) = await ReadAsync(context, V1JsonContext.Default.JsonObject, max);
        if ((error ?? CheckHeaders(context)) is { } refused) return OpenAiErrors.From(refused, context);
        var model = json!["model"] is System.Text.Json.Nodes.JsonValue named && named.TryGetValue<string>(out var id) ? id : "";
        var endpoint = context.Request.Query["endpoint"].ToString() is { Length: > 0 } asked ? asked
            : json.ContainsKey("messages") ? ChatShape.EndpointName
            : (await catalog.GetAsync(context.RequestAborted)).Find(model)?.Kind == ModelKind.Embedding ? EmbeddingShape.EndpointName
            : Core.Gateway.Responses.ResponsesShape.EndpointName;
        var caller = Caller(context, body);
        var ct = context.RequestAborted;
        (GatewayQuote? Quote, GatewayError? Error) quoted = endpoint switch
        {
            ChatShape.EndpointName => Parse(body, OpenAiJsonContext.Default.ChatCompletionRequest) is var (chat, e1) && chat is not null
                ? await pipeline.QuoteChatAsync(caller, chat, ct) : (null, e1),
            EmbeddingShape.EndpointName => Parse(body, OpenAiJsonContext.Default.EmbeddingRequest) is var (embed, e2) && embed is not null
                ? await pipeline.QuoteEmbeddingAsync(caller, embed, ct) : (null, e2),
            Core.Gateway.Responses.ResponsesShape.EndpointName => Parse(body, Core.Gateway.Responses.ResponsesJsonContext.Default.CreateResponseRequest) is var (create, e3) && create is not null
                ? await responses.QuoteAsync(caller, create, ct) : (null, e3),
            Core.Gateway.Messages.MessagesShape.EndpointName => Parse(body, Core.Gateway.Messages.MessagesJsonContext.Default.MessagesRequest) is var (messages, e4) && messages is not null
                ? await pipeline.QuoteMessagesAsync(caller, messages, ct) : (null, e4),
            _ => (null, GatewayErrors.Invalid($"Unknown endpoint '{endpoint}': quote chat.completions, embeddings, responses or messages.", "endpoint")),
        };
        if (quoted.Error is { } failed) return OpenAiErrors.From(failed, context);
        var q = quoted.Quote!;
        var p = q.Route.Prices;
        return TypedResults.Json(new QuoteResponse("quote", endpoint, q.Model, new QuoteRouteResponse(q.Route.RouteName, q.Route.Kind.ToString().ToLowerInvariant()),
            new QuotePricesResponse(p.SnapshotId.ToString(), p.Input, p.Output, p.CachedInput, p.CacheWrite5m, p.CacheWrite1h),
            q.PromptTokens, q.HeldOutputTokens, q.WorstCase, Money.Format(q.WorstCase), q.MaxCost,
            q.PaidBy.Select(a => new QuotePartResponse(a.Grant.BucketKey, a.Grant.GrantId.ToString(), a.Grant.SourceLabel, a.Amount)).ToList(),
            q.Limits.KeyRemaining is { } keyLeft ? keyLeft - q.WorstCase : null,
            q.Limits.Budgets.Select(b => new QuoteBudgetResponse(b.Scope.ToString().ToLowerInvariant(), b.Period.ToString().ToLowerInvariant(),
                b.Limit, b.Used, b.Left - q.WorstCase, b.ResetsAt)).ToList()),
            V1JsonContext.Default.QuoteResponse);
    }

    private static async Task<Results<JsonHttpResult<ReceiptResponse>, JsonHttpResult<ErrorBody>>> GetReceiptAsync(string id, HttpContext context, ReceiptQueries receipts)
    {
        // Someone else's receipt is "not found", exactly like one that does not exist.
        var receipt = Guid.TryParse(id, out var receiptId) ? await receipts.GetAsync(receiptId, Key(context).UserId, context.RequestAborted) : null;
        if (receipt is null) return OpenAiErrors.NotFound($"No receipt '{id}' for this account.", "receipt_not_found");
        return TypedResults.Json(ToResponse(receipt), V1JsonContext.Default.ReceiptResponse);
    }

    private static JsonHttpResult<ErrorBody> UnknownEndpoint(HttpContext context) =>
        OpenAiErrors.NotFound($"Unknown endpoint: {context.Request.Method} {context.Request.Path}.", "unknown_url");

    /// <summary>Longest <c>Idempotency-Key</c> kept; a longer one is refused rather than ignored (ignoring it would charge a retry again).</summary>
    private const int MaxIdempotencyKeyLength = 255;

    internal static GatewayError? CheckHeaders(HttpContext context)
    {
        if (context.Request.Headers[IdempotencyHeader].ToString().Length > MaxIdempotencyKeyLength) return GatewayErrors.IdempotencyKeyTooLong(MaxIdempotencyKeyLength);
        if (context.Request.Headers.ContainsKey(GatewayErrors.MaxCostHeader) && MaxCost(context) is null) return GatewayErrors.InvalidMaxCost;
        return null;
    }

    /// <summary>The caller's cost ceiling for this request (<c>X-TokensForge-Max-Cost</c>, yuan) in µ; null when absent or unreadable.</summary>
    private static long? MaxCost(HttpContext context) =>
        context.Request.Headers[GatewayErrors.MaxCostHeader].ToString() is { Length: > 0 } text && Money.TryParseUnits(text, out var micros) ? micros : null;

    internal static GatewayCaller Caller(HttpContext context, byte[] body)
    {
        var idempotencyKey = context.Request.Headers[IdempotencyHeader].ToString() is { Length: > 0 } k ? k : null;
        var caller = GatewayCaller.WithKey(Key(context), RequestId(context), context.Connection.RemoteIpAddress?.ToString(), idempotencyKey,
            idempotencyKey is null ? null : Convert.ToHexStringLower(SHA256.HashData(body))) with
        {
            MaxCost = MaxCost(context), RateLimits = RateLimitHeaders.Report(context), OutputCap = OutputCapHeader(context),
        };
        return caller;
    }

    /// <summary>
    /// <c>x-tokensforge-output-capped: N</c> when the caller named no output limit and the balance could not cover the
    /// model's maximum: the output held (over all choices) was lowered to N. Written when the answer starts, streamed or not.
    /// </summary>
    private static OutputCapReport OutputCapHeader(HttpContext context)
    {
        var report = new OutputCapReport();
        context.Response.OnStarting(() =>
        {
            if (report.CappedTo is { } capped) context.Response.Headers[OutputCappedHeader] = capped.ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
        return report;
    }

    internal static GatewayAnswer Respond(HttpContext context, GatewayResult result)
    {
        if (result.ReceiptId is { } receiptId) context.Response.Headers[ReceiptHeader] = receiptId.ToString();
        if (result.Error is { } error) return OpenAiErrors.From(error, context);
        context.Response.Headers[CostHeader] = result.Cost.ToString(CultureInfo.InvariantCulture);
        if (result.Replayed) context.Response.Headers[ReplayHeader] = "true";
        return TypedResults.Text(result.Json ?? "{}", "application/json", System.Text.Encoding.UTF8);
    }

    /// <summary>Reads and parses a JSON body of at most <paramref name="maxBytes"/>; every problem is a 400 in OpenAI's words.</summary>
    internal static async Task<(T? Value, byte[] Body, GatewayError? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, int maxBytes) where T : class
    {
        var tooLarge = GatewayErrors.BodyTooLarge(maxBytes);
        if (context.Request.ContentLength > maxBytes) return (null, [], tooLarge);
        var chunk = new byte[16 * 1024];
        // Our limit, not the server's default (about 28.6 MiB): reading stops just past it with a 400 in OpenAI's shape.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } serverLimit) serverLimit.MaxRequestBodySize = (long)maxBytes + chunk.Length;
        using var buffer = new MemoryStream();
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes) return (null, [], tooLarge);
            buffer.Write(chunk, 0, read);
        }
        var body = buffer.ToArray();
        if (body.Length == 0) return (null, body, GatewayErrors.BodyEmpty);
        if (UnicodeCheck.FindUndecodable(body) is { } undecodable) return (null, body, GatewayErrors.InvalidUnicode(undecodable));
        var (value, error) = Parse(body, type);
        return (value, body, error);
    }

    /// <summary>Parses a body already read; a value of the wrong type is a 400 naming its parameter.</summary>
    private static (T? Value, GatewayError? Error) Parse<T>(byte[] body, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize(body, type);
            return value is null ? (null, GatewayErrors.BodyNotObject) : (value, null);
        }
        catch (JsonException ex)
        {
            var param = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            return (null, param is null ? GatewayErrors.BodyUnparseable : GatewayErrors.InvalidValue(param));
        }
    }

    private static ModelObject ToModelObject(CatalogModel model) =>
        new(model.Id, "model", new DateTimeOffset(model.CreatedAt, TimeSpan.Zero).ToUnixTimeSeconds(), model.OwnedBy, model.MaxOutputTokens);

    private static ReceiptResponse ToResponse(ReceiptDetail r) => new(
        r.Id.ToString(), "receipt", new DateTimeOffset(r.CreatedAt, TimeSpan.Zero).ToUnixTimeSeconds(), r.RequestId, r.Endpoint, r.Model,
        r.Source.ToString().ToLowerInvariant(), r.ApiKeyPrefix,
        r.RouteId is { } routeId ? new ReceiptRouteResponse(routeId.ToString(), r.RouteName, r.RouteKind?.ToString().ToLowerInvariant(), r.Simulated) : null,
        r.Price is { } p ? new ReceiptPriceResponse(p.Id.ToString(), p.InputPrice, p.OutputPrice, p.CachedInputPrice, p.CacheWrite5m, p.CacheWrite1h, p.EffectiveFrom) : null,
        new ReceiptUsageResponse(r.PromptTokens, r.CompletionTokens, r.CachedTokens, r.CacheWrite5mTokens, r.CacheWrite1hTokens, r.ReasoningTokens,
            r.PromptTokens + r.CompletionTokens),
        r.HoldAmount, r.Cost, Money.Format(r.Cost), r.Status.ToString().ToLowerInvariant(), r.Reason, r.Estimated, r.Stream, r.LatencyMs,
        r.TimeToFirstTokenMs, r.LedgerTxId?.ToString(),
        r.PaidBy.Select(c => new ReceiptPartResponse(c.BucketKey, c.BucketName, c.GrantId.ToString(), c.SourceLabel, c.Amount, c.TransferId.ToString())).ToList(),
        r.UpstreamStatus, r.UpstreamError,
        r.Attempts.Select(a => new ReceiptAttemptResponse(a.RouteId.ToString(), a.RouteName, a.RouteKind.ToString().ToLowerInvariant(),
            a.Result.ToString().ToLowerInvariant(), a.UpstreamStatus, a.Error, a.LatencyMs, a.TimeToFirstTokenMs, a.Charged)).ToList(),
        r.PriceGroup is { } group && r.Price is { } listed
            ? new ReceiptPriceGroupResponse(group, r.PriceMultiplier, Core.PriceGroups.PriceTier.Scale(listed.InputPrice, r.PriceMultiplier),
                Core.PriceGroups.PriceTier.Scale(listed.OutputPrice, r.PriceMultiplier))
            : null,
        r.OutputCappedTo);
}
