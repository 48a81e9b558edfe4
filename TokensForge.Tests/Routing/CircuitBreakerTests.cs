using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TokensForge.Core.Routing.Health;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Routing;

public sealed class CircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));

    private CircuitBreaker Breaker(int consecutive = 3, double rate = 0.5, int minimum = 10) =>
        new(new CircuitBreakerOptions { ConsecutiveFailures = consecutive, FailureRate = rate, MinimumRequests = minimum, CoolDown = TimeSpan.FromSeconds(30), Window = TimeSpan.FromMinutes(5) }, _time);

    [Fact]
    public void ConsecutiveFailures_OpenTheCircuit_UntilTheCoolDownEnds()
    {
        var breaker = Breaker(consecutive: 3);

        breaker.ReportFailure();
        breaker.ReportFailure();
        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.ReportFailure();

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.False(breaker.TryAcquire());
        Assert.Equal(_time.GetUtcNow().UtcDateTime.AddSeconds(30), breaker.RetryAt);
        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.False(breaker.TryAcquire());
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public void HalfOpen_LetsExactlyOneProbeThrough_SuccessCloses()
    {
        var breaker = Breaker(consecutive: 1);
        breaker.ReportFailure();
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.True(breaker.TryAcquire());
        Assert.False(breaker.TryAcquire());
        breaker.ReportSuccess();

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.True(breaker.TryAcquire());
        Assert.True(breaker.TryAcquire());
    }

    [Fact]
    public void HalfOpen_FailedProbe_ReopensForAnotherCoolDown()
    {
        var breaker = Breaker(consecutive: 1);
        breaker.ReportFailure();
        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.True(breaker.TryAcquire());
        breaker.ReportFailure();

        Assert.Equal(CircuitState.Open, breaker.State);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(breaker.TryAcquire());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.TryAcquire());
    }

    [Fact]
    public void FailureRateOverTheWindow_OpensWithoutConsecutiveFailures()
    {
        var breaker = Breaker(consecutive: 100, rate: 0.5, minimum: 10);

        for (var i = 0; i < 4; i++)
        {
            breaker.ReportSuccess();
            breaker.ReportFailure();
        }
        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.ReportSuccess();
        breaker.ReportFailure();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void FailureRate_OldOutcomesLeaveTheWindow()
    {
        var breaker = Breaker(consecutive: 100, rate: 0.5, minimum: 4);
        breaker.ReportFailure();
        breaker.ReportFailure();
        breaker.ReportSuccess();
        _time.Advance(TimeSpan.FromMinutes(6));

        breaker.ReportSuccess();
        breaker.ReportSuccess();
        breaker.ReportSuccess();
        breaker.ReportFailure();

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void RetryAfter_BlocksTheRouteForThatLong_ThenItIsUsableAgain()
    {
        var breaker = Breaker(consecutive: 10);

        breaker.ReportFailure(TimeSpan.FromSeconds(7));

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.False(breaker.TryAcquire());
        _time.Advance(TimeSpan.FromSeconds(7));
        Assert.True(breaker.TryAcquire());
    }

    [Fact]
    public void Reset_ClosesAnOpenCircuitAtOnce()
    {
        var breaker = Breaker(consecutive: 1);
        breaker.ReportFailure(TimeSpan.FromMinutes(1));

        breaker.Reset();

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.True(breaker.TryAcquire());
        Assert.Null(breaker.RetryAt);
    }

    [Fact]
    public async Task Monitor_Snapshot_ReportsRatesPercentilesAndLastError()
    {
        await using var db = await TestDatabase.CreateAsync(configure: s => s.Configure<CircuitBreakerOptions>(o => o.ConsecutiveFailures = 10), time: _time);
        var monitor = db.Get<RouteHealthMonitor>();
        var route = Guid.NewGuid();
        for (var i = 1; i <= 10; i++)
            await monitor.ReportAsync(route, new AttemptOutcome(true, TimeSpan.FromMilliseconds(i * 100), TimeSpan.FromMilliseconds(i * 10)));
        await monitor.ReportAsync(route, new AttemptOutcome(false, TimeSpan.FromMilliseconds(50), null, 502, "bad gateway"));
        _time.Advance(TimeSpan.FromMinutes(10));
        await monitor.ReportAsync(route, new AttemptOutcome(true, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(30)));

        var snapshot = monitor.Snapshot(route);

        // Only the last attempt is inside the 5-minute window; all twelve are inside the hour.
        Assert.Equal(1, snapshot.RequestsInWindow);
        Assert.Equal(1.0, snapshot.SuccessRate);
        Assert.Equal(TimeSpan.FromMilliseconds(300), snapshot.LatencyP50);
        Assert.Equal(12, snapshot.RequestsLastHour);
        Assert.Equal(502, snapshot.LastErrorStatus);
        Assert.Equal("bad gateway", snapshot.LastError);
        Assert.Equal(CircuitState.Closed, snapshot.Circuit);
    }

    [Fact]
    public void Percentile_NearestRank()
    {
        var values = Enumerable.Range(1, 20).Select(i => TimeSpan.FromMilliseconds(i)).ToList();

        Assert.Equal(TimeSpan.FromMilliseconds(10), RouteHealthMonitor.Percentile(values, 0.50));
        Assert.Equal(TimeSpan.FromMilliseconds(19), RouteHealthMonitor.Percentile(values, 0.95));
        Assert.Null(RouteHealthMonitor.Percentile([], 0.5));
    }
}
