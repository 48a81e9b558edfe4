using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Exports;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Tests.TopUps;

namespace TokensForge.Tests.Exports;

public sealed class ReconciliationTests
{
    private const long Yuan = 1_000_000;

    [Fact]
    public Task Build_ScriptedMonth_EveryCheckOkAndTotalsMatchTheScript() => ScriptedMonthAsync(TestProvider.Sqlite);

    [SkippableFact]
    public async Task Build_ScriptedMonth_Postgres_EveryCheckOkAndTotalsMatchTheScript()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await ScriptedMonthAsync(TestProvider.Postgres);
    }

    private static async Task ScriptedMonthAsync(TestProvider provider)
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync(provider);
        var s = await LedgerScenario.RunAsync(db);

        var report = await db.Get<ReconciliationService>().BuildAsync(LedgerScenario.Range);

        Assert.All(report.Lines, l => Assert.True(l.IsOk, $"{l.Account}: opening {l.Opening} + {l.Credits} - {l.Debits} vs closing {l.Closing}, ledger {l.Ledger}"));
        Assert.True(report.Ok);
        var t = report.Total;
        // The script's own sums for the range (2026-06-02 .. 06-04): claims, redemption, top-up, adjustment, charges, expiry, refund.
        Assert.Equal(3 * Yuan, t.CreditStarter);
        Assert.Equal(20 * Yuan, t.CreditCampaign);
        Assert.Equal(50 * Yuan, t.CreditTopUp);
        Assert.Equal(10 * Yuan, t.CreditAdjustment);
        Assert.Equal(0, t.CreditRefund);
        Assert.Equal(30 * Yuan, t.DebitChargeOfficial);
        Assert.Equal(11 * Yuan, t.DebitChargeRouted);
        Assert.Equal(3 * Yuan, t.DebitExpiry);
        Assert.Equal(20 * Yuan, t.DebitReversal);
        Assert.Equal(t.CreditStarter + t.CreditCampaign + t.CreditTopUp + t.CreditAdjustment, t.DebitIssued);
        Assert.Equal(t.DebitChargeOfficial + t.DebitChargeRouted, t.CreditCharge);
        Assert.Equal((0L, 0L, 0L), (t.Opening, t.Closing, t.Ledger));

        ReconciliationLine User(string user, string bucket) => report.Lines.Single(l => l.UserId == user && l.Bucket == bucket);
        ReconciliationLine System(string address) => report.Lines.Single(l => l.Account == address);

        var aliceRouted = User(s.Alice, Bucket.Routed);
        Assert.Equal((100 * Yuan, 2 * Yuan, 98 * Yuan, 98 * Yuan), (aliceRouted.Opening, aliceRouted.DebitChargeRouted, aliceRouted.Closing, aliceRouted.Ledger));
        var aliceStarter = User(s.Alice, Bucket.Starter);
        Assert.Equal((5 * Yuan, 5 * Yuan, 0L), (aliceStarter.Opening, aliceStarter.DebitChargeRouted, aliceStarter.Closing));
        var bobOfficial = User(s.Bob, Bucket.Official);
        Assert.Equal((50 * Yuan, 30 * Yuan, 20 * Yuan, 0L), (bobOfficial.CreditTopUp, bobOfficial.DebitChargeOfficial, bobOfficial.DebitReversal, bobOfficial.Closing));
        var bobRouted = User(s.Bob, Bucket.Routed);
        Assert.Equal((20 * Yuan, 4 * Yuan, 16 * Yuan), (bobRouted.CreditCampaign, bobRouted.DebitChargeRouted, bobRouted.Closing));
        Assert.Equal((10 * Yuan, 10 * Yuan), (User(s.Carol, Bucket.Official).CreditAdjustment, User(s.Carol, Bucket.Official).Closing));
        Assert.DoesNotContain(report.Lines, l => l.UserId == s.Carol && l.Bucket == Bucket.Routed); // her top-up came after the range
        var dave = User(s.Dave, Bucket.Starter);
        Assert.Equal((3 * Yuan, 3 * Yuan, 0L), (dave.CreditStarter, dave.DebitExpiry, dave.Closing));
        Assert.Equal("dave@test.local", dave.UserEmail);

        var clearing = System(SystemAccounts.PaymentsClearing);
        Assert.Equal((-100 * Yuan, 50 * Yuan, 20 * Yuan, -130 * Yuan, -130 * Yuan),
            (clearing.Opening, clearing.DebitIssued, clearing.CreditReversal, clearing.Closing, clearing.Ledger));
        Assert.Equal((30 * Yuan, 11 * Yuan), (System(SystemAccounts.RevenueOfficial).Closing, System(SystemAccounts.RevenueRouted).Closing));
        Assert.Equal(3 * Yuan, System(SystemAccounts.Breakage).CreditExpiry);
        Assert.Equal(-10 * Yuan, System(SystemAccounts.Adjustments).Closing);
        var promo = report.Lines.Single(l => l.Account.StartsWith("sys:promo:", StringComparison.Ordinal));
        Assert.Equal((-5 * Yuan, 23 * Yuan, -28 * Yuan), (promo.Opening, promo.DebitIssued, promo.Closing));
    }

    [Fact]
    public async Task Build_ClosingOfEveryLine_EqualsLedgerFoldedIndependently()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        await LedgerScenario.RunAsync(db);
        var range = LedgerScenario.Range;

        var report = await db.Get<ReconciliationService>().BuildAsync(range);

        // Fold every posted transfer before the end of the range per account, here in the test, then group like the report.
        await using var ctx = db.NewContext();
        var transfers = await ctx.Transfers.Where(t => t.CreatedAt < range.To && (t.Flags == TransferFlags.None || t.Flags == TransferFlags.PostPending)).ToListAsync();
        var grants = await ctx.CreditGrants.ToDictionaryAsync(g => g.AccountId);
        var accounts = await ctx.LedgerAccounts.ToDictionaryAsync(a => a.Id, a => a.Address);
        string Group(Guid account) => grants.TryGetValue(account, out var g) ? $"user:{g.UserId}:bucket:{g.BucketKey}" : accounts[account];
        var folded = new Dictionary<string, long>();
        foreach (var tr in transfers)
        {
            folded[Group(tr.CreditAccountId)] = folded.GetValueOrDefault(Group(tr.CreditAccountId)) + tr.Amount;
            folded[Group(tr.DebitAccountId)] = folded.GetValueOrDefault(Group(tr.DebitAccountId)) - tr.Amount;
        }
        foreach (var line in report.Lines) Assert.Equal(folded.GetValueOrDefault(line.Account), line.Closing);
        Assert.Equal(0, folded.Values.Sum());
    }

    [Fact]
    public async Task Export_ParsedBack_HasEveryLineCheckedOkAndATotalRow()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        await LedgerScenario.RunAsync(db);

        var rows = ExportTestKit.Read<ReconciliationRow>(await ExportTestKit.ExportAsync(db, "reconciliation", LedgerScenario.Range));

        Assert.All(rows, r => Assert.Equal("ok", r.Check));
        var total = rows[^1];
        Assert.Equal("total", total.Scope);
        Assert.Equal((0L, 0L, 0m), (total.OpeningMicros, total.ClosingMicros, total.ClosingYuan));
        Assert.Equal(total.CreditsMicros, total.DebitsMicros);
        var lines = rows[..^1];
        Assert.Equal(0, lines.Sum(r => r.ClosingMicros));
        Assert.Equal(lines.Sum(r => r.CreditTopUpMicros), total.CreditTopUpMicros);
        Assert.All(lines, r => Assert.Equal(r.OpeningMicros + r.CreditsMicros - r.DebitsMicros, r.ClosingMicros));
        Assert.All(rows, r => Assert.Equal(r.ClosingMicros / 1_000_000m, r.ClosingYuan));
        Assert.Equal(LedgerScenario.Range.From, rows[0].From.ToUniversalTime());
    }

    [Fact]
    public async Task Build_CounterThatDisagreesWithTransfers_IsReportedAsMismatch()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var s = await LedgerScenario.RunAsync(db);
        await using (var ctx = db.NewContext())
        {
            // Corrupt one cached counter behind the ledger's back (the transfers stay as they were).
            var account = await ctx.CreditGrants.Where(g => g.UserId == s.Bob && g.BucketKey == Bucket.Routed).Select(g => g.AccountId).SingleAsync();
            await ctx.LedgerAccounts.Where(a => a.Id == account).ExecuteUpdateAsync(u => u.SetProperty(a => a.CreditsPosted, a => a.CreditsPosted + 1));
        }

        var report = await db.Get<ReconciliationService>().BuildAsync(LedgerScenario.Range);

        var broken = Assert.Single(report.Lines, l => !l.IsOk);
        Assert.Equal((s.Bob, Bucket.Routed, "MISMATCH"), (broken.UserId, broken.Bucket, broken.Check));
        Assert.Equal(broken.Closing + 1, broken.Ledger);
        Assert.False(report.Ok);
        Assert.Equal("MISMATCH", report.Total.Check);
    }
}
