using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Receipts;

namespace TokensForge.Core.Routing.Health;

/// <summary>
/// A route's last hour across every instance, from the same records the metrics count: its receipts (what
/// <c>tokensforge_requests_total</c> counts per route and status), its attempts that failed (what the upstream latency
/// histogram records as errors) and the shared circuit (what <c>tokensforge_route_circuit_state</c> reports).
/// </summary>
public sealed record RouteClusterHealth(Guid RouteId, int Requests, int FailedRequests, int Attempts, int FailedAttempts, RouteCircuit? Circuit);

public sealed class RouteHealthQueries(IDbContextFactory<AppDbContext> contexts, TimeProvider time)
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);

    /// <summary>Every route that has receipts, attempts or a shared circuit, by route id.</summary>
    public async Task<IReadOnlyDictionary<Guid, RouteClusterHealth>> LastHourAsync(CancellationToken ct = default)
    {
        var since = time.GetUtcNow().UtcDateTime - Period;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var receipts = await db.RequestRecords.AsNoTracking().Where(r => r.CreatedAt >= since && r.RouteId != null)
            .GroupBy(r => r.RouteId!.Value)
            .Select(g => new { RouteId = g.Key, Requests = g.Count(), Failed = g.Count(r => r.Status == RequestStatus.Failed) })
            .ToDictionaryAsync(r => r.RouteId, ct);
        var attempts = await (
                from a in db.RequestAttempts.AsNoTracking()
                join r in db.RequestRecords.AsNoTracking() on a.RequestRecordId equals r.Id
                where r.CreatedAt >= since && a.Result != AttemptResult.Skipped && a.Result != AttemptResult.Cancelled
                group a.Result by a.RouteId into g
                select new { RouteId = g.Key, Attempts = g.Count(), Failed = g.Count(x => x == AttemptResult.Failed || x == AttemptResult.TimedOut || x == AttemptResult.Cut) })
            .ToDictionaryAsync(a => a.RouteId, ct);
        // The table itself rather than this instance's copy: the page is read rarely, and it should not lag by a poll.
        var shared = await db.RouteCircuits.AsNoTracking().ToDictionaryAsync(c => c.RouteId, ct);
        return receipts.Keys.Concat(attempts.Keys).Concat(shared.Keys).Distinct().ToDictionary(id => id, id => new RouteClusterHealth(id,
            receipts.GetValueOrDefault(id)?.Requests ?? 0, receipts.GetValueOrDefault(id)?.Failed ?? 0,
            attempts.GetValueOrDefault(id)?.Attempts ?? 0, attempts.GetValueOrDefault(id)?.Failed ?? 0, shared.GetValueOrDefault(id)));
    }
}
