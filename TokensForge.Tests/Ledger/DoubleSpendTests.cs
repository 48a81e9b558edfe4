using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Ledger;

/// <summary>
/// DESIGN §3 invariant 3 under concurrency: many requests racing for one wallet, each on its own connection,
/// can never reserve or spend more than the wallet holds — on SQLite and on PostgreSQL.
/// </summary>
public sealed class DoubleSpendTests
{
    private const int Racers = 200;

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task PlaceAsync_TwoHundredParallelHolds_ExactlyFloorOfBalanceOverAmountSucceed(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var userId = await db.AddUserAsync();
        // One wallet of B = 1,000,003 µ over three grants, so many holds are split across grants.
        IssuedGrant[] grants =
        [
            await GrantAsync(db, userId, Bucket.Starter, 100_001, GrantCategory.Promotional, GrantSource.Starter),
            await GrantAsync(db, userId, Bucket.Routed, 400_000, GrantCategory.Promotional, GrantSource.Campaign),
            await GrantAsync(db, userId, Bucket.Routed, 500_002, GrantCategory.Paid, GrantSource.TopUp),
        ];
        const long balance = 1_000_003, amount = 7_001;
        var holds = db.Get<HoldService>();

        var results = await Task.WhenAll(Enumerable.Range(0, Racers).Select(i =>
            Task.Run(() => holds.PlaceAsync(userId, RouteKind.Routed, amount, TimeSpan.FromMinutes(5), $"race-{i}"))));

        var placed = results.Where(r => r.Succeeded).Select(r => r.Value!).ToList();
        Assert.Equal(balance / amount, placed.Count);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(LedgerErrors.InsufficientBalance, r.Error));
        Assert.All(placed, h => Assert.Equal(amount, h.Parts.Sum(p => p.Amount)));
        long held = 0;
        foreach (var grant in grants)
        {
            var c = await CountersAsync(db, grant.AccountId);
            Assert.True(c.DebitsPosted + c.DebitsPending <= c.CreditsPosted, $"grant {grant.GrantId} overdrawn: {c}");
            held += c.DebitsPending;
        }
        Assert.Equal(placed.Count * amount, held);
        Assert.True(balance - held < amount);
        Assert.Equal(new AccountCounters(0, 0, 0, held), await CountersAsync(db, SystemAccounts.RevenueRoutedId));
        Assert.Equal(grants.Length + placed.Sum(h => h.Parts.Count), await TransferCountAsync(db));
        await AssertVerifiedAsync(db);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task SubmitAsync_TwoHundredParallelChargesOnOneGrant_NeverOverdraw(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 50_000);
        var ledger = db.Get<LedgerService>();

        // Posted charges and holds mixed: both count against the balance at once. The writer is held while they queue,
        // so they are merged into shared transactions however the machine schedules them.
        var (gate, blocker) = await WriterGate.HoldAsync(db.Get<Core.Data.WriteTransaction>());
        var racing = Enumerable.Range(0, Racers).Select(i => Task.Run(() => ledger.SubmitAsync(i % 2 == 0
            ? TransferSpec.Single(Guid.CreateVersion7(), grant.AccountId, SystemAccounts.RevenueRoutedId, 999, TransferCode.Charge)
            : TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, SystemAccounts.RevenueRoutedId, 999, TransferCode.Charge, null)))).ToList();
        await Task.Delay(200);
        gate.SetResult();
        await blocker;
        var outcomes = await Task.WhenAll(racing);

        Assert.Equal(50_000 / 999, outcomes.Count(o => o.Status == LedgerStatus.Created));
        Assert.All(outcomes.Where(o => o.Status != LedgerStatus.Created), o => Assert.Equal(LedgerErrors.InsufficientBalance, o.Error));
        var c = await CountersAsync(db, grant.AccountId);
        Assert.Equal(50_000 / 999 * 999, c.DebitsPosted + c.DebitsPending);
        // The racers were merged into shared transactions by the group committer, and still none overdrew.
        Assert.True(db.Get<Core.Data.WriteTransaction>().LargestBatch > 1);
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task Database_OverdraftWrittenAroundTheLedger_IsRefusedByTheCheckConstraint()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        await using var ctx = db.NewContext();

        // Not how money moves; proves the backstop holds even against a buggy caller.
        var overdraw = () => ctx.LedgerAccounts.Where(a => a.Id == grant.AccountId)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.DebitsPosted, 1_001L));

        await Assert.ThrowsAnyAsync<DbException>(overdraw);
        Assert.Equal(new AccountCounters(0, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
    }
}
