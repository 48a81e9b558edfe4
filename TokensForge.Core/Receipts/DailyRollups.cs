using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Receipts;

/// <summary>What <c>rollups verify</c> found: the days compared and every row that differs from the receipts.</summary>
public sealed record RollupVerification(DateOnly? From, DateOnly? Until, int Rows, IReadOnlyList<string> Differences)
{
    public bool Ok => Differences.Count == 0;
}

/// <summary>
/// Builds <see cref="DailyRollup"/> rows from the receipts, a whole day at a time and only once the day is over for good: a
/// receipt is dated when its request started and written when it ends, at most a hold timeout later, so a day is final one
/// hold timeout (plus a minute) after its midnight. Rolling a day replaces its rows, so a rerun changes nothing; the
/// <see cref="RollupState"/> row is claimed by a conditional update, so of two instances rolling at once one backs off. The
/// receipt path never writes here. Readers use the rollups before <see cref="RollupState.CompleteBefore"/> and sum the
/// receipts themselves after it (today, at most a few days).
/// </summary>
public sealed class DailyRollups(IDbContextFactory<AppDbContext> contexts, TimeProvider time, IOptions<GatewayOptions> gateway) : IPeriodicSweep
{
    /// <summary>Days rolled by one sweep at most, so a first run over a long history does not hold one long transaction.</summary>
    public const int DaysPerSweep = 31;

    public string Name => "rollups";

    /// <summary>The first day that may still get receipts; every earlier day is final.</summary>
    public DateOnly FirstOpenDay() =>
        DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime - gateway.Value.HoldTimeout - TimeSpan.FromMinutes(1));

    /// <summary>The first day readers must sum from the receipts (null: every day).</summary>
    public static Task<DateOnly?> CompleteBeforeAsync(AppDbContext db, CancellationToken ct) =>
        db.RollupStates.AsNoTracking().Select(s => s.CompleteBefore).FirstOrDefaultAsync(ct);

    /// <summary>Rolls up the days that became final since the last run; the number of days rolled.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var done = await CompleteBeforeAsync(db, ct);
        var until = FirstOpenDay();
        var from = done ?? await FirstReceiptDayAsync(db, ct) ?? until;
        if (from >= until)
        {
            // Nothing final to roll; with no receipts yet, the empty days before now are complete as they are.
            if (done is null) await RollAsync(db, done, until, until, ct);
            return 0;
        }
        var to = from.AddDays(DaysPerSweep) < until ? from.AddDays(DaysPerSweep) : until;
        return await RollAsync(db, done, from, to, ct) ? to.DayNumber - from.DayNumber : 0;
    }

    /// <summary>
    /// Rolls every final day again from <paramref name="from"/> (default: the first receipt's day); the days rolled and the
    /// first day left to the receipts.
    /// </summary>
    public async Task<(int Days, DateOnly CompleteBefore)> RebuildAsync(DateOnly? from, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var done = await CompleteBeforeAsync(db, ct);
        // Days already rolled are rebuilt even if this clock says they are not final yet (another instance's clock said they were).
        var until = done is { } rolled && rolled > FirstOpenDay() ? rolled : FirstOpenDay();
        var start = from ?? await FirstReceiptDayAsync(db, ct) ?? until;
        // Days between what was rolled and the given start would be skipped: start no later than the rolled end.
        if (done is { } d && d < start) start = d;
        if (start > until) start = until;
        if (!await RollAsync(db, done, start, until, ct)) throw new InvalidOperationException("Another instance rolled up the same days meanwhile; run the rebuild again.");
        return (until.DayNumber - start.DayNumber, until);
    }

    /// <summary>Compares the rolled-up days (from <paramref name="from"/> on) with sums over the receipts, row by row.</summary>
    public async Task<RollupVerification> VerifyAsync(DateOnly? from, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await CompleteBeforeAsync(db, ct) is not { } until) return new RollupVerification(null, null, 0, []);
        var start = from ?? await db.DailyRollups.MinAsync(r => (DateOnly?)r.Day, ct) ?? await FirstReceiptDayAsync(db, ct) ?? until;
        var expected = (await ComputeAsync(db, start, until, ct)).ToDictionary(r => r.Key);
        var actual = await db.DailyRollups.AsNoTracking().Where(r => r.Day >= start && r.Day < until).ToListAsync(ct);
        var differences = new List<string>();
        foreach (var row in actual)
        {
            if (!expected.Remove(row.Key, out var should)) differences.Add($"extra row: {row}");
            else if (!row.SameTotals(should)) differences.Add($"differs: {row}; the receipts say {should}");
        }
        differences.AddRange(expected.Values.Select(missing => $"missing row: {missing}"));
        return new RollupVerification(start, until, actual.Count, differences);
    }

    private static async Task<DateOnly?> FirstReceiptDayAsync(AppDbContext db, CancellationToken ct) =>
        await db.RequestRecords.MinAsync(r => (DateTime?)r.CreatedAt, ct) is { } first ? DateOnly.FromDateTime(first) : null;

    /// <summary>Replaces the rows of [<paramref name="from"/>, <paramref name="until"/>) and marks them complete; false when another instance moved the state first.</summary>
    private static async Task<bool> RollAsync(AppDbContext db, DateOnly? done, DateOnly from, DateOnly until, CancellationToken ct)
    {
        var rows = from < until ? await ComputeAsync(db, from, until, ct) : [];
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var newEnd = done is { } d && d > until ? d : until;
        var claimed = await db.RollupStates.Where(s => s.Id == RollupState.SingletonId && s.CompleteBefore == done)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.CompleteBefore, newEnd), ct);
        if (claimed == 0)
        {
            await tx.RollbackAsync(ct);
            return false;
        }
        await db.DailyRollups.Where(r => r.Day >= from && r.Day < until).ExecuteDeleteAsync(ct);
        db.DailyRollups.AddRange(rows);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return true;
    }

    /// <summary>The rows of [<paramref name="from"/>, <paramref name="until"/>), summed in SQL (rows per day × user × model × route × bucket come back).</summary>
    internal static async Task<List<DailyRollup>> ComputeAsync(AppDbContext db, DateOnly from, DateOnly until, CancellationToken ct)
    {
        var start = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var end = until.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var requests = await db.RequestRecords.AsNoTracking().Where(r => r.CreatedAt >= start && r.CreatedAt < end)
            .GroupBy(r => new { r.CreatedAt.Date, r.UserId, r.Model, Route = r.RouteName ?? "" })
            .Select(g => new
            {
                g.Key.Date, g.Key.UserId, g.Key.Model, g.Key.Route,
                Requests = g.Count(),
                Failed = g.Count(r => r.Status == RequestStatus.Failed),
                Partial = g.Count(r => r.Status == RequestStatus.Partial),
                Prompt = g.Sum(r => (long)r.PromptTokens),
                Completion = g.Sum(r => (long)r.CompletionTokens),
                Cost = g.Sum(r => r.Cost),
            })
            .ToListAsync(ct);
        var parts = await (
                from c in db.RequestCharges.AsNoTracking()
                join r in db.RequestRecords.AsNoTracking() on c.RequestRecordId equals r.Id
                where r.CreatedAt >= start && r.CreatedAt < end && c.Amount != 0
                group new { c.Amount, Sponsored = c.GrantId == Guid.Empty } by new { r.CreatedAt.Date, r.UserId, r.Model, Route = r.RouteName ?? "", c.BucketKey } into g
                select new
                {
                    g.Key.Date, g.Key.UserId, g.Key.Model, g.Key.Route, g.Key.BucketKey,
                    Cost = g.Sum(x => x.Sponsored ? 0 : x.Amount),
                    Sponsored = g.Sum(x => x.Sponsored ? x.Amount : 0),
                })
            .ToListAsync(ct);

        var rows = requests.Select(r => new DailyRollup(DateOnly.FromDateTime(r.Date), r.UserId, r.Model, r.Route, "")
        {
            Requests = r.Requests, Failed = r.Failed, Partial = r.Partial, PromptTokens = r.Prompt, CompletionTokens = r.Completion, Cost = r.Cost,
        }).ToList();
        rows.AddRange(parts.Select(p => new DailyRollup(DateOnly.FromDateTime(p.Date), p.UserId, p.Model, p.Route, p.BucketKey)
        {
            Cost = p.Cost, SponsoredCost = p.Sponsored,
        }));
        return rows;
    }
}
