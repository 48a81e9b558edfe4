using Microsoft.Extensions.Logging;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Gateway;

/// <summary>What the prompt of a request weighs before any upstream is called: its tokens and the output tokens held (all choices).</summary>
/// <param name="LimitChosen">The caller named no output limit: the gateway chose it (the model's maximum), so it may be lowered to what the balance covers.</param>
/// <param name="CappedTo">The output held after it was lowered to what the balance covers (<see cref="BalanceCap"/>); null when it was not.</param>
public sealed record PromptBudget(int PromptTokens, long HeldOutputTokens, bool LimitChosen = false, int? CappedTo = null);

/// <summary>One route attempt (or skip) of a request, in the order they happened; the receipt writes them as <see cref="RequestAttempt"/> rows.</summary>
public sealed record RouteAttempt(RouteCandidate Route, AttemptResult Result, int? UpstreamStatus, string? Error, int LatencyMs, int? TimeToFirstTokenMs);

/// <summary>
/// The facts of one gateway request as it moves through <see cref="GatewayPipeline"/>: who calls, the model and the
/// routes in the order they will be tried, the worst case on each, the receipt id, the idempotency claim, the hold
/// currently placed and every attempt. The claim and the hold are leases: disposing the request gives back whatever
/// was not handed to the receipt (a request that dies unexpectedly leaves nothing reserved, and the sweeper expires
/// what even that could not void).
/// </summary>
public sealed class GatewayRequest : IAsyncDisposable
{
    private readonly HoldPlanner _holds;
    private readonly IdempotencyStore _claims;
    private readonly ILogger _log;
    private readonly ApiKeyRateLimiter? _limiter;
    private readonly List<RouteAttempt> _attempts = [];

    internal GatewayRequest(GatewayCaller caller, string endpoint, bool stream, CatalogModel model, PromptBudget budget, Guid receiptId, DateTime startedAt,
        HoldPlanner holds, IdempotencyStore claims, ILogger log, ApiKeyRateLimiter? limiter = null)
    {
        _limiter = limiter;
        Caller = caller;
        Endpoint = endpoint;
        Stream = stream;
        Model = model;
        PromptTokens = budget.PromptTokens;
        HeldOutputTokens = budget.HeldOutputTokens;
        OutputCappedTo = budget.CappedTo;
        ReceiptId = receiptId;
        StartedAt = startedAt;
        _holds = holds;
        _claims = claims;
        _log = log;
        // Priced as the caller pays (a price group's multiplier); under a cost ceiling, routes whose worst case passes it are not tried.
        var routes = caller.PricedRoutes(model);
        Routes = caller.MaxCost is null
            ? RouteSelection.Order(routes, caller.RoutePreference, WorstCaseOn, endpoint)
            : RouteSelection.Order(routes, caller.RoutePreference, WorstCaseOn, endpoint).Where(r => CostCeiling.Allows(caller.MaxCost, WorstCaseOn(r.Prices))).ToList();
    }

    public GatewayCaller Caller { get; }

    /// <summary>The front door: <c>chat.completions</c>, <c>embeddings</c>, …</summary>
    public string Endpoint { get; }

    public bool Stream { get; }
    public CatalogModel Model { get; }
    public int PromptTokens { get; }

    /// <summary>Output tokens the hold covers, over all choices.</summary>
    public long HeldOutputTokens { get; }

    /// <summary>The output held was lowered to this, what the balance covered, because the caller named no limit; null when not.</summary>
    public int? OutputCappedTo { get; }

    public Guid ReceiptId { get; }
    public DateTime StartedAt { get; }

    /// <summary>The routes that may serve the request, in the order they are tried.</summary>
    public IReadOnlyList<RouteCandidate> Routes { get; }

    /// <summary>The claim on the caller's <c>Idempotency-Key</c>, until the receipt completes or releases it.</summary>
    public Guid? IdempotencyClaim { get; private set; }

    /// <summary>The tokens and concurrency lease the key's rate limits admitted the request with, until the receipt settles them.</summary>
    public RateLimitHold? RateLimit { get; private set; }

    /// <summary>The hold placed for the route being called, until the receipt settles it or it is released.</summary>
    public PlacedHold? Hold { get; private set; }

    public IReadOnlyList<RouteAttempt> Attempts => _attempts;

    /// <summary>The most this request may cost on a route with these prices.</summary>
    public long WorstCaseOn(Prices prices) => prices.WorstCase(PromptTokens, HeldOutputTokens);

    internal void Claimed(Guid? claim) => IdempotencyClaim = claim;

    internal void Admitted(RateLimitHold? limit) => RateLimit = limit;

    internal void Holds(PlacedHold hold) => Hold = hold;

    internal void Tried(RouteAttempt attempt) => _attempts.Add(attempt);

    /// <summary>Voids the current hold (free) before another is placed.</summary>
    internal async Task ReleaseHoldAsync()
    {
        if (Hold is not { } hold) return;
        Hold = null;
        await _holds.ReleaseAsync(hold, Caller, ReceiptId);
    }

    /// <summary>The receipt takes over the hold, the claim and the rate-limit hold: from here on it settles or releases them, in its transaction.</summary>
    internal void HandToReceipt()
    {
        Hold = null;
        IdempotencyClaim = null;
        RateLimit = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (Hold is null && IdempotencyClaim is null && RateLimit is null) return;
        try
        {
            await ReleaseHoldAsync();
            if (RateLimit is { } limit && _limiter is not null)
            {
                RateLimit = null;
                await _limiter.ReleaseAsync(limit, CancellationToken.None);
            }
            if (IdempotencyClaim is { } claim)
            {
                IdempotencyClaim = null;
                await _claims.ReleaseAsync(claim, CancellationToken.None);
            }
        }
        catch (Exception cleanup)
        {
            // The hold sweeper expires what could not be voided here.
            _log.LogError(cleanup, "Releasing what the abandoned request {ReceiptId} held failed", ReceiptId);
        }
    }
}
