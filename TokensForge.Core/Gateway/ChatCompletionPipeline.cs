using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// One chat completion through the gateway, for /v1 and the playground alike: rate limit → resolve model →
/// order routes → count prompt tokens → claim the idempotency key → for each route until one answers (see
/// <see cref="RouteFailover"/>): hold the worst case, call the upstream (streaming through the sink) → settle on
/// the usage and write the receipt with every attempt. Each step is its own small part;
/// this class puts them in order and owns the clean-up when something unexpected happens.
/// </summary>
public sealed class ChatCompletionPipeline(
    ApiKeyRateLimiter rateLimiter,
    ModelAccess models,
    TokenCounter tokens,
    IdempotencyStore idempotency,
    RouteFailover failover,
    ChatUpstreamCall upstream,
    ReceiptWriter receipts,
    HoldPlanner planner,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<ChatCompletionPipeline> log)
{
    public const string Endpoint = "chat.completions";

    /// <summary>
    /// Runs the request. Streaming requests (<c>stream: true</c>) need a <paramref name="sink"/>; their output goes
    /// there and the result reports the outcome. <paramref name="aborted"/> signals the caller going away.
    /// </summary>
    public async Task<GatewayResult> RunAsync(GatewayCaller caller, ChatCompletionRequest request, IChatStreamSink? sink, CancellationToken aborted)
    {
        var started = time.GetTimestamp();
        var stream = request.Stream == true;
        if (stream && sink is null) throw new ArgumentNullException(nameof(sink), "A streaming request needs a sink.");
        if (PipelineParts.Validate(request) is { } invalid) return GatewayResult.Fail(invalid);

        if (caller.Key is { } key)
        {
            var verdict = await rateLimiter.TryAcquireAsync(key, aborted);
            if (!verdict.Allowed)
                return GatewayResult.Fail(new GatewayError(GatewayErrorKind.RateLimited, ApiKeyErrors.RateLimited.Code, ApiKeyErrors.RateLimited.Message,
                    RetryAfter: verdict.RetryAfter));
        }

        var (model, modelError) = await models.ResolveAsync(request.Model, ModelKind.Chat, caller.Key, aborted);
        if (modelError is not null) return GatewayResult.Fail(modelError);

        var promptTokens = tokens.CountPrompt(request);
        var requestedOutput = request.MaxCompletionTokens ?? request.MaxTokens;
        var maxOutputPerChoice = requestedOutput ?? options.Value.DefaultMaxOutputTokens;
        var maxOutput = (long)maxOutputPerChoice * (request.N ?? 1);
        if (promptTokens + (requestedOutput ?? 0) > model!.ContextWindow)
            return GatewayResult.Fail(GatewayError.Invalid(
                $"This model's maximum context length is {model.ContextWindow} tokens; the messages ({promptTokens} tokens) and the requested output do not fit.",
                "messages", "context_length_exceeded"));
        Func<Prices, long> worstCase = p => p.WorstCase(promptTokens, maxOutput);
        var routes = RouteSelection.Order(model.Routes, caller.RoutePreference, worstCase);
        if (routes.Count == 0)
            return GatewayResult.Fail(new GatewayError(GatewayErrorKind.ModelNotFound, "model_not_found",
                $"No {caller.RoutePreference.ToString().ToLowerInvariant()} route serves the model '{model.Id}'.", "model"));

        var receiptId = Guid.CreateVersion7();
        var (answer, claimId) = await idempotency.ClaimForAsync(caller, receiptId, stream, aborted);
        if (answer is not null) return answer;

        var record = new RequestRecord(receiptId, caller.RequestId, caller.UserId, caller.Source, Endpoint, model.Id, time.GetUtcNow().UtcDateTime);
        record.IssuedWith(caller.Key?.KeyId, caller.Key?.Prefix, stream, caller.ClientIp);
        PlacedHold? placed = null;
        try
        {
            var callerWantsUsage = request.StreamOptions?.IncludeUsage == true;
            var tried = await failover.RunAsync(caller, record, routes, worstCase, hold =>
            {
                var upstreamRequest = ForUpstream(request, hold.Route, maxOutputPerChoice, stream);
                return stream
                    ? upstream.StreamAsync(hold.Route, upstreamRequest, model.Id, callerWantsUsage, receiptId, sink!, aborted)
                    : upstream.CompleteAsync(hold.Route, upstreamRequest, model.Id, aborted);
            }, aborted);
            placed = tried.Placed;
            if (tried.Outcome is not { } outcome)
            {
                var reason = tried.Refusal?.Reason ?? ReceiptReasons.NoHealthyRoute;
                record.RoutedTo(tried.Route!);
                record.Counted(promptTokens, 0, 0, estimated: true);
                record.Timed(Elapsed(started), null);
                await receipts.WriteAsync(record, null, PipelineParts.Free(reason, promptTokens), caller.Key?.KeyId,
                    PipelineParts.Completion(claimId, null, null), CancellationToken.None);
                claimId = null;
                return GatewayResult.Fail(tried.Refusal is { } refusal ? Refused(refusal) : PipelineParts.Unavailable(model.Id, tried.RetryAt, time), receiptId);
            }
            var route = tried.Route!;
            record.RoutedTo(route);
            record.Held(tried.Held);

            var decision = ChargePolicy.Decide(outcome, promptTokens, tokens.Count, route.Prices, placed?.WorstCase ?? 0);
            record.Counted(decision.PromptTokens, decision.CompletionTokens, decision.CachedTokens, decision.Estimated);
            record.Timed(Elapsed(started), outcome.TimeToFirstToken is { } ttft ? (int)ttft.TotalMilliseconds : null);
            if (outcome.Kind != UpstreamOutcomeKind.Completed) record.UpstreamFailed(outcome.UpstreamStatus, outcome.Error);

            string? json = null;
            if (!stream && outcome.Completion is { } completion && outcome.Kind == UpstreamOutcomeKind.Completed)
            {
                completion.Usage ??= PipelineParts.UsageOf(decision);
                json = JsonSerializer.Serialize(completion, OpenAiJsonContext.Default.ChatCompletionResponse);
            }
            else if (stream && outcome.Kind == UpstreamOutcomeKind.Completed && callerWantsUsage && outcome.ReportedUsage is null)
            {
                // The upstream reported no usage: the caller asked for it, so it gets our count (the receipt says estimated).
                await WriteSafelyAsync(() => sink!.WriteAsync(new ChatCompletionChunk
                {
                    Id = "chatcmpl-" + receiptId.ToString("N"), Object = "chat.completion.chunk", Created = time.GetUtcNow().ToUnixTimeSeconds(),
                    Model = model.Id, Choices = [], Usage = PipelineParts.UsageOf(decision),
                }, aborted));
            }

            await receipts.WriteAsync(record, placed, decision, caller.Key?.KeyId, PipelineParts.Completion(claimId, json is null ? null : 200, json),
                CancellationToken.None);
            placed = null;
            claimId = null;
            return await FinishAsync(record, decision, outcome, json, sink, aborted);
        }
        catch (Exception ex)
        {
            if (ex is not OperationCanceledException) log.LogError(ex, "Chat completion {ReceiptId} failed unexpectedly; releasing its hold", receiptId);
            await AbandonAsync(placed, caller, claimId, receiptId);
            throw;
        }
    }

    private static GatewayError Refused(HoldRefusal refusal) => new(GatewayErrorKind.InsufficientBalance, refusal.Reason,
        refusal.Message ?? (refusal.Reason == ReceiptReasons.SpendLimitReached
            ? ApiKeyErrors.SpendLimitReached.Message
            : $"Your balance cannot cover this request on any route it may use (worst case {Common.Money.Format(refusal.WorstCase)}). Top up or redeem a code."));

    /// <summary>
    /// The request as the upstream gets it: its own model id, usage always reported on streams, and an output
    /// limit always set, so no answer can cost more than was held.
    /// </summary>
    private static ChatCompletionRequest ForUpstream(ChatCompletionRequest request, RouteCandidate route, int maxOutputPerChoice, bool stream) => new()
    {
        Model = route.UpstreamModelId,
        Messages = request.Messages,
        Stream = request.Stream,
        StreamOptions = stream ? new StreamOptions { IncludeUsage = true, Extra = request.StreamOptions?.Extra } : null,
        MaxTokens = request.MaxCompletionTokens is null ? maxOutputPerChoice : null,
        MaxCompletionTokens = request.MaxCompletionTokens,
        N = request.N,
        Extra = request.Extra,
    };

    private async Task<GatewayResult> FinishAsync(RequestRecord record, ChargeDecision decision, UpstreamOutcome outcome, string? json,
        IChatStreamSink? sink, CancellationToken aborted)
    {
        switch (outcome.Kind)
        {
            case UpstreamOutcomeKind.Completed:
                if (record.Stream) await WriteSafelyAsync(() => sink!.CompleteAsync(aborted));
                return new GatewayResult(null, record.Id, record.Cost, json, outcome.Completion, Status: record.Status);
            case UpstreamOutcomeKind.FailedBeforeFirstByte when outcome.RequestRefused:
                return GatewayResult.Fail(PipelineParts.RefusedByUpstream(outcome), record.Id);
            case UpstreamOutcomeKind.FailedBeforeFirstByte:
                return GatewayResult.Fail(new GatewayError(GatewayErrorKind.UpstreamError, "upstream_error",
                    "The upstream failed before sending a response; you were not charged. Retry the request."), record.Id);
            case UpstreamOutcomeKind.TimedOutBeforeFirstByte:
                return GatewayResult.Fail(new GatewayError(GatewayErrorKind.UpstreamTimeout, "upstream_timeout",
                    "The upstream did not respond in time; you were not charged. Retry the request."), record.Id);
            case UpstreamOutcomeKind.CutAfterFirstByte:
                var cut = new GatewayError(GatewayErrorKind.UpstreamError, "upstream_error",
                    $"The upstream stopped mid-answer; you were charged only for the prompt and the {decision.CompletionTokens} output tokens delivered.");
                if (record.Stream) await WriteSafelyAsync(() => sink!.FailAsync(cut, aborted));
                return new GatewayResult(cut, record.Id, record.Cost, Status: record.Status);
            default:
                return new GatewayResult(new GatewayError(GatewayErrorKind.InvalidRequest, "client_cancelled", "The request was cancelled by the caller."),
                    record.Id, record.Cost, Status: record.Status);
        }
    }

    /// <summary>Undoes what a request that died unexpectedly still holds: its hold, its key reservation, its idempotency claim.</summary>
    private async Task AbandonAsync(PlacedHold? placed, GatewayCaller caller, Guid? claimId, Guid receiptId)
    {
        try
        {
            if (placed is not null) await planner.ReleaseAsync(placed, caller, receiptId);
            if (claimId is { } id) await idempotency.ReleaseAsync(id, CancellationToken.None);
        }
        catch (Exception cleanup)
        {
            // The hold sweeper expires what could not be voided here.
            log.LogError(cleanup, "Releasing an abandoned gateway request failed");
        }
    }

    private static async Task WriteSafelyAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception ex) when (ex is ClientGoneException or OperationCanceledException or IOException)
        {
            // The caller left after the receipt was written; there is nobody to tell.
        }
    }

    private int Elapsed(long started) => (int)time.GetElapsedTime(started).TotalMilliseconds;
}
