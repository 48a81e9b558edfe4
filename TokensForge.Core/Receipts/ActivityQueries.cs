using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Receipts;

/// <summary>A bucket's spend over the range, for the legend and totals.</summary>
public sealed record ActivityBucket(string Key, string Name, long Total);

/// <summary>One UTC day: what each bucket paid, aligned with <see cref="ActivityReport.Buckets"/>.</summary>
public sealed record ActivityDay(DateOnly Day, IReadOnlyList<long> ByBucket)
{
    public long Total => ByBucket.Sum();
}

/// <summary>A model's spend over the range.</summary>
public sealed record ActivityModel(string Model, long Total);

/// <summary>A key's spend over the range; <see cref="KeyId"/> null for requests made without a key (playground, research).</summary>
public sealed record ActivityKey(Guid? KeyId, string Name, RequestSource Source, long Total);

/// <summary>A bucket's posted balance at the end of each UTC day of the range, aligned with <see cref="ActivityReport.Days"/>.</summary>
public sealed record ActivityBalance(string Key, string Name, IReadOnlyList<long> EndOfDay);

/// <summary>A user's spend per UTC day over an inclusive range of days, by bucket, by model and by key, and the balance per bucket (µ).</summary>
public sealed record ActivityReport(DateOnly From, DateOnly To, IReadOnlyList<ActivityBucket> Buckets, IReadOnlyList<ActivityDay> Days, IReadOnlyList<ActivityModel> Models,
    IReadOnlyList<ActivityKey>? Keys = null, IReadOnlyList<ActivityBalance>? Balances = null)
{
    public long Total => Buckets.Sum(b => b.Total);
    public bool IsEmpty => Buckets.Count == 0;
}

/// <summary>The Activity chart's numbers: the daily rollups of one user's receipts' paid-by parts, and the receipts themselves for the days not rolled up yet.</summary>
public sealed class ActivityQueries(IDbContextFactory<AppDbContext> contexts, TimeProvider time)
{
    /// <summary>The longest range one report covers.</summary>
    public const int MaxDays = 366;

    public const int DefaultDays = 30;

    /// <summary>The default range: the last <see cref="DefaultDays"/> UTC days, today included.</summary>
    public (DateOnly From, DateOnly To) DefaultRange()
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return (today.AddDays(1 - DefaultDays), today);
    }

    /// <summary>Spend of <paramref name="userId"/> from the start of <paramref name="from"/> to the end of <paramref name="to"/> (UTC days).</summary>
    public async Task<ActivityReport> GetAsync(string userId, DateOnly from, DateOnly to, CancellationToken ct = default)
    {
        if (to < from) (from, to) = (to, from);
        if (to.DayNumber - from.DayNumber >= MaxDays) from = to.AddDays(1 - MaxDays);
        var end = to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

        await using var db = await contexts.CreateDbContextAsync(ct);
        // Final days come from the daily rollups; the days after them (today, and a day not yet rolled) from the receipts.
        // Either way summed in SQL per (day, bucket, model): at most days × buckets × models rows come back.
        // A sponsor's part (the research allowance, no grant) is not the user's money and is left out.
        var split = await DailyRollups.CompleteBeforeAsync(db, ct) is { } rolled ? Clamp(rolled, from, to.AddDays(1)) : from;
        var splitAt = split.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var rows = (await db.DailyRollups.AsNoTracking()
                .Where(r => r.UserId == userId && r.Day >= from && r.Day < split && r.Bucket != "" && r.Cost != 0)
                .GroupBy(r => new { r.Day, r.Bucket, r.Model })
                .Select(g => new { g.Key.Day, g.Key.Bucket, g.Key.Model, Amount = g.Sum(r => r.Cost) })
                .ToListAsync(ct))
            .Select(r => (r.Day, BucketKey: r.Bucket, r.Model, r.Amount)).ToList();
        if (splitAt < end)
        {
            rows.AddRange((await (
                    from c in db.RequestCharges.AsNoTracking()
                    join r in db.RequestRecords.AsNoTracking() on c.RequestRecordId equals r.Id
                    where r.UserId == userId && r.CreatedAt >= splitAt && r.CreatedAt < end && c.GrantId != Guid.Empty && c.Amount != 0
                    group c.Amount by new { r.CreatedAt.Date, c.BucketKey, r.Model } into g
                    select new { g.Key.Date, g.Key.BucketKey, g.Key.Model, Amount = g.Sum() })
                .ToListAsync(ct)).Select(r => (Day: DateOnly.FromDateTime(r.Date), r.BucketKey, r.Model, r.Amount)));
        }
        var start = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        // Per key from the receipts themselves (the rollups are per user, model, route and bucket, not per key).
        var byKey = await (
                from c in db.RequestCharges.AsNoTracking()
                join r in db.RequestRecords.AsNoTracking() on c.RequestRecordId equals r.Id
                where r.UserId == userId && r.CreatedAt >= start && r.CreatedAt < end && c.GrantId != Guid.Empty && c.Amount != 0
                group c.Amount by new { r.ApiKeyId, r.Source } into g
                select new { g.Key.ApiKeyId, g.Key.Source, Amount = g.Sum() })
            .ToListAsync(ct);
        var known = await db.Buckets.AsNoTracking().OrderBy(b => b.SortOrder).Select(b => new { b.Key, b.DisplayName }).ToListAsync(ct);
        var balances = await BalancesAsync(db, userId, from, to, start, end, known.Select(b => (b.Key, b.DisplayName)).ToList(), ct);
        if (rows.Count == 0) return new ActivityReport(from, to, [], [], [], [], balances);

        var used = rows.Select(r => r.BucketKey).ToHashSet();
        var order = known.Where(b => used.Contains(b.Key)).Select(b => (b.Key, Name: b.DisplayName))
            .Concat(used.Where(k => known.All(b => b.Key != k)).Order().Select(k => (Key: k, Name: k)))
            .ToList();
        var index = order.Select((b, i) => (b.Key, i)).ToDictionary(x => x.Key, x => x.i);

        var perDay = new long[to.DayNumber - from.DayNumber + 1, order.Count];
        foreach (var row in rows)
            perDay[row.Day.DayNumber - from.DayNumber, index[row.BucketKey]] += row.Amount;
        var days = Enumerable.Range(0, perDay.GetLength(0))
            .Select(d => new ActivityDay(from.AddDays(d), Enumerable.Range(0, order.Count).Select(b => perDay[d, b]).ToList()))
            .ToList();
        var buckets = order.Select((b, i) => new ActivityBucket(b.Key, b.Name, days.Sum(d => d.ByBucket[i]))).ToList();
        var models = rows.GroupBy(r => r.Model).Select(g => new ActivityModel(g.Key, g.Sum(r => r.Amount)))
            .OrderByDescending(m => m.Total).ThenBy(m => m.Model, StringComparer.Ordinal).ToList();
        var keyIds = byKey.Where(r => r.ApiKeyId != null).Select(r => r.ApiKeyId!.Value).Distinct().ToList();
        var keyNames = await db.ApiKeys.AsNoTracking().Where(k => keyIds.Contains(k.Id)).ToDictionaryAsync(k => k.Id, k => k.Name, ct);
        var keys = byKey.GroupBy(r => (r.ApiKeyId, r.Source))
            .Select(g => new ActivityKey(g.Key.ApiKeyId, g.Key.ApiKeyId is { } id ? keyNames.GetValueOrDefault(id, "deleted key") : g.Key.Source.ToString(),
                g.Key.Source, g.Sum(r => r.Amount)))
            .OrderByDescending(k => k.Total).ThenBy(k => k.Name, StringComparer.Ordinal).ToList();
        return new ActivityReport(from, to, buckets, days, models, keys, balances);
    }

    /// <summary>
    /// Each bucket's posted balance at the end of every day: the sum of posted transfers into and out of the user's
    /// grants before the range, then one sum per (day, bucket) inside it, added up in order. Holds are not posted and
    /// do not move it.
    /// </summary>
    private static async Task<IReadOnlyList<ActivityBalance>> BalancesAsync(AppDbContext db, string userId, DateOnly from, DateOnly to, DateTime start,
        DateTime end, IReadOnlyList<(string Key, string Name)> known, CancellationToken ct)
    {
        var grants = db.CreditGrants.AsNoTracking().Where(g => g.UserId == userId);
        var posted = db.Transfers.AsNoTracking().Where(t => t.Flags == TransferFlags.None || t.Flags == TransferFlags.PostPending);
        var moves = (from t in posted join g in grants on t.CreditAccountId equals g.AccountId select new { t.CreatedAt, g.BucketKey, t.Amount })
            .Concat(from t in posted join g in grants on t.DebitAccountId equals g.AccountId select new { t.CreatedAt, g.BucketKey, Amount = -t.Amount });
        var opening = await moves.Where(m => m.CreatedAt < start).GroupBy(m => m.BucketKey)
            .Select(g => new { BucketKey = g.Key, Amount = g.Sum(m => m.Amount) }).ToListAsync(ct);
        var daily = await moves.Where(m => m.CreatedAt >= start && m.CreatedAt < end).GroupBy(m => new { m.CreatedAt.Date, m.BucketKey })
            .Select(g => new { g.Key.Date, g.Key.BucketKey, Amount = g.Sum(m => m.Amount) }).ToListAsync(ct);

        var used = opening.Select(o => o.BucketKey).Concat(daily.Select(d => d.BucketKey)).ToHashSet();
        var dayCount = to.DayNumber - from.DayNumber + 1;
        return known.Where(b => used.Contains(b.Key)).Select(b =>
        {
            var balance = opening.Where(o => o.BucketKey == b.Key).Sum(o => o.Amount);
            var deltas = daily.Where(d => d.BucketKey == b.Key).ToDictionary(d => DateOnly.FromDateTime(d.Date).DayNumber - from.DayNumber, d => d.Amount);
            var endOfDay = new long[dayCount];
            for (var d = 0; d < dayCount; d++) endOfDay[d] = balance += deltas.GetValueOrDefault(d);
            return new ActivityBalance(b.Key, b.Name, endOfDay);
        }).ToList();
    }

    private static DateOnly Clamp(DateOnly day, DateOnly min, DateOnly max) => day < min ? min : day > max ? max : day;
}
