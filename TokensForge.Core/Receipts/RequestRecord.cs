using TokensForge.Core.Routing;

namespace TokensForge.Core.Receipts;

/// <summary>How a request ended for billing.</summary>
public enum RequestStatus
{
    /// <summary>The upstream answered in full; charged for the usage.</summary>
    Succeeded,

    /// <summary>Nothing was delivered; nothing was charged (holds voided).</summary>
    Failed,

    /// <summary>Output stopped early (client cancelled or upstream cut); charged for the prompt and what was delivered.</summary>
    Partial,
}

/// <summary>Where a request came from.</summary>
public enum RequestSource
{
    Api,
    Playground,

    /// <summary>The free research assistant: paid by the research allowance, never by the user's wallet.</summary>
    Research,
}

/// <summary>The reason codes written on receipts: the failure policy of DESIGN §5, in one word each.</summary>
public static class ReceiptReasons
{
    public const string Completed = "completed";
    public const string UpstreamError = "upstream_error";
    public const string UpstreamTimeout = "upstream_timeout";
    public const string AnswerTooLarge = "answer_too_large";
    public const string UpstreamCut = "upstream_cut";
    public const string ClientCancelled = "client_cancelled";
    public const string InsufficientBalance = "insufficient_balance";
    public const string SpendLimitReached = "key_spend_limit_reached";
    public const string BudgetExceeded = Budgets.BudgetErrors.ExceededCode;
    public const string CappedAtHold = "capped_at_hold";
    public const string HoldExpired = "hold_expired";
    public const string ResearchAllowanceExhausted = "research_allowance_exhausted";
    public const string NoHealthyRoute = "no_healthy_route";

    /// <summary>Refusals by a limit the caller set (a key's spend limit, a budget): they hold on every route, so no other route is tried.</summary>
    public static bool IsCallerLimit(string reason) => reason is SpendLimitReached or BudgetExceeded;

    /// <summary>A sentence for each reason, for receipt pages.</summary>
    public static string Describe(string reason) => reason switch
    {
        Completed => "Completed; charged for the usage the upstream reported (or counted locally when flagged estimated).",
        UpstreamError => "The upstream failed before the first byte: free, the hold was voided.",
        UpstreamTimeout => "The upstream did not answer in time, before the first byte: free, the hold was voided.",
        AnswerTooLarge => "The upstream's answer was larger than the route's answer limit: it was cut off while being read and not delivered; free, the hold was voided.",
        UpstreamCut => "The upstream stopped after output began: charged for the prompt and the output delivered (counted locally).",
        ClientCancelled => "The caller cancelled: charged for the prompt and the output delivered so far.",
        InsufficientBalance => "No balance that may pay this route could cover the worst case: nothing was charged.",
        SpendLimitReached => "The API key's spend limit would have been passed: nothing was charged.",
        BudgetExceeded => "A daily, weekly or monthly budget of the key or the account could not cover the worst case: nothing was charged.",
        CappedAtHold => "The upstream reported more usage than the worst case held: charged the hold, no more.",
        HoldExpired => "The request outlived its hold, which expired: nothing was charged.",
        ResearchAllowanceExhausted => "Today's free research allowance could not cover the worst case: nothing was charged.",
        NoHealthyRoute => "Every route that could serve the request was unavailable (circuit open, or its upstream asked to wait): nothing was charged.",
        _ => reason,
    };
}

/// <summary>
/// A receipt (DESIGN §7): one billed or failed gateway request, written in the same transaction as the
/// ledger transfers that charged it, whose references point back here.
/// </summary>
public sealed class RequestRecord
{
    private readonly List<RequestCharge> _charges = [];
    private readonly List<RequestAttempt> _attempts = [];

    private RequestRecord() { }

    public RequestRecord(Guid id, string requestId, string userId, RequestSource source, string endpoint, string model, DateTime createdAt)
    {
        Id = id;
        RequestId = requestId;
        UserId = userId;
        Source = source;
        Endpoint = endpoint;
        Model = model;
        CreatedAt = createdAt;
        CompletedAt = createdAt;
    }

    public Guid Id { get; private set; }

    /// <summary>The <c>x-request-id</c> the caller saw.</summary>
    public string RequestId { get; private set; } = "";

    public DateTime CreatedAt { get; private set; }
    public DateTime CompletedAt { get; private set; }
    public string UserId { get; private set; } = "";
    public Guid? ApiKeyId { get; private set; }
    public string? ApiKeyPrefix { get; private set; }
    public RequestSource Source { get; private set; }

    /// <summary><c>chat.completions</c> or <c>embeddings</c>.</summary>
    public string Endpoint { get; private set; } = "";

    public string Model { get; private set; } = "";
    public Guid? RouteId { get; private set; }
    public string? RouteName { get; private set; }
    public RouteKind? RouteKind { get; private set; }
    public bool Simulated { get; private set; }
    public Guid? PriceSnapshotId { get; private set; }

    /// <summary>Basis points of the snapshot's prices the user paid (their price group's multiplier for the route's kind; 10,000 = 1×).</summary>
    public int PriceMultiplier { get; private set; } = PriceGroups.PriceGroup.OneTimes;

    /// <summary>The price group whose multiplier applied, when one did.</summary>
    public string? PriceGroup { get; private set; }
    public int PromptTokens { get; private set; }
    public int CompletionTokens { get; private set; }

    /// <summary>Prompt tokens read from a prompt cache (part of <see cref="PromptTokens"/>), charged at the cache-read price.</summary>
    public int CachedTokens { get; private set; }

    /// <summary>Prompt tokens written to a 5-minute cache (part of <see cref="PromptTokens"/>).</summary>
    public int CacheWrite5mTokens { get; private set; }

    /// <summary>Prompt tokens written to a 1-hour cache (part of <see cref="PromptTokens"/>).</summary>
    public int CacheWrite1hTokens { get; private set; }

    /// <summary>Output tokens spent on reasoning (part of <see cref="CompletionTokens"/>, charged as output).</summary>
    public int ReasoningTokens { get; private set; }

    /// <summary>The worst case that was held (µ); zero when no hold was placed.</summary>
    public long HoldAmount { get; private set; }

    /// <summary>
    /// The caller named no output limit and the balance could not cover the model's maximum: the output tokens held (over
    /// all choices) were lowered to this, what the balance covered. Null when not capped.
    /// </summary>
    public int? OutputCappedTo { get; private set; }

    /// <summary>What was charged (µ): the sum of <see cref="Charges"/>.</summary>
    public long Cost { get; private set; }

    /// <summary>The ledger transaction that posted (or voided) the hold.</summary>
    public Guid? LedgerTxId { get; private set; }

    public RequestStatus Status { get; private set; }
    public string Reason { get; private set; } = "";

    /// <summary>Token counts are ours, not the upstream's (it reported none, or output stopped early).</summary>
    public bool Estimated { get; private set; }

    public bool Stream { get; private set; }
    public int LatencyMs { get; private set; }
    public int? TimeToFirstTokenMs { get; private set; }
    public int? UpstreamStatus { get; private set; }
    public string? UpstreamError { get; private set; }
    public string? ClientIp { get; private set; }

    /// <summary>The grants that paid, one part each.</summary>
    public IReadOnlyList<RequestCharge> Charges => _charges;

    /// <summary>Every route tried or skipped, in order; the receipt's route is the last one tried.</summary>
    public IReadOnlyList<RequestAttempt> Attempts => _attempts;

    public void IssuedWith(Guid? keyId, string? keyPrefix, bool stream, string? clientIp)
    {
        ApiKeyId = keyId;
        ApiKeyPrefix = keyPrefix;
        Stream = stream;
        ClientIp = clientIp;
    }

    public void RoutedTo(RouteCandidate route)
    {
        RouteId = route.RouteId;
        RouteName = route.RouteName;
        RouteKind = route.Kind;
        Simulated = route.IsSimulated;
        PriceSnapshotId = route.Prices.SnapshotId;
    }

    public void PricedFor(PriceGroups.PriceTier tier)
    {
        if (RouteKind is not { } kind || tier.For(kind) == PriceGroups.PriceGroup.OneTimes) return;
        PriceMultiplier = tier.For(kind);
        PriceGroup = tier.Group;
    }

    public void Held(long amount) => HoldAmount = amount;

    public void CappedOutput(int? heldOutputTokens) => OutputCappedTo = heldOutputTokens;

    /// <summary>Notes one route attempt (or skip), in the order they happened.</summary>
    public void Tried(RouteCandidate route, AttemptResult result, int? upstreamStatus, string? error, int latencyMs, int? timeToFirstTokenMs)
    {
        _attempts.Add(new RequestAttempt(Guid.CreateVersion7(), Id, _attempts.Count, route.RouteId, route.RouteName, route.Kind, route.Prices.SnapshotId,
            result, upstreamStatus, error, latencyMs, timeToFirstTokenMs, charged: false));
    }

    public void Counted(TokenUsage usage, bool estimated)
    {
        var (read, write5m, write1h) = usage.CacheSplit();
        PromptTokens = usage.PromptTokens;
        CompletionTokens = usage.CompletionTokens;
        CachedTokens = read;
        CacheWrite5mTokens = write5m;
        CacheWrite1hTokens = write1h;
        ReasoningTokens = Math.Clamp(usage.ReasoningTokens, 0, Math.Max(usage.CompletionTokens, 0));
        Estimated = estimated;
    }

    public void Timed(int latencyMs, int? timeToFirstTokenMs)
    {
        LatencyMs = latencyMs;
        TimeToFirstTokenMs = timeToFirstTokenMs;
    }

    public void UpstreamFailed(int? status, string? error)
    {
        UpstreamStatus = status;
        UpstreamError = error is { Length: > 500 } ? error[..500] : error;
    }

    /// <summary>Closes the record with its outcome and the charge parts the ledger posted.</summary>
    public void Finish(RequestStatus status, string reason, Guid? ledgerTxId, IEnumerable<RequestCharge> charges, DateTime completedAt)
    {
        Status = status;
        Reason = reason;
        LedgerTxId = ledgerTxId;
        _charges.Clear();
        _charges.AddRange(charges);
        Cost = _charges.Sum(c => c.Amount);
        CompletedAt = completedAt;
        // What was charged is the usage of the last route actually called; every earlier attempt failed before output, for free.
        var served = _attempts.FindLastIndex(a => a.Result != AttemptResult.Skipped);
        if (Cost > 0 && served >= 0)
        {
            var a = _attempts[served];
            _attempts[served] = new RequestAttempt(a.Id, a.RequestRecordId, a.Position, a.RouteId, a.RouteName, a.RouteKind, a.PriceSnapshotId, a.Result,
                a.UpstreamStatus, a.Error, a.LatencyMs, a.TimeToFirstTokenMs, charged: true);
        }
    }
}

/// <summary>One grant's part of a receipt's cost, and the transfer that posted it.</summary>
public sealed class RequestCharge
{
    private RequestCharge() { }

    public RequestCharge(Guid id, Guid requestRecordId, int position, Guid grantId, string bucketKey, string sourceLabel, Guid transferId, long amount)
    {
        Id = id;
        Position = position;
        RequestRecordId = requestRecordId;
        GrantId = grantId;
        BucketKey = bucketKey;
        SourceLabel = sourceLabel;
        TransferId = transferId;
        Amount = amount;
    }

    public Guid Id { get; private set; }
    public Guid RequestRecordId { get; private set; }

    /// <summary>The part's place in the consumption order (0 drew first).</summary>
    public int Position { get; private set; }

    /// <summary>The grant that paid; <see cref="Guid.Empty"/> when a sponsor paid instead (the research allowance).</summary>
    public Guid GrantId { get; private set; }

    public string BucketKey { get; private set; } = "";
    public string SourceLabel { get; private set; } = "";
    public Guid TransferId { get; private set; }
    public long Amount { get; private set; }
}
