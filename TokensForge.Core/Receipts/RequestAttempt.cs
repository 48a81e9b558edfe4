using TokensForge.Core.Routing;

namespace TokensForge.Core.Receipts;

/// <summary>How one route attempt of a request ended.</summary>
public enum AttemptResult
{
    /// <summary>The upstream answered in full.</summary>
    Completed,

    /// <summary>The upstream failed before the first byte (connection error, error status, broken body).</summary>
    Failed,

    /// <summary>The upstream sent nothing within the route's timeout.</summary>
    TimedOut,

    /// <summary>Output had reached the caller when the upstream stopped; not retried.</summary>
    Cut,

    /// <summary>The caller went away.</summary>
    Cancelled,

    /// <summary>The route was not called: its circuit was open, or its upstream had asked to wait (429 Retry-After).</summary>
    Skipped,
}

/// <summary>
/// One route the gateway tried (or skipped) for a request, in order. Written with the receipt, append-only.
/// Only the last attempt that produced output can be charged; a failed attempt's hold is voided.
/// </summary>
public sealed class RequestAttempt
{
    private RequestAttempt() { }

    public RequestAttempt(Guid id, Guid requestRecordId, int position, Guid routeId, string routeName, RouteKind routeKind, Guid? priceSnapshotId,
        AttemptResult result, int? upstreamStatus, string? error, int latencyMs, int? timeToFirstTokenMs, bool charged)
    {
        Id = id;
        RequestRecordId = requestRecordId;
        Position = position;
        RouteId = routeId;
        RouteName = routeName;
        RouteKind = routeKind;
        PriceSnapshotId = priceSnapshotId;
        Result = result;
        UpstreamStatus = upstreamStatus;
        Error = error is { Length: > MaxErrorLength } ? error[..MaxErrorLength] : error;
        LatencyMs = latencyMs;
        TimeToFirstTokenMs = timeToFirstTokenMs;
        Charged = charged;
    }

    public const int MaxErrorLength = 500;

    public Guid Id { get; private set; }
    public Guid RequestRecordId { get; private set; }

    /// <summary>0 was tried first.</summary>
    public int Position { get; private set; }

    public Guid RouteId { get; private set; }
    public string RouteName { get; private set; } = "";
    public RouteKind RouteKind { get; private set; }
    public Guid? PriceSnapshotId { get; private set; }
    public AttemptResult Result { get; private set; }
    public int? UpstreamStatus { get; private set; }
    public string? Error { get; private set; }
    public int LatencyMs { get; private set; }
    public int? TimeToFirstTokenMs { get; private set; }

    /// <summary>This attempt's usage is what the receipt charged (never true for a failed or skipped attempt).</summary>
    public bool Charged { get; private set; }
}
