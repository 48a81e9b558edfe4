using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Exports;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.TopUps;

namespace TokensForge.Core.Dashboard;

/// <summary>One line of a per-day chart: an amount (µ) per UTC day of the range, aligned with <see cref="AdminDashboard.Days"/>.</summary>
public sealed record DailySeries(string Key, string Name, IReadOnlyList<long> PerDay)
{
    public long Total => PerDay.Sum();
}

/// <summary>Requests through one route over the range; errors are requests that did not succeed in full.</summary>
public sealed record RouteTraffic(string Route, int Requests, int Failed, int Partial)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)(Failed + Partial) / Requests;
}

/// <summary>Holds not yet posted, voided or expired (looked for over the last day, as the metrics do).</summary>
public sealed record OpenHolds(int Count, long Amount, TimeSpan? OldestAge, int OlderThanFiveMinutes);

/// <summary>An account's charges over the range.</summary>
public sealed record TopUser(string UserId, string? Email, long Charged);

/// <summary>A model's requests and charges over the range (from receipts).</summary>
public sealed record TopModel(string Model, int Requests, long Charged);

/// <summary>Top-up orders waiting now: for the payment, or paid and waiting for their credit.</summary>
public sealed record PendingTopUps(int Pending, long PendingAmount, DateTime? OldestPendingAt, int PaidNotCredited);

/// <summary>The admin overview for an inclusive range of UTC days. Every amount comes from posted ledger transfers, every count from receipts (their daily rollups for final days).</summary>
public sealed record AdminDashboard(
    DateOnly From,
    DateOnly To,
    IReadOnlyList<DateOnly> Days,
    IReadOnlyList<DailySeries> Issued,
    IReadOnlyList<DailySeries> Charges,
    long Breakage,
    IReadOnlyList<RouteTraffic> Routes,
    OpenHolds Holds,
    IReadOnlyList<TopUser> TopUsers,
    IReadOnlyList<TopModel> TopModels,
    PendingTopUps TopUps)
{
    public long IssuedTotal => Issued.Sum(s => s.Total);
    public long ChargedTotal => Charges.Sum(s => s.Total);
    public int Requests => Routes.Sum(r => r.Requests);

    /// <summary>The issued total of one source (<see cref="AdminDashboardQueries.SourceKey"/>).</summary>
    public long IssuedBy(CreditKind kind) => Issued.FirstOrDefault(s => s.Key == AdminDashboardQueries.SourceKey(kind))?.Total ?? 0;

    /// <summary>Nothing was issued, charged or requested in the range.</summary>
    public bool IsQuiet => IssuedTotal == 0 && ChargedTotal == 0 && Breakage == 0 && Requests == 0;
}

/// <summary>
/// The admin overview's aggregates, summed in the database (rows per day × group come back, never per transfer).
/// Money is classified exactly as the reconciliation report classifies it (<see cref="ReconciliationService.Classify(TransferCode, GrantSource?)"/>),
/// over the same posted transfers of users' grant accounts, so the two agree for any range.
/// </summary>
public sealed class AdminDashboardQueries(IDbContextFactory<AppDbContext> contexts, TimeProvider time)
{
    public const int DefaultDays = 30;
    public const int MaxDays = 366;
    public const int TopCount = 5;

    /// <summary>How far back open holds are looked for (the sweeper expires older ones).</summary>
    public static readonly TimeSpan HoldWindow = TimeSpan.FromDays(1);

    /// <summary>The issuing sources in chart order.</summary>
    public static readonly IReadOnlyList<(CreditKind Kind, string Name)> Sources =
        [(CreditKind.Starter, "Starter"), (CreditKind.Campaign, "Campaign"), (CreditKind.TopUp, "Top-up"), (CreditKind.Adjustment, "Adjustment")];

    public static string SourceKey(CreditKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The default range: the last <see cref="DefaultDays"/> UTC days, today included.</summary>
    public (DateOnly From, DateOnly To) DefaultRange()
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return (today.AddDays(1 - DefaultDays), today);
    }

    public async Task<AdminDashboard> GetAsync(DateOnly from, DateOnly to, CancellationToken ct = default)
    {
        if (to < from) (from, to) = (to, from);
        if (to.DayNumber - from.DayNumber >= MaxDays) from = to.AddDays(1 - MaxDays);
        var range = ExportRange.Days(from, to);
        var (start, end) = (range.From, range.To);
        var days = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(from.AddDays).ToList();
        int DayIndex(DateTime date) => DateOnly.FromDateTime(date).DayNumber - from.DayNumber;

        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        // The reconciliation report's "posted": single-phase transfers and posts of holds.
        var posted = db.Transfers.Where(t => (t.Flags == TransferFlags.None || t.Flags == TransferFlags.PostPending) && t.CreatedAt >= start && t.CreatedAt < end);

        var issuedRows = await (
                from t in posted
                where t.Code == TransferCode.Grant || t.Code == TransferCode.Redeem || t.Code == TransferCode.TopUp || t.Code == TransferCode.Adjust
                join g in db.CreditGrants on t.CreditAccountId equals g.AccountId
                group t.Amount by new { t.CreatedAt.Date, g.Source, t.Code } into s
                select new { s.Key.Date, s.Key.Source, s.Key.Code, Amount = s.Sum() })
            .ToListAsync(ct);
        var issued = Sources.Select(source =>
        {
            var perDay = new long[days.Count];
            foreach (var row in issuedRows.Where(r => ReconciliationService.Classify(r.Code, r.Source) == source.Kind)) perDay[DayIndex(row.Date)] += row.Amount;
            return new DailySeries(SourceKey(source.Kind), source.Name, perDay);
        }).ToList();

        var debits = from t in posted
                     join g in db.CreditGrants on t.DebitAccountId equals g.AccountId
                     select new { t.CreatedAt, t.Code, t.Amount, t.CreditAccountId, g.BucketKey, g.UserId };
        var chargeRows = await debits.Where(d => d.Code == TransferCode.Charge)
            .GroupBy(d => new { d.CreatedAt.Date, d.BucketKey, Official = d.CreditAccountId == SystemAccounts.RevenueOfficialId })
            .Select(s => new { s.Key.Date, s.Key.BucketKey, s.Key.Official, Amount = s.Sum(d => d.Amount) })
            .ToListAsync(ct);
        var buckets = await db.Buckets.OrderBy(b => b.SortOrder).Select(b => new { b.Key, b.DisplayName }).ToListAsync(ct);
        var charges = new List<DailySeries>();
        foreach (var bucket in buckets)
        {
            foreach (var official in (ReadOnlySpan<bool>)[true, false])
            {
                var rows = chargeRows.Where(r => r.BucketKey == bucket.Key && r.Official == official).ToList();
                if (rows.Count == 0) continue;
                var perDay = new long[days.Count];
                foreach (var row in rows) perDay[DayIndex(row.Date)] += row.Amount;
                charges.Add(new DailySeries($"{bucket.Key}:{(official ? "official" : "routed")}", $"{bucket.DisplayName} · {(official ? "official" : "routed")}", perDay));
            }
        }

        var breakage = await debits.Where(d => d.Code == TransferCode.Expire).SumAsync(d => (long?)d.Amount, ct) ?? 0;

        var topUserRows = await debits.Where(d => d.Code == TransferCode.Charge)
            .GroupBy(d => d.UserId).Select(s => new { UserId = s.Key, Charged = s.Sum(d => d.Amount) })
            .OrderByDescending(u => u.Charged).ThenBy(u => u.UserId).Take(TopCount).ToListAsync(ct);
        var ids = topUserRows.Select(u => u.UserId).ToList();
        var emails = await db.Users.Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email, ct);
        var topUsers = topUserRows.Select(u => new TopUser(u.UserId, emails.GetValueOrDefault(u.UserId), u.Charged)).ToList();

        // Request counts and receipt costs per day: the daily rollups for final days, the receipts for the days after them.
        var split = await DailyRollups.CompleteBeforeAsync(db, ct) is { } rolled ? (rolled < from ? from : rolled > to.AddDays(1) ? to.AddDays(1) : rolled) : from;
        var splitAt = split.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var rolledUp = db.DailyRollups.Where(r => r.Day >= from && r.Day < split && r.Bucket == "");
        var receipts = db.RequestRecords.Where(r => r.CreatedAt >= (splitAt > start ? splitAt : start) && r.CreatedAt < end);
        var routeRows = (await rolledUp.GroupBy(r => r.Route)
                .Select(s => new { RouteName = s.Key, Requests = s.Sum(r => r.Requests), Failed = s.Sum(r => r.Failed), Partial = s.Sum(r => r.Partial) }).ToListAsync(ct))
            .Select(r => (Route: r.RouteName.Length == 0 ? null : r.RouteName, r.Requests, r.Failed, r.Partial)).ToList();
        routeRows.AddRange((await receipts.GroupBy(r => new { r.RouteName, r.Status }).Select(s => new { s.Key.RouteName, s.Key.Status, Count = s.Count() }).ToListAsync(ct))
            .Select(r => (Route: r.RouteName, Requests: r.Count, Failed: r.Status == RequestStatus.Failed ? r.Count : 0, Partial: r.Status == RequestStatus.Partial ? r.Count : 0)));
        var routes = routeRows.GroupBy(r => r.Route ?? "(no route)")
            .Select(g => new RouteTraffic(g.Key, g.Sum(r => r.Requests), g.Sum(r => r.Failed), g.Sum(r => r.Partial)))
            .OrderByDescending(r => r.Requests).ThenBy(r => r.Route, StringComparer.Ordinal).ToList();
        var modelRows = (await rolledUp.GroupBy(r => r.Model).Select(s => new { Model = s.Key, Requests = s.Sum(r => r.Requests), Charged = s.Sum(r => r.Cost) }).ToListAsync(ct))
            .Select(m => (m.Model, m.Requests, m.Charged)).ToList();
        modelRows.AddRange((await receipts.GroupBy(r => r.Model).Select(s => new { Model = s.Key, Requests = s.Count(), Charged = s.Sum(r => r.Cost) }).ToListAsync(ct))
            .Select(m => (m.Model, m.Requests, m.Charged)));
        var topModels = modelRows.GroupBy(m => m.Model).Select(g => (Model: g.Key, Requests: g.Sum(m => m.Requests), Charged: g.Sum(m => m.Charged)))
            .OrderByDescending(m => m.Charged).ThenByDescending(m => m.Requests).ThenBy(m => m.Model, StringComparer.Ordinal).Take(TopCount)
            .Select(m => new TopModel(m.Model, m.Requests, m.Charged)).ToList();

        var now = time.GetUtcNow().UtcDateTime;
        var since = now - HoldWindow;
        var open = db.Transfers.Where(t => t.CreatedAt >= since && t.Flags == TransferFlags.Pending && !db.Transfers.Any(r => r.PendingId == t.Id));
        var holdRows = await open.Select(t => new { t.Amount, t.CreatedAt }).ToListAsync(ct);
        var holds = new OpenHolds(holdRows.Count, holdRows.Sum(h => h.Amount),
            holdRows.Count == 0 ? null : now - holdRows.Min(h => h.CreatedAt), holdRows.Count(h => now - h.CreatedAt > TimeSpan.FromMinutes(5)));

        var pending = db.TopUpOrders.Where(o => o.Status == TopUpStatus.Pending);
        var topUps = new PendingTopUps(await pending.CountAsync(ct), await pending.SumAsync(o => (long?)o.Amount, ct) ?? 0,
            await pending.MinAsync(o => (DateTime?)o.CreatedAt, ct), await db.TopUpOrders.CountAsync(o => o.Status == TopUpStatus.Paid, ct));

        return new AdminDashboard(from, to, days, issued, charges, breakage, routes, holds, topUsers, topModels, topUps);
    }
}
