using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace TokensForge.Core.Routing.Health;

/// <summary>The outcome of one upstream attempt, as the gateway saw it.</summary>
public sealed record AttemptOutcome(bool Success, TimeSpan Latency, TimeSpan? TimeToFirstToken, int? UpstreamStatus = null, string? Error = null,
    TimeSpan? RetryAfter = null);

/// <summary>A route's health for the dashboard: rolling figures over the breaker's window plus the circuit.</summary>
public sealed record RouteHealthSnapshot(
    Guid RouteId,
    CircuitState Circuit,
    DateTime? RetryAt,
    int RequestsInWindow,
    double? SuccessRate,
    TimeSpan? LatencyP50,
    TimeSpan? LatencyP95,
    TimeSpan? TimeToFirstTokenP50,
    int RequestsLastHour,
    int? LastErrorStatus,
    string? LastError,
    DateTime? LastErrorAt);

/// <summary>
/// Per-route circuit breakers and rolling statistics, kept in memory by each instance (what this instance saw).
/// The gateway asks <see cref="TryAcquire"/> before using a route and reports every attempt.
/// </summary>
public sealed class RouteHealthMonitor(IOptions<CircuitBreakerOptions> options, TimeProvider time)
{
    private sealed class RouteState(CircuitBreaker breaker)
    {
        public readonly CircuitBreaker Breaker = breaker;
        public readonly Lock Gate = new();
        public readonly Queue<(DateTime At, AttemptOutcome Outcome)> Recent = new();
        public (int? Status, string? Message, DateTime At)? LastError;
    }

    private readonly ConcurrentDictionary<Guid, RouteState> _routes = new();

    private RouteState For(Guid routeId) => _routes.GetOrAdd(routeId, _ => new RouteState(new CircuitBreaker(options.Value, time)));

    public bool TryAcquire(Guid routeId) => For(routeId).Breaker.TryAcquire();

    public void Report(Guid routeId, AttemptOutcome outcome)
    {
        var state = For(routeId);
        var now = time.GetUtcNow().UtcDateTime;
        lock (state.Gate)
        {
            state.Recent.Enqueue((now, outcome));
            while (state.Recent.Count > 0 && state.Recent.Peek().At <= now - TimeSpan.FromHours(1)) state.Recent.Dequeue();
            if (!outcome.Success) state.LastError = (outcome.UpstreamStatus, outcome.Error, now);
        }
        var wasOpen = state.Breaker.State == CircuitState.Open;
        if (outcome.Success) state.Breaker.ReportSuccess();
        else state.Breaker.ReportFailure(outcome.RetryAfter);
        if (!wasOpen && state.Breaker.State == CircuitState.Open) _opened.Enqueue((routeId, now));
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<(Guid RouteId, DateTime At)> _opened = new();

    /// <summary>The circuits this instance opened since the last call, for the admins' notices.</summary>
    public IReadOnlyList<(Guid RouteId, DateTime At)> TakeOpened()
    {
        var opened = new List<(Guid, DateTime)>();
        while (_opened.TryDequeue(out var o)) opened.Add(o);
        return opened;
    }

    /// <summary>
    /// The upstream refused the caller's own request (malformed, too large, content refused): kept as the route's last
    /// error for the dashboard, but not counted by the circuit or the success rate, and a half-open probe slot is freed.
    /// </summary>
    public void ReportCallerFault(Guid routeId, AttemptOutcome outcome)
    {
        var state = For(routeId);
        lock (state.Gate) state.LastError = (outcome.UpstreamStatus, outcome.Error, time.GetUtcNow().UtcDateTime);
        state.Breaker.Release();
    }

    /// <summary>An acquired route was not called after all, or the call says nothing about the upstream (the caller left).</summary>
    public void Release(Guid routeId) => For(routeId).Breaker.Release();

    /// <summary>Why a route refuses requests now, as a sentence for receipts, and when it will take one again.</summary>
    public (string Reason, DateTime? RetryAt) Unavailability(Guid routeId)
    {
        var breaker = For(routeId).Breaker;
        var (state, retryAt) = (breaker.State, breaker.RetryAt);
        var reason = state switch
        {
            CircuitState.Open => $"Circuit open after repeated failures; next probe at {retryAt:yyyy-MM-dd HH:mm:ss} UTC.",
            CircuitState.HalfOpen => "Circuit half-open: another request is probing the route.",
            _ when retryAt is { } until => $"The upstream asked to wait (Retry-After) until {until:yyyy-MM-dd HH:mm:ss} UTC.",
            _ => "The route was unavailable.",
        };
        return (reason, retryAt);
    }

    public void Reset(Guid routeId) => For(routeId).Breaker.Reset();

    /// <summary>The circuit of a route; closed for a route this instance has not used yet.</summary>
    public CircuitState Circuit(Guid routeId) => _routes.TryGetValue(routeId, out var state) ? state.Breaker.State : CircuitState.Closed;

    public RouteHealthSnapshot Snapshot(Guid routeId)
    {
        var state = For(routeId);
        var now = time.GetUtcNow().UtcDateTime;
        List<(DateTime At, AttemptOutcome Outcome)> hour;
        (int? Status, string? Message, DateTime At)? lastError;
        lock (state.Gate)
        {
            hour = state.Recent.Where(r => r.At > now - TimeSpan.FromHours(1)).ToList();
            lastError = state.LastError;
        }
        var window = hour.Where(r => r.At > now - options.Value.Window).Select(r => r.Outcome).ToList();
        return new RouteHealthSnapshot(routeId, state.Breaker.State, state.Breaker.RetryAt, window.Count,
            window.Count == 0 ? null : window.Count(o => o.Success) / (double)window.Count,
            Percentile(window.Select(o => o.Latency), 0.50),
            Percentile(window.Select(o => o.Latency), 0.95),
            Percentile(window.Where(o => o.TimeToFirstToken is not null).Select(o => o.TimeToFirstToken!.Value), 0.50),
            hour.Count, lastError?.Status, lastError?.Message, lastError?.At);
    }

    /// <summary>Nearest-rank percentile; null for no data.</summary>
    internal static TimeSpan? Percentile(IEnumerable<TimeSpan> values, double p)
    {
        var sorted = values.OrderBy(v => v).ToList();
        if (sorted.Count == 0) return null;
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
