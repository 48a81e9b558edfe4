using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// One embeddings request through the gateway: the same steps as <see cref="ChatCompletionPipeline"/>, with the
/// input tokens as the whole worst case (embeddings have no output tokens).
/// </summary>
public sealed class EmbeddingPipeline(
    ApiKeyRateLimiter rateLimiter,
    ModelAccess models,
    TokenCounter tokens,
    IdempotencyStore idempotency,
    RouteFailover failover,
    ChatUpstreamCall upstream,
    ReceiptWriter receipts,
    HoldPlanner planner,
    TimeProvider time,
    ILogger<EmbeddingPipeline> log)
{
    public const string Endpoint = "embeddings";

    public async Task<GatewayResult> RunAsync(GatewayCaller caller, EmbeddingRequest request, CancellationToken aborted)
    {
        var started = time.GetTimestamp();
        if (Validate(request) is { } invalid) return GatewayResult.Fail(invalid);
        if (caller.Key is { } key)
        {
            var verdict = await rateLimiter.TryAcquireAsync(key, aborted);
            if (!verdict.Allowed)
                return GatewayResult.Fail(new GatewayError(GatewayErrorKind.RateLimited, ApiKeyErrors.RateLimited.Code, ApiKeyErrors.RateLimited.Message,
                    RetryAfter: verdict.RetryAfter));
        }

        var (model, modelError) = await models.ResolveAsync(request.Model, ModelKind.Embedding, caller.Key, aborted);
        if (modelError is not null) return GatewayResult.Fail(modelError);
        var inputTokens = tokens.CountEmbeddingInput(request.Input!.Value);
        Func<Prices, long> worstCase = p => p.WorstCase(inputTokens, 0);
        var routes = RouteSelection.Order(model!.Routes, caller.RoutePreference, worstCase);
        if (routes.Count == 0)
            return GatewayResult.Fail(new GatewayError(GatewayErrorKind.ModelNotFound, "model_not_found",
                $"No {caller.RoutePreference.ToString().ToLowerInvariant()} route serves the model '{model.Id}'.", "model"));

        var receiptId = Guid.CreateVersion7();
        var (answer, claimId) = await idempotency.ClaimForAsync(caller, receiptId, stream: false, aborted);
        if (answer is not null) return answer;

        var record = new RequestRecord(receiptId, caller.RequestId, caller.UserId, caller.Source, Endpoint, model.Id, time.GetUtcNow().UtcDateTime);
        record.IssuedWith(caller.Key?.KeyId, caller.Key?.Prefix, stream: false, caller.ClientIp);
        PlacedHold? placed = null;
        try
        {
            var tried = await failover.RunAsync(caller, record, routes, worstCase, hold => upstream.EmbedAsync(hold.Route, new EmbeddingRequest
            {
                Model = hold.Route.UpstreamModelId, Input = request.Input, EncodingFormat = request.EncodingFormat, Dimensions = request.Dimensions, Extra = request.Extra,
            }, model.Id, aborted), aborted);
            placed = tried.Placed;
            if (tried.Outcome is not { } outcome)
            {
                record.RoutedTo(tried.Route!);
                record.Counted(inputTokens, 0, 0, estimated: true);
                record.Timed((int)time.GetElapsedTime(started).TotalMilliseconds, null);
                await receipts.WriteAsync(record, null, PipelineParts.Free(tried.Refusal?.Reason ?? ReceiptReasons.NoHealthyRoute, inputTokens), caller.Key?.KeyId,
                    PipelineParts.Completion(claimId, null, null), CancellationToken.None);
                claimId = null;
                if (tried.Refusal is not { } refusal) return GatewayResult.Fail(PipelineParts.Unavailable(model.Id, tried.RetryAt, time), receiptId);
                return GatewayResult.Fail(new GatewayError(GatewayErrorKind.InsufficientBalance, refusal.Reason,
                    refusal.Reason == ReceiptReasons.SpendLimitReached ? ApiKeyErrors.SpendLimitReached.Message
                        : "Your balance cannot cover this request on any route it may use. Top up or redeem a code."), receiptId);
            }
            var route = tried.Route!;
            record.RoutedTo(route);
            record.Held(tried.Held);

            var decision = ChargePolicy.Decide(outcome, inputTokens, tokens.Count, route.Prices, placed?.WorstCase ?? 0);
            record.Counted(decision.PromptTokens, 0, 0, decision.Estimated);
            record.Timed((int)time.GetElapsedTime(started).TotalMilliseconds, outcome.TimeToFirstToken is { } t ? (int)t.TotalMilliseconds : null);
            if (outcome.Kind != UpstreamOutcomeKind.Completed) record.UpstreamFailed(outcome.UpstreamStatus, outcome.Error);

            string? json = null;
            if (outcome is { Kind: UpstreamOutcomeKind.Completed, Embedding: { } embedding })
            {
                embedding.Usage ??= PipelineParts.UsageOf(decision);
                json = JsonSerializer.Serialize(embedding, OpenAiJsonContext.Default.EmbeddingResponse);
            }
            await receipts.WriteAsync(record, placed, decision, caller.Key?.KeyId, PipelineParts.Completion(claimId, json is null ? null : 200, json),
                CancellationToken.None);
            placed = null;
            claimId = null;

            return outcome.Kind switch
            {
                UpstreamOutcomeKind.Completed => new GatewayResult(null, record.Id, record.Cost, json, Embedding: outcome.Embedding, Status: record.Status),
                UpstreamOutcomeKind.TimedOutBeforeFirstByte => GatewayResult.Fail(new GatewayError(GatewayErrorKind.UpstreamTimeout, "upstream_timeout",
                    "The upstream did not respond in time; you were not charged. Retry the request."), record.Id),
                UpstreamOutcomeKind.FailedBeforeFirstByte when outcome.RequestRefused => GatewayResult.Fail(PipelineParts.RefusedByUpstream(outcome), record.Id),
                UpstreamOutcomeKind.ClientCancelled => new GatewayResult(new GatewayError(GatewayErrorKind.InvalidRequest, "client_cancelled",
                    "The request was cancelled by the caller."), record.Id, record.Cost, Status: record.Status),
                _ => GatewayResult.Fail(new GatewayError(GatewayErrorKind.UpstreamError, "upstream_error",
                    "The upstream failed before sending a response; you were not charged. Retry the request."), record.Id),
            };
        }
        catch (Exception ex)
        {
            if (ex is not OperationCanceledException) log.LogError(ex, "Embeddings request {ReceiptId} failed unexpectedly; releasing its hold", receiptId);
            try
            {
                if (placed is not null) await planner.ReleaseAsync(placed, caller, receiptId);
                if (claimId is { } id) await idempotency.ReleaseAsync(id, CancellationToken.None);
            }
            catch (Exception cleanup)
            {
                log.LogError(cleanup, "Releasing an abandoned embeddings request failed");
            }
            throw;
        }
    }

    private static GatewayError? Validate(EmbeddingRequest request)
    {
        if (request.Input is not { } input || input.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            return GatewayError.Invalid("Missing required parameter: 'input'.", "input");
        if (input.ValueKind == JsonValueKind.String) return input.GetString()!.Length == 0 ? GatewayError.Invalid("'input' cannot be empty.", "input") : null;
        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0)
            return GatewayError.Invalid("'input' must be a string, an array of strings, or an array of token arrays.", "input");
        if (input.GetArrayLength() > 2048) return GatewayError.Invalid("'input' may hold at most 2048 items.", "input");
        var kinds = input.EnumerateArray().Select(i => i.ValueKind).Distinct().ToList();
        if (kinds.Count != 1 || kinds[0] is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Array))
            return GatewayError.Invalid("'input' must be a string, an array of strings, or an array of token arrays.", "input");
        if (request.Dimensions is <= 0) return GatewayError.Invalid("dimensions must be at least 1.", "dimensions");
        return null;
    }
}
