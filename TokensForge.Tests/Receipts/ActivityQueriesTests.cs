using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Receipts.ReceiptTestData;

namespace TokensForge.Tests.Receipts;

public sealed class ActivityQueriesTests
{
    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task Get_SumsThePaidByPartsPerUtcDayAndBucket_OnlyTheUsers_WithinTheRange(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var (user, email) = await FundedUserAsync(db);
        var (other, _) = await FundedUserAsync(db);
        var from = DateOnly.FromDateTime(db.Time.GetUtcNow().UtcDateTime).AddDays(1);
        var to = from.AddDays(2);
        DateTime At(DateOnly day, int hour, int minute = 0, int second = 0) => day.ToDateTime(new TimeOnly(hour, minute, second), DateTimeKind.Utc);
        var receipts = db.Get<ReceiptQueries>();
        var inRange = new List<(DateOnly Day, Guid Id)>();

        async Task WriteAtAsync(DateTime at, string owner, long cost, string model = "gpt-4o-mini", bool counted = true)
        {
            db.Time.SetUtcNow(at);
            var id = await WriteAsync(db, owner, RequestStatus.Succeeded, cost, model: model);
            if (counted) inRange.Add((DateOnly.FromDateTime(at), id));
        }

        await WriteAtAsync(At(from.AddDays(-1), 23, 59, 59), user, 700, counted: false);
        // Then a small expiring starter grant is drawn first, so one request's cost is split across two buckets.
        var starter = await db.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest(email, Bucket.Starter, 300, At(to.AddDays(10), 0), "test", "test"));
        Assert.True(starter.Succeeded, starter.Error?.ToString());
        await WriteAtAsync(At(from, 0), user, 200);
        await WriteAtAsync(At(from, 9), user, 400);
        await WriteAtAsync(At(from, 10), other, 900, counted: false);
        await WriteAtAsync(At(from.AddDays(2), 23, 59, 58), user, 800, model: "gpt-4o");
        await WriteAtAsync(At(to.AddDays(1), 0), user, 999, counted: false);

        var report = await db.Get<ActivityQueries>().GetAsync(user, from, to);

        var parts = new List<(DateOnly Day, string Bucket, long Amount)>();
        foreach (var (day, id) in inRange)
            parts.AddRange((await receipts.GetAsync(id, user))!.PaidBy.Select(p => (day, p.BucketKey, p.Amount)));
        Assert.Equal([Bucket.Routed, Bucket.Starter], parts.Select(p => p.Bucket).Distinct().Order());
        Assert.Equal([Bucket.Routed, Bucket.Starter], report.Buckets.Select(b => b.Key).Order());
        Assert.Equal([from, from.AddDays(1), to], report.Days.Select(d => d.Day));
        for (var d = 0; d < report.Days.Count; d++)
            for (var b = 0; b < report.Buckets.Count; b++)
                Assert.Equal(parts.Where(p => p.Day == report.Days[d].Day && p.Bucket == report.Buckets[b].Key).Sum(p => p.Amount), report.Days[d].ByBucket[b]);
        Assert.Equal(1_400, report.Total);
        Assert.Equal("Starter balance", report.Buckets.Single(b => b.Key == Bucket.Starter).Name);
        Assert.Equal([0L, 0L], report.Days[1].ByBucket);
        Assert.Equal([("gpt-4o", 800L), ("gpt-4o-mini", 600L)], report.Models.Select(m => (m.Model, m.Total)));
        // The balance at each day's end is the ledger's: what the grants held before the range, less each day's posted charges.
        Assert.Equal([Bucket.Starter, Bucket.Routed], report.Balances!.Select(b => b.Key).Order().Reverse());
        foreach (var bucket in new[] { Bucket.Routed, Bucket.Starter })
        {
            var opening = bucket == Bucket.Routed ? 1_000_000 - 700 : 300;
            Assert.Equal(report.Days.Select(d => opening - parts.Where(p => p.Bucket == bucket && p.Day <= d.Day).Sum(p => p.Amount)),
                report.Balances!.Single(b => b.Key == bucket).EndOfDay);
        }
        Assert.Equal([(Guid?)null], report.Keys!.Select(k => k.KeyId));

        var others = await db.Get<ActivityQueries>().GetAsync(other, from, to);
        Assert.Equal(900, others.Total);
        var empty = await db.Get<ActivityQueries>().GetAsync(user, to.AddDays(5), to.AddDays(30));
        Assert.True(empty.IsEmpty);
    }
}
