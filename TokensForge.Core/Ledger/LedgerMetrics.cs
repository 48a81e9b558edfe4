using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Core.Gateway;
using TokensForge.Core.Telemetry;

namespace TokensForge.Core.Ledger;

/// <summary>
/// Open holds and the age of the oldest, read from the database when an exporter collects (never per request), at
/// most once a second for both gauges.
/// </summary>
/// <remarks>
/// Only holds created within <see cref="Window"/> are looked at, so the read is a range on the transfers' creation
/// index instead of a scan of the whole ledger: a hold lives at most <c>Gateway:HoldTimeout</c> before the sweeper
/// expires it, and a sweeper that stopped shows on <c>/readyz</c> long before a hold leaves the window.
/// </remarks>
public sealed class LedgerMetrics
{
    private readonly IDbContextFactory<AppDbContext> _contexts;
    private readonly TimeProvider _time;
    private readonly TimeSpan _window;
    private readonly Lock _gate = new();
    private (long At, int Open, double OldestSeconds)? _last;

    public LedgerMetrics(IMeterFactory meters, IDbContextFactory<AppDbContext> contexts, IOptions<GatewayOptions> gateway, TimeProvider time)
    {
        _contexts = contexts;
        _time = time;
        _window = TimeSpan.FromTicks(Math.Max(TimeSpan.FromDays(1).Ticks, gateway.Value.HoldTimeout.Ticks * 4));
        var meter = meters.Create(TelemetryNames.Meter);
        meter.CreateObservableGauge("tokensforge.holds.open", () => Read().Open, "{hold}", "Holds (pending transfers) not yet settled, voided or expired.");
        meter.CreateObservableGauge("tokensforge.holds.oldest_age", () => Read().OldestSeconds, "s", "Age of the oldest open hold; 0 when none is open.");
    }

    /// <summary>How far back open holds are looked for.</summary>
    public TimeSpan Window => _window;

    private (int Open, double OldestSeconds) Read()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (_last is { } last && _time.GetElapsedTime(last.At, now) < TimeSpan.FromSeconds(1)) return (last.Open, last.OldestSeconds);
            var utcNow = _time.GetUtcNow().UtcDateTime;
            var since = utcNow - _window;
            try
            {
                using var db = _contexts.CreateDbContext();
                var open = db.Transfers.AsNoTracking()
                    .Where(t => t.CreatedAt >= since && t.Flags == TransferFlags.Pending && !db.Transfers.Any(r => r.PendingId == t.Id));
                var count = open.Count();
                var oldest = count == 0 ? (DateTime?)null : open.Min(t => (DateTime?)t.CreatedAt);
                _last = (now, count, oldest is { } at ? Math.Max(0, (utcNow - at).TotalSeconds) : 0);
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.Data.Common.DbException)
            {
                // The database is away: keep the last figures (readiness reports the outage).
                _last = (now, _last?.Open ?? 0, _last?.OldestSeconds ?? 0);
            }
            return (_last.Value.Open, _last.Value.OldestSeconds);
        }
    }
}
