using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway.Messages;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// Every gateway request, for /v1, the playground and the research assistant alike, whatever its front door, in the
/// same steps: admit (validate, rate limit, resolve the model, weigh the prompt, order the routes) → claim the
/// idempotency key → fail over across routes (hold, call; see <see cref="RouteFailover"/>) → charge
/// (<see cref="ChargePolicy"/>) → receipt (<see cref="ReceiptWriter"/>). What differs per front door is its
/// <see cref="IGatewayShape"/>.
/// </summary>
public sealed class GatewayPipeline(
    ApiKeyRateLimiter rateLimiter,
    ModelAccess models,
    TokenCounter tokens,
    IdempotencyStore idempotency,
    RouteFailover failover,
    ReceiptWriter receipts,
    HoldPlanner holds,
    HoldService wallet,
    SpendHeadroomReader headroom,
    BalanceCap balance,
    PriceGroups.PriceGroupService tiers,
    ChatUpstream chat,
    EmbeddingUpstream embeddings,
    AnthropicUpstream anthropic,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<GatewayPipeline> log)
{
    /// <summary>
    /// A chat completion. Streaming requests (<c>stream: true</c>) need a <paramref name="sink"/>; their output goes
    /// there and the result reports the outcome. <paramref name="aborted"/> signals the caller going away.
    /// </summary>
    public Task<GatewayResult> ChatAsync(GatewayCaller caller, ChatCompletionRequest request, IChatStreamSink? sink, CancellationToken aborted) =>
        // A stream under an Idempotency-Key keeps its chunks, so that a retry replays it (see StreamTranscript).
        RunAsync(caller, new ChatShape(request, sink is not null && caller.IdempotencyKey is not null ? new StreamTranscript(sink) : sink, chat, tokens,
            options.Value, time), aborted);

    /// <summary>An Anthropic Messages request: passed through to Anthropic routes, translated for OpenAI ones; streams need a <paramref name="sink"/>.</summary>
    public Task<GatewayResult> MessagesAsync(GatewayCaller caller, MessagesRequest request, IMessagesStreamSink? sink, CancellationToken aborted) =>
        RunAsync(caller, new MessagesShape(request, sink, chat, tokens, anthropic), aborted);

    /// <summary>The quote of a chat completion (streamed or not: the hold is the same).</summary>
    public Task<(GatewayQuote? Quote, GatewayError? Error)> QuoteChatAsync(GatewayCaller caller, ChatCompletionRequest request, CancellationToken ct)
    {
        request.Stream = null;
        return QuoteAsync(caller, new ChatShape(request, null, chat, tokens, options.Value, time), ct);
    }

    public Task<(GatewayQuote? Quote, GatewayError? Error)> QuoteMessagesAsync(GatewayCaller caller, MessagesRequest request, CancellationToken ct)
    {
        request.Stream = null;
        return QuoteAsync(caller, new MessagesShape(request, null, chat, tokens, anthropic), ct);
    }

    public Task<(GatewayQuote? Quote, GatewayError? Error)> QuoteEmbeddingAsync(GatewayCaller caller, EmbeddingRequest request, CancellationToken ct) =>
        QuoteAsync(caller, new EmbeddingShape(request, embeddings, tokens), ct);

    public Task<GatewayResult> EmbedAsync(GatewayCaller caller, EmbeddingRequest request, CancellationToken aborted) =>
        RunAsync(caller, new EmbeddingShape(request, embeddings, tokens), aborted);

    public async Task<GatewayResult> RunAsync(GatewayCaller caller, IGatewayShape shape, CancellationToken aborted)
    {
        var started = time.GetTimestamp();
        using var span = GatewayTracing.StartRequest(shape.Endpoint);
        using var admission = GatewayTracing.Start(GatewayTracing.Admission);
        var (admitted, refused) = await AdmitAsync(caller, shape, aborted);
        if (refused is not null) return GatewayResult.Fail(refused);
        (caller, var model, var budget) = admitted!;

        await using var request = new GatewayRequest(caller, shape.Endpoint, shape.Stream, model, budget, Guid.CreateVersion7(), time.GetUtcNow().UtcDateTime,
            holds, idempotency, log, rateLimiter);
        // Rate limits weigh the request's worst case in tokens, so they come once the prompt is counted.
        if (caller.Key is { HasRateLimits: true } key)
        {
            var (verdict, limitHold) = await rateLimiter.AdmitAsync(key, budget.PromptTokens + budget.HeldOutputTokens,
                request.StartedAt + options.Value.HoldTimeout, aborted);
            caller.RateLimits?.Report(verdict);
            if (!verdict.Allowed) return GatewayResult.Fail(GatewayErrors.RateLimited(verdict.RetryAfter, verdict.Message));
            request.Admitted(limitHold);
        }
        admission?.Stop();
        using var receiptScope = GatewayTracing.Receipt(span, log, request.ReceiptId);
        if (request.Routes.Count == 0) return GatewayResult.Fail(GatewayErrors.NoRouteFor(caller.RoutePreference, model.Id));

        var (answer, claim) = await idempotency.ClaimForAsync(caller, request.ReceiptId, shape.Stream, aborted);
        if (answer is not null) return answer;
        request.Claimed(claim);

        try
        {
            var tried = await failover.RunAsync(request, shape, aborted);
            if (tried.Outcome is not { } outcome)
            {
                var reason = tried.Refusal?.Reason ?? ReceiptReasons.NoHealthyRoute;
                await receipts.WriteAsync(request, new ReceiptFacts(tried.Route, 0, ChargeDecision.Free(reason, request.PromptTokens), Elapsed(started)),
                    CancellationToken.None);
                return GatewayResult.Fail(tried.Refusal is { } refusal ? GatewayErrors.Refused(refusal) : GatewayErrors.NoRouteAvailable(model.Id, WaitUntil(tried.RetryAt)),
                    request.ReceiptId);
            }

            var decision = ChargePolicy.Decide(outcome, request.PromptTokens, tokens.Count, tried.Route.Prices, request.Hold?.WorstCase ?? 0);
            var json = await shape.AnswerAsync(request, outcome, decision, aborted);
            var failed = outcome.Kind != UpstreamOutcomeKind.Completed;
            var record = await receipts.WriteAsync(request, new ReceiptFacts(tried.Route, tried.Held, decision, Elapsed(started),
                outcome.TimeToFirstToken is { } ttft ? (int)ttft.TotalMilliseconds : null,
                failed ? outcome.UpstreamStatus : null, failed ? outcome.Error : null, json, shape.KeptWithReceipt), CancellationToken.None);

            var error = GatewayErrors.Of(outcome, decision.CompletionTokens);
            await shape.EndAsync(outcome, error, aborted);
            return outcome.Kind is UpstreamOutcomeKind.FailedBeforeFirstByte or UpstreamOutcomeKind.TimedOutBeforeFirstByte
                ? GatewayResult.Fail(error!, record.Id)
                : new GatewayResult(error, record.Id, record.Cost, json, record.Status);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Disposing the request releases its hold and claim; say why first.
            log.LogError(ex, "Gateway request {ReceiptId} ({Endpoint}) failed unexpectedly; releasing its hold", request.ReceiptId, request.Endpoint);
            throw;
        }
    }

    /// <summary>
    /// What <see cref="RunAsync"/> would hold for this request, without moving money or calling an upstream: the same
    /// admission (validation, model, weight, cost ceiling), the same route order, the first route whose worst case the
    /// wallet can pay, and which grants would pay it.
    /// </summary>
    public async Task<(GatewayQuote? Quote, GatewayError? Error)> QuoteAsync(GatewayCaller caller, IGatewayShape shape, CancellationToken ct)
    {
        var (admitted, error) = await AdmitAsync(caller, shape, ct);
        if (error is not null) return (null, error);
        (caller, var model, var budget) = admitted!;
        await using var request = new GatewayRequest(caller, shape.Endpoint, shape.Stream, model, budget, Guid.Empty, time.GetUtcNow().UtcDateTime,
            holds, idempotency, log);
        if (request.Routes.Count == 0) return (null, GatewayErrors.NoRouteFor(caller.RoutePreference, model.Id));
        // The key's spend limit and the budgets refuse as the hold would, before the wallet is asked.
        var limits = await headroom.ReadAsync(caller, ct);
        var refused = new RefusedRoutes();
        HoldRefusal? firstRefusal = null;
        foreach (var route in request.Routes)
        {
            var worst = request.WorstCaseOn(route.Prices);
            if (refused.RulesOut(route.Kind, worst)) continue;
            if (headroom.Refuses(limits, route, worst) is { } limited)
            {
                refused.Add(limited);
                firstRefusal ??= limited;
                continue;
            }
            var plan = worst == 0 ? [] : await wallet.PlanAsync(caller.UserId, route.Kind, worst, ct);
            if (plan is not null)
                return (new GatewayQuote(model.Id, route, request.PromptTokens, request.HeldOutputTokens, worst, plan, caller.MaxCost, limits), null);
            refused.Add(route.Kind, worst);
            firstRefusal ??= new HoldRefusal(route, worst, ReceiptReasons.InsufficientBalance);
        }
        return (null, GatewayErrors.Refused(firstRefusal!));
    }

    /// <summary>What admission leaves: the caller with its price tier, the model, and what the prompt weighs (under the caller's ceiling).</summary>
    private sealed record Admission(GatewayCaller Caller, CatalogModel Model, PromptBudget Budget);

    /// <summary>The steps before any route is touched, the same for a request and its quote: validate, price, resolve, weigh, fit the ceiling.</summary>
    private async Task<(Admission? Admitted, GatewayError? Error)> AdmitAsync(GatewayCaller caller, IGatewayShape shape, CancellationToken ct)
    {
        if (shape.Validate() is { } invalid) return (null, invalid);
        caller = await PricedAsync(caller, ct);
        var (model, modelError) = await models.ResolveAsync(shape.Model, shape.ModelKind, caller.Key, ct);
        if (modelError is not null) return (null, modelError);
        var (budget, tooLarge) = shape.Measure(model!);
        if (tooLarge is not null) return (null, tooLarge);
        var chosen = budget!.LimitChosen;
        if (caller.MaxCost is { } ceiling)
        {
            (budget, var tooDear) = CostCeiling.Fit(shape, model!, budget!, caller, ceiling);
            if (tooDear is not null) return (null, tooDear);
        }
        // A limit the gateway chose (the model's maximum) is lowered to what the balance covers rather than refused.
        if (chosen) budget = await balance.FitAsync(shape, model!, budget!, caller, ct);
        return (new Admission(caller, model!, budget!), null);
    }

    /// <summary>The caller with its price tier: a key carries its owner's; a keyless caller's is looked up; a sponsor pays list prices.</summary>
    private async Task<GatewayCaller> PricedAsync(GatewayCaller caller, CancellationToken ct) =>
        caller.Tier is not null ? caller
        : caller with { Tier = caller.Sponsor is null ? await tiers.TierOfAsync(caller.UserId, ct) : PriceGroups.PriceTier.None };

    private TimeSpan? WaitUntil(DateTime? retryAt)
    {
        var wait = retryAt is { } at ? at - time.GetUtcNow().UtcDateTime : (TimeSpan?)null;
        return wait > TimeSpan.Zero ? wait : null;
    }

    private int Elapsed(long started) => (int)time.GetElapsedTime(started).TotalMilliseconds;
}
