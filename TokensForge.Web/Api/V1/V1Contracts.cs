using System.Text.Json.Serialization;

namespace TokensForge.Web.Api.V1;

/// <summary>A receipt as <c>GET /v1/receipts/{id}</c> returns it.</summary>
public sealed record ReceiptResponse(
    string Id,
    string Object,
    long Created,
    string RequestId,
    string Endpoint,
    string Model,
    string Source,
    string? ApiKeyPrefix,
    ReceiptRouteResponse? Route,
    ReceiptPriceResponse? PriceSnapshot,
    ReceiptUsageResponse Usage,
    long HoldAmount,
    long Cost,
    string CostDisplay,
    string Status,
    string Reason,
    bool Estimated,
    bool Stream,
    int LatencyMs,
    int? TimeToFirstTokenMs,
    string? LedgerTx,
    IReadOnlyList<ReceiptPartResponse> PaidBy,
    int? UpstreamStatus,
    string? UpstreamError,
    IReadOnlyList<ReceiptAttemptResponse> Attempts,
    ReceiptPriceGroupResponse? PriceGroup = null,
    int? OutputCappedTo = null);

/// <summary>The caller's price group: the snapshot's prices times <c>Multiplier</c> (basis points, 10,000 = 1×) were charged.</summary>
public sealed record ReceiptPriceGroupResponse(string Name, int Multiplier, long InputPerMillion, long OutputPerMillion);

/// <summary>One route tried (or skipped) for the request, in order; only a <c>charged</c> attempt was paid for.</summary>
public sealed record ReceiptAttemptResponse(string Route, string RouteName, string Kind, string Result, int? UpstreamStatus, string? Error, int LatencyMs,
    int? TimeToFirstTokenMs, bool Charged);

public sealed record ReceiptRouteResponse(string Id, string? Name, string? Kind, bool Simulated);

public sealed record ReceiptPriceResponse(string Id, long InputPerMillion, long OutputPerMillion, long CachedInputPerMillion, long CacheWrite5mPerMillion,
    long CacheWrite1hPerMillion, DateTime EffectiveFrom);

/// <summary>Cached, cache-write and reasoning tokens are parts of the prompt and completion tokens, not additions to them.</summary>
public sealed record ReceiptUsageResponse(int PromptTokens, int CompletionTokens, int CachedTokens, int CacheWrite5mTokens, int CacheWrite1hTokens, int ReasoningTokens,
    int TotalTokens);

public sealed record ReceiptPartResponse(string Bucket, string BucketName, string Grant, string GrantLabel, long Amount, string Transfer);

/// <summary>
/// <c>POST /v1/quote</c>: what the request in the body would hold, with no money moved. Amounts are µ (1 CNY = 1,000,000 µ),
/// prices µ per million tokens.
/// </summary>
public sealed record QuoteResponse(
    string Object,
    string Endpoint,
    string Model,
    QuoteRouteResponse Route,
    QuotePricesResponse Prices,
    int PromptTokens,
    long MaxOutputTokens,
    long WorstCase,
    string WorstCaseDisplay,
    long? MaxCost,
    IReadOnlyList<QuotePartResponse> PaidBy,
    long? KeySpendRemaining,
    IReadOnlyList<QuoteBudgetResponse> Budgets);

/// <summary>One of the caller's budgets as the quote found it: its current window's use and what the request would leave.</summary>
public sealed record QuoteBudgetResponse(string Scope, string Period, long Limit, long Used, long RemainingAfter, DateTime ResetsAt);

public sealed record QuoteRouteResponse(string Name, string Kind);

public sealed record QuotePricesResponse(string SnapshotId, long InputPerMillion, long OutputPerMillion, long CachedInputPerMillion,
    long CacheWrite5mPerMillion, long CacheWrite1hPerMillion);

public sealed record QuotePartResponse(string Bucket, string Grant, string GrantLabel, long Amount);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ReceiptResponse))]
[JsonSerializable(typeof(QuoteResponse))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
public sealed partial class V1JsonContext : JsonSerializerContext;
