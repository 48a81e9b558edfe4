using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;

namespace TokensForge.Core.Routing.Health;

/// <summary>
/// The <c>route_circuits</c> table seen from one instance: a snapshot read by <see cref="SharedStateRefresher"/> at most once
/// per <see cref="RoutingOptions.SharedStatePollInterval"/>, so the request path reads memory only, and the conditional
/// updates an instance makes when a circuit opens, a probe is claimed or a circuit closes. The database decides every
/// race: of two instances that claim the half-open probe at once, one update matches and the other finds the row taken.
/// A failed write is logged and ignored: the instance's own breaker still protects it, and the next refresh tells the truth.
/// </summary>
public sealed partial class SharedCircuits(IDbContextFactory<AppDbContext> contexts, TimeProvider time, IOptions<CircuitBreakerOptions> options,
    ILogger<SharedCircuits> log)
{
    private volatile IReadOnlyDictionary<Guid, RouteCircuit> _snapshot = new Dictionary<Guid, RouteCircuit>();
    private long _writes;

    /// <summary>Names this process in <see cref="RouteCircuit.ProbeOwner"/>.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public RouteCircuit? Get(Guid routeId) => _snapshot.GetValueOrDefault(routeId);

    /// <summary>Reads the whole table; returns the routes whose circuit was open in the previous snapshot and is closed now.</summary>
    public async Task<IReadOnlyList<Guid>> RefreshAsync(CancellationToken ct)
    {
        var writes = Interlocked.Read(ref _writes);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.RouteCircuits.AsNoTracking().ToDictionaryAsync(c => c.RouteId, ct);
        // A write of this instance landed meanwhile: the rows read may predate it, so keep the local view until the next read.
        if (Interlocked.Read(ref _writes) != writes) return [];
        var previous = _snapshot;
        _snapshot = rows;
        return previous.Values.Where(p => p.IsOpen && (!rows.TryGetValue(p.RouteId, out var row) || !row.IsOpen)).Select(p => p.RouteId).ToList();
    }

    /// <summary>
    /// Opens the circuit for every instance until <paramref name="until"/>, unless it is open already: another instance's
    /// cool-down stands, except when this instance's probe just failed or a lapsed half-open circuit fails again.
    /// </summary>
    public Task OpenAsync(Guid routeId, DateTime until, string reason, CancellationToken ct) => WriteAsync(routeId, async (db, now) =>
    {
        var me = InstanceId;
        reason = reason.Length > 300 ? reason[..300] : reason;
        await db.RouteCircuits
            .Where(c => c.RouteId == routeId && (!c.IsOpen || c.ProbeOwner == me || c.OpenUntil <= now && (c.ProbeOwner == null || c.ProbeUntil <= now)))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.IsOpen, true).SetProperty(c => c.OpenUntil, until).SetProperty(c => c.Reason, reason)
                .SetProperty(c => c.ProbeOwner, (string?)null).SetProperty(c => c.ProbeUntil, (DateTime?)null).SetProperty(c => c.UpdatedAt, now), ct);
    }, ct);

    /// <summary>Skips the route on every instance until <paramref name="until"/> (an upstream's Retry-After); a later wait wins.</summary>
    public Task BlockAsync(Guid routeId, DateTime until, CancellationToken ct) => WriteAsync(routeId, (db, now) =>
        db.RouteCircuits.Where(c => c.RouteId == routeId && (c.BlockedUntil == null || c.BlockedUntil < until))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.BlockedUntil, until).SetProperty(c => c.UpdatedAt, now), ct), ct);

    /// <summary>Claims the half-open probe of an open circuit whose cool-down passed; true for exactly one instance per probe.</summary>
    public async Task<bool> TryClaimProbeAsync(Guid routeId, CancellationToken ct)
    {
        var claimed = false;
        await WriteAsync(routeId, async (db, now) =>
        {
            var me = InstanceId;
            var lease = now + options.Value.ProbeLease;
            claimed = await db.RouteCircuits
                .Where(c => c.RouteId == routeId && c.IsOpen && c.OpenUntil <= now && (c.ProbeOwner == null || c.ProbeOwner == me || c.ProbeUntil <= now))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.ProbeOwner, me).SetProperty(c => c.ProbeUntil, lease).SetProperty(c => c.UpdatedAt, now), ct) == 1;
        }, ct, ensureRow: false);
        return claimed;
    }

    /// <summary>Closes an open circuit after a success, unless another instance holds its probe.</summary>
    public Task CloseAsync(Guid routeId, CancellationToken ct) => WriteAsync(routeId, (db, now) =>
    {
        var me = InstanceId;
        return db.RouteCircuits.Where(c => c.RouteId == routeId && c.IsOpen && (c.ProbeOwner == null || c.ProbeOwner == me || c.ProbeUntil <= now))
            .ExecuteUpdateAsync(s => Closing(s, now), ct);
    }, ct, ensureRow: false);

    /// <summary>An admin's reset: closed and no wait, on every instance.</summary>
    public Task ResetAsync(Guid routeId, CancellationToken ct) => WriteAsync(routeId, (db, now) =>
        db.RouteCircuits.Where(c => c.RouteId == routeId)
            .ExecuteUpdateAsync(s =>
            {
                Closing(s, now);
                s.SetProperty(c => c.BlockedUntil, (DateTime?)null);
            }, ct), ct, ensureRow: false);

    private static void Closing(UpdateSettersBuilder<RouteCircuit> s, DateTime now) => s.SetProperty(c => c.IsOpen, false).SetProperty(c => c.OpenUntil, (DateTime?)null).SetProperty(c => c.Reason, (string?)null)
            .SetProperty(c => c.ProbeOwner, (string?)null).SetProperty(c => c.ProbeUntil, (DateTime?)null).SetProperty(c => c.UpdatedAt, now);

    private async Task WriteAsync(Guid routeId, Func<AppDbContext, DateTime, Task> write, CancellationToken ct, bool ensureRow = true)
    {
        try
        {
            var now = time.GetUtcNow().UtcDateTime;
            await using var db = await contexts.CreateDbContextAsync(ct);
            if (ensureRow && !await db.RouteCircuits.AnyAsync(c => c.RouteId == routeId, ct))
            {
                db.RouteCircuits.Add(new RouteCircuit(routeId, now));
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateException ex) when (DbRaces.IsRace(ex))
                {
                    // Another instance inserted it first: the conditional update below decides.
                }
                db.ChangeTracker.Clear();
            }
            await write(db, now);
            Interlocked.Increment(ref _writes);
            var row = await db.RouteCircuits.AsNoTracking().FirstOrDefaultAsync(c => c.RouteId == routeId, ct);
            var copy = new Dictionary<Guid, RouteCircuit>(_snapshot);
            if (row is null) copy.Remove(routeId);
            else copy[routeId] = row;
            _snapshot = copy;
        }
        catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            LogWriteFailed(log, routeId, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The shared circuit of route {RouteId} could not be written; this instance's own breaker still applies")]
    private static partial void LogWriteFailed(ILogger log, Guid routeId, Exception ex);
}
