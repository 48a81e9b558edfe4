namespace TokensForge.Core.Routing.Health;

/// <summary>The three states of a route's circuit.</summary>
public enum CircuitState
{
    /// <summary>Requests flow.</summary>
    Closed,

    /// <summary>Requests skip the route until the cool-down ends.</summary>
    Open,

    /// <summary>The cool-down ended: one probe request may try; its outcome closes or reopens the circuit.</summary>
    HalfOpen,
}

/// <summary>
/// One route's circuit breaker. Thread-safe; time comes from <see cref="TimeProvider"/> so transitions are testable.
/// It counts what this instance saw; <see cref="RouteHealthMonitor"/> shares its openings with the other instances.
/// </summary>
public sealed class CircuitBreaker(CircuitBreakerOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Queue<(DateTime At, bool Success)> _window = new();
    private CircuitState _state = CircuitState.Closed;
    private int _consecutiveFailures;
    private DateTime _openUntil;
    private DateTime _blockedUntil;
    private bool _probeInFlight;

    public CircuitState State
    {
        get
        {
            lock (_gate) return CurrentState(Now);
        }
    }

    /// <summary>When an open circuit lets a probe through, or when an upstream's Retry-After ends; null when neither applies.</summary>
    public DateTime? RetryAt
    {
        get
        {
            lock (_gate)
            {
                var now = Now;
                var open = CurrentState(now) == CircuitState.Open ? _openUntil : (DateTime?)null;
                var blocked = _blockedUntil > now ? _blockedUntil : (DateTime?)null;
                return (open, blocked) switch
                {
                    ({ } o, { } b) => o > b ? o : b,
                    ({ } o, null) => o,
                    (null, { } b) => b,
                    _ => null,
                };
            }
        }
    }

    /// <summary>
    /// Whether a request may use the route now. In half-open only one caller gets <c>true</c> (the probe) until it reports.
    /// </summary>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            var now = Now;
            if (_blockedUntil > now) return false;
            switch (CurrentState(now))
            {
                case CircuitState.Closed:
                    return true;
                case CircuitState.HalfOpen when !_probeInFlight:
                    _state = CircuitState.HalfOpen;
                    _probeInFlight = true;
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>When the circuit lets a probe through after it last opened.</summary>
    public DateTime OpenUntil
    {
        get
        {
            lock (_gate) return _openUntil;
        }
    }

    /// <summary>
    /// Takes the one probe slot whatever this breaker's own state (the circuit is half-open on another instance's count);
    /// false while another caller holds it. The caller reports or <see cref="Release"/>s as after <see cref="TryAcquire"/>.
    /// </summary>
    public bool TryTakeProbeSlot()
    {
        lock (_gate)
        {
            if (_probeInFlight) return false;
            _probeInFlight = true;
            return true;
        }
    }

    public void ReportSuccess()
    {
        lock (_gate)
        {
            Record(true);
            _consecutiveFailures = 0;
            _probeInFlight = false;
            _state = CircuitState.Closed;
        }
    }

    /// <summary>Records a failure; <paramref name="retryAfter"/> (an upstream 429's Retry-After) blocks the route for that long.</summary>
    public void ReportFailure(TimeSpan? retryAfter = null)
    {
        lock (_gate)
        {
            var now = Now;
            Record(false);
            _consecutiveFailures++;
            if (retryAfter is { } wait && wait > TimeSpan.Zero) _blockedUntil = now + wait;

            var wasProbe = _probeInFlight;
            _probeInFlight = false;
            if (wasProbe || _consecutiveFailures >= options.ConsecutiveFailures || RateExceeded())
            {
                _state = CircuitState.Open;
                _openUntil = now + options.CoolDown;
            }
        }
    }

    /// <summary>
    /// A call that got <c>true</c> from <see cref="TryAcquire"/> ended without saying anything about the upstream (the caller
    /// left, or the request was never sent): frees the half-open probe slot, changes nothing else.
    /// </summary>
    public void Release()
    {
        lock (_gate) _probeInFlight = false;
    }

    /// <summary>An admin's reset: closed, counters cleared.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _state = CircuitState.Closed;
            _consecutiveFailures = 0;
            _probeInFlight = false;
            _blockedUntil = default;
            _window.Clear();
        }
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private CircuitState CurrentState(DateTime now) =>
        _state == CircuitState.Open && now >= _openUntil ? CircuitState.HalfOpen : _state;

    private void Record(bool success)
    {
        var now = Now;
        _window.Enqueue((now, success));
        while (_window.Count > 0 && _window.Peek().At <= now - options.Window) _window.Dequeue();
    }

    private bool RateExceeded()
    {
        if (_window.Count < options.MinimumRequests) return false;
        var failures = _window.Count(o => !o.Success);
        return failures >= options.FailureRate * _window.Count;
    }
}
