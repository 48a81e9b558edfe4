using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Retention;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Retention;

public sealed class RetentionSweeperTests
{
    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task Sweep_DeletesOnlyRowsOlderThanTheirConfiguredAge(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var now = db.Time.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var (alice, bob) = (await db.AddUserAsync(), await db.AddUserAsync());
        await using (var ctx = db.NewContext())
        {
            ctx.CodeAttempts.AddRange(new CodeAttempt(alice, null, "TF-OLD", now.AddDays(-91)), new CodeAttempt(alice, null, "TF-KEPT", now.AddDays(-89)));
            ctx.IdempotencyRecords.AddRange(
                new IdempotencyRecord(Guid.CreateVersion7(), alice, "old", "h", Guid.CreateVersion7(), false, now.AddDays(-8)),
                new IdempotencyRecord(Guid.CreateVersion7(), alice, "kept", "h", Guid.CreateVersion7(), false, now.AddDays(-6)));
            await ctx.SaveChangesAsync();
            await InsertDayAsync(ctx, alice, today.AddDays(-31), reserved: 0);
            await InsertDayAsync(ctx, bob, today.AddDays(-31), reserved: 500);
            await InsertDayAsync(ctx, alice, today.AddDays(-29), reserved: 0);
        }

        var deleted = await db.Get<RetentionSweeper>().RunOnceAsync();

        Assert.Equal(3, deleted);
        await using var after = db.NewContext();
        Assert.Equal(["TF-KEPT"], await after.CodeAttempts.Select(a => a.Input).ToListAsync());
        Assert.Equal(["kept"], await after.IdempotencyRecords.Select(r => r.Key).ToListAsync());
        var days = await after.ResearchAllowanceDays.OrderBy(d => d.Day).ThenBy(d => d.Reserved).Select(d => new { d.UserId, d.Day }).ToListAsync();
        Assert.Equal([new { UserId = bob, Day = today.AddDays(-31) }, new { UserId = alice, Day = today.AddDays(-29) }], days);
    }

    [Fact]
    public async Task Sweep_RunsAtMostOncePerInterval_AndAgainWhenTheClockMovesOn()
    {
        await using var db = await TestDatabase.CreateAsync();
        var sweeper = db.Get<RetentionSweeper>();
        var user = await db.AddUserAsync();
        Assert.Equal(0, await sweeper.RunOnceAsync());
        await AddAttemptAsync(db, user, db.Time.GetUtcNow().UtcDateTime.AddDays(-100));

        var soon = await sweeper.RunOnceAsync();
        db.Time.Advance(TimeSpan.FromHours(1));
        var anHourLater = await sweeper.RunOnceAsync();

        Assert.Equal((0, 1), (soon, anHourLater));
    }

    [Fact]
    public async Task Sweep_DeletesInBatches_UntilNothingOldIsLeft()
    {
        await using var db = await TestDatabase.CreateAsync(configure: s => s.Configure<RetentionOptions>(o => o.BatchSize = 100));
        var user = await db.AddUserAsync();
        var old = db.Time.GetUtcNow().UtcDateTime.AddDays(-100);
        await using (var ctx = db.NewContext())
        {
            ctx.CodeAttempts.AddRange(Enumerable.Range(0, 250).Select(i => new CodeAttempt(user, null, $"TF-{i}", old)));
            await ctx.SaveChangesAsync();
        }

        var deleted = await db.Get<RetentionSweeper>().RunOnceAsync();

        await using var after = db.NewContext();
        Assert.Equal(250, deleted);
        Assert.Equal(0, await after.CodeAttempts.CountAsync());
    }

    [Fact]
    public async Task Sweep_IsOneOfTheLedgerSweeps()
    {
        await using var db = await TestDatabase.CreateAsync();

        Assert.Contains(db.Services.GetServices<IPeriodicSweep>(), s => s is RetentionSweeper);
    }

    private static async Task AddAttemptAsync(TestDatabase db, string user, DateTime at)
    {
        await using var ctx = db.NewContext();
        ctx.CodeAttempts.Add(new CodeAttempt(user, null, "TF-X", at));
        await ctx.SaveChangesAsync();
    }

    private static Task InsertDayAsync(Core.Data.AppDbContext ctx, string user, DateOnly day, long reserved) =>
        ctx.Database.ExecuteSqlAsync($"""INSERT INTO research_allowance_days ("UserId", "Day", "Requests", "Spent", "Reserved") VALUES ({user}, {day}, 1, 0, {reserved})""");
}
