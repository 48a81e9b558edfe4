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
/// Per-route circuit breakers and rolling statistics. Each instance counts what it saw (<see cref="CircuitBreaker"/>);
/// when its breaker opens a circuit it tells every instance through <see cref="SharedCircuits"/>, and it skips a route
/// that any instance opened, or whose upstream asked any instance to wait. Half-open, the one probe is claimed in the
/// database, so it runs once across instances. Only opening, probing and closing touch the database; a request that finds
/// its routes closed reads memory only. The gateway asks <see cref="TryAcquireAsync"/> before using a route and reports every attempt.
/// </summary>
public sealed class RouteHealthMonitor(IOptions<CircuitBreakerOptions> options, SharedCircuits shared, TimeProvider time)
{
    private sealed class RouteState(CircuitBreaker breaker)
    {
        public readonly CircuitBreaker Breaker = breaker;
        public readonly Lock Gate = new();
        public readonly Queue<(DateTime At, AttemptOutcome Outcome)> Recent = new();
        public (int? Status, string? Message, DateTime At)? LastError;

        /// <summary>1 while this instance holds the shared half-open probe.</summary>
        public int ProbeClaimed;
    }

    private readonly ConcurrentDictionary<Guid, RouteState> _routes = new();
    private readonly ConcurrentQueue<(Guid RouteId, DateTime At)> _opened = new();

    private RouteState For(Guid routeId) => _routes.GetOrAdd(routeId, _ => new RouteState(new CircuitBreaker(options.Value, time)));

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async ValueTask<bool> TryAcquireAsync(Guid routeId, CancellationToken ct = default)
    {
        var state = For(routeId);
        var now = Now;
        if (shared.Get(routeId) is { } row)
        {
            if (row.BlockedUntil > now) return false;
            if (row.IsOpen)
            {
                if (row.OpenUntil > now) return false;
                if (row.ProbeOwner is { } owner && owner != shared.InstanceId && row.ProbeUntil > now) return false;
                // Half-open everywhere: one caller of this instance asks the database for the probe, the others are refused meanwhile.
                if (!state.Breaker.TryTakeProbeSlot()) return false;
                if (await shared.TryClaimProbeAsync(routeId, ct))
                {
                    Interlocked.Exchange(ref state.ProbeClaimed, 1);
                    return true;
                }
                state.Breaker.Release();
                return false;
            }
        }
        return state.Breaker.TryAcquire();
    }

    public async Task ReportAsync(Guid routeId, AttemptOutcome outcome, CancellationToken ct = default)
    {
        var state = For(routeId);
        var now = Now;
        lock (state.Gate)
        {
            state.Recent.Enqueue((now, outcome));
            while (state.Recent.Count > 0 && state.Recent.Peek().At <= now - TimeSpan.FromHours(1)) state.Recent.Dequeue();
            if (!outcome.Success) state.LastError = (outcome.UpstreamStatus, outcome.Error, now);
        }
        // A probe's outcome reaches the shared circuit before this instance's breaker frees its probe slot: freed first,
        // another caller here could claim the probe again (the row still names this instance) before the reopen lands.
        var probe = Interlocked.Exchange(ref state.ProbeClaimed, 0) == 1;
        var wasOpen = state.Breaker.State == CircuitState.Open;
        var opened = false;
        try
        {
            if (outcome.Success)
            {
                if (probe || shared.Get(routeId) is { IsOpen: true }) await shared.CloseAsync(routeId, ct);
                return;
            }
            if (probe) await shared.OpenAsync(routeId, now + options.Value.CoolDown, OpenReason(outcome), ct);
        }
        finally
        {
            if (outcome.Success) state.Breaker.ReportSuccess();
            else state.Breaker.ReportFailure(outcome.RetryAfter);
            opened = !wasOpen && state.Breaker.State == CircuitState.Open;
            if (opened) _opened.Enqueue((routeId, now));
        }
        if (outcome.RetryAfter is { } wait && wait > TimeSpan.Zero) await shared.BlockAsync(routeId, now + wait, ct);
        if (opened && !probe) await shared.OpenAsync(routeId, state.Breaker.OpenUntil, OpenReason(outcome), ct);
    }

    private static string OpenReason(AttemptOutcome outcome) =>
        $"Opened after repeated failures; the last: {(outcome.UpstreamStatus is { } status ? $"HTTP {status} " : "")}{outcome.Error}".TrimEnd();

    /// <summary>Another instance closed the circuit (its probe succeeded, or an admin reset it): this instance's count starts over.</summary>
    internal void ClosedElsewhere(Guid routeId)
    {
        if (_routes.TryGetValue(routeId, out var state) && state.Breaker.State != CircuitState.Closed) state.Breaker.Reset();
    }

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
        var (state, retryAt) = Effective(routeId, For(routeId));
        var reason = state switch
        {
            CircuitState.Open => $"Circuit open after repeated failures; next probe at {retryAt:yyyy-MM-dd HH:mm:ss} UTC.",
            CircuitState.HalfOpen => "Circuit half-open: another request is probing the route.",
            _ when retryAt is { } until => $"The upstream asked to wait (Retry-After) until {until:yyyy-MM-dd HH:mm:ss} UTC.",
            _ => "The route was unavailable.",
        };
        return (reason, retryAt);
    }

    /// <summary>An admin's reset, on every instance: closed, counters cleared, no wait.</summary>
    public async Task ResetAsync(Guid routeId, CancellationToken ct = default)
    {
        var state = For(routeId);
        state.Breaker.Reset();
        Interlocked.Exchange(ref state.ProbeClaimed, 0);
        await shared.ResetAsync(routeId, ct);
    }

    /// <summary>The circuit of a route as this instance treats it: the shared circuit when open, else this instance's own breaker.</summary>
    public CircuitState Circuit(Guid routeId) => Effective(routeId, _routes.GetValueOrDefault(routeId)).State;

    private (CircuitState State, DateTime? RetryAt) Effective(Guid routeId, RouteState? state)
    {
        var now = Now;
        var circuit = state?.Breaker.State ?? CircuitState.Closed;
        var retryAt = state?.Breaker.RetryAt;
        if (shared.Get(routeId) is { } row)
        {
            if (row.IsOpen) circuit = row.OpenUntil > now ? CircuitState.Open : CircuitState.HalfOpen;
            retryAt = Later(retryAt, Later(row.IsOpen && row.OpenUntil > now ? row.OpenUntil : null, row.BlockedUntil > now ? row.BlockedUntil : null));
        }
        return (circuit, retryAt);
    }

    private static DateTime? Later(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;

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
        var (circuit, retryAt) = Effective(routeId, state);
        return new RouteHealthSnapshot(routeId, circuit, retryAt, window.Count,
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
