using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

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

/// <summary>A user's spend per UTC day over an inclusive range of days, by bucket and by model (µ).</summary>
public sealed record ActivityReport(DateOnly From, DateOnly To, IReadOnlyList<ActivityBucket> Buckets, IReadOnlyList<ActivityDay> Days, IReadOnlyList<ActivityModel> Models)
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
        if (rows.Count == 0) return new ActivityReport(from, to, [], [], []);

        var known = await db.Buckets.AsNoTracking().OrderBy(b => b.SortOrder).Select(b => new { b.Key, b.DisplayName }).ToListAsync(ct);
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
        return new ActivityReport(from, to, buckets, days, models);
    }

    private static DateOnly Clamp(DateOnly day, DateOnly min, DateOnly max) => day < min ? min : day > max ? max : day;
}
