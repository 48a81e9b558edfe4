using TokensForge.Core.ApiKeys;
using TokensForge.Core.Budgets;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// Who is calling and how: the user who pays, the key used (none for the playground), the route preference, and
/// the request's identity for receipts and idempotency. A <see cref="Sponsor"/>, when set, pays instead of the
/// user's wallet. <see cref="Budgets"/> are the budgets the request must fit (the key's and its owner's); null for a
/// keyless caller means the user's own are looked up when a hold is placed. <see cref="RateLimits"/>, when given, is told
/// the key's rate-limit state for the answer's headers. <see cref="MaxCost"/> is the caller's ceiling on this request's
/// worst case, in µ (<see cref="CostCeiling"/>). <see cref="Tier"/> is the user's price group (null for a keyless caller:
/// looked up when the request is admitted). <see cref="OutputCap"/>, when given, is told when the output was lowered to what
/// the balance covers (<see cref="BalanceCap"/>), for the answer's header.
/// </summary>
public sealed record GatewayCaller(
    string UserId,
    RequestSource Source,
    KeyPrincipal? Key,
    RoutePreference RoutePreference,
    string RequestId,
    string? ClientIp = null,
    string? IdempotencyKey = null,
    string? RequestHash = null,
    IRequestSponsor? Sponsor = null,
    IReadOnlyList<BudgetLimit>? Budgets = null,
    RateLimitReport? RateLimits = null,
    long? MaxCost = null,
    PriceGroups.PriceTier? Tier = null,
    OutputCapReport? OutputCap = null)
{
    public static GatewayCaller WithKey(KeyPrincipal key, string requestId, string? clientIp, string? idempotencyKey = null, string? requestHash = null) =>
        new(key.UserId, RequestSource.Api, key, key.RoutePreference, requestId, clientIp, idempotencyKey, requestHash, Budgets: key.Budgets ?? [], Tier: key.Tier ?? PriceGroups.PriceTier.None);

    /// <summary>The model's routes priced as this caller pays them (its price group's multipliers, when it has one).</summary>
    public IEnumerable<RouteCandidate> PricedRoutes(CatalogModel model) => PriceGroups.PriceTier.Apply(Tier, model.Routes);

    public static GatewayCaller Playground(string userId, RoutePreference preference, string requestId) =>
        new(userId, RequestSource.Playground, null, preference, requestId);

    /// <summary>A request of <paramref name="userId"/> that <paramref name="sponsor"/> pays (e.g. the research assistant).</summary>
    public static GatewayCaller Sponsored(string userId, RequestSource source, RoutePreference preference, string requestId, IRequestSponsor sponsor) =>
        new(userId, source, null, preference, requestId, Sponsor: sponsor);
}

/// <summary>The error classes of the gateway; each surface maps them (HTTP status and OpenAI error type on /v1).</summary>
public enum GatewayErrorKind
{
    InvalidRequest,
    ModelNotFound,
    ModelNotAllowed,

    /// <summary>Something the request names (a stored response) does not exist for this caller.</summary>
    NotFound,
    InsufficientBalance,
    RateLimited,
    Conflict,
    UpstreamError,
    UpstreamTimeout,
}

/// <summary>An expected failure of a gateway request.</summary>
/// <remarks>Every one the gateway gives is in <see cref="GatewayErrors"/>.</remarks>
public sealed record GatewayError(GatewayErrorKind Kind, string Code, string Message, string? Param = null, TimeSpan? RetryAfter = null);

/// <summary>
/// The end of a gateway request. <see cref="ReceiptId"/> is set whenever a receipt or failed-request record
/// was written. Non-streaming successes carry the response body (<see cref="Json"/>, also what an idempotent
/// repeat gets back); streaming requests wrote theirs to the sink.
/// </summary>
public sealed record GatewayResult(GatewayError? Error, Guid? ReceiptId, long Cost, string? Json = null, RequestStatus? Status = null, bool Replayed = false)
{
    public bool Succeeded => Error is null;

    public static GatewayResult Fail(GatewayError error, Guid? receiptId = null) => new(error, receiptId, 0, Status: receiptId is null ? null : RequestStatus.Failed);
}

/// <summary>
/// Where a streaming chat completion goes: an HTTP response as server-sent events on /v1, a component in the
/// playground. Nothing reaches it before the upstream's first chunk, so failures before that stay clean errors.
/// </summary>
public interface IChatStreamSink
{
    /// <summary>The first byte: called once, right before the first chunk.</summary>
    Task StartAsync(Guid receiptId, CancellationToken ct);

    Task WriteAsync(ChatCompletionChunk chunk, CancellationToken ct);

    /// <summary>The stream ended normally (after the receipt was written).</summary>
    Task CompleteAsync(CancellationToken ct);

    /// <summary>The stream broke after it started; the receipt says what was charged.</summary>
    Task FailAsync(GatewayError error, CancellationToken ct);
}

/// <summary>
/// Where the pipeline leaves a key's rate-limit state (the last admission's) for the front door to send as OpenAI's
/// <c>x-ratelimit-*</c> headers, on successes and refusals alike.
/// </summary>
public sealed class RateLimitReport
{
    public RateLimitState? Requests { get; private set; }
    public RateLimitState? Tokens { get; private set; }

    /// <summary>Whether an admission (or a look at the counters) has filled the report.</summary>
    public bool Reported { get; private set; }

    public void Report(RateLimitVerdict verdict)
    {
        Requests = verdict.Requests;
        Tokens = verdict.Tokens;
        Reported = true;
    }
}

/// <summary>
/// What a request would hold, answered by <c>POST /v1/quote</c> without moving money: the route that would serve it (the
/// first in the gateway's order whose worst case the wallet can pay), its price snapshot, the prompt's tokens and the
/// output held (after a cost ceiling, when one is set), the worst case, the grants that would pay it, and what the key's
/// spend limit and the caller's budgets leave.
/// </summary>
public sealed record GatewayQuote(string Model, RouteCandidate Route, int PromptTokens, long HeldOutputTokens, long WorstCase,
    IReadOnlyList<Ledger.Allocation> PaidBy, long? MaxCost, SpendHeadroom Limits);
