using TokensForge.Core.Dashboard;
using TokensForge.Core.Exports;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Exports;
using TokensForge.Tests.Infrastructure;
using TokensForge.Tests.TopUps;

namespace TokensForge.Tests.Dashboard;

public sealed class AdminDashboardQueriesTests
{
    private const long Yuan = 1_000_000;
    private static readonly DateOnly First = new(2026, 6, 2), Last = new(2026, 6, 4);

    [Fact]
    public Task Dashboard_TotalsForARange_EqualTheReconciliationExport_OnSqlite() => EqualsReconciliationAsync(TestProvider.Sqlite);

    [SkippableFact]
    public async Task Dashboard_TotalsForARange_EqualTheReconciliationExport_OnPostgres()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await EqualsReconciliationAsync(TestProvider.Postgres);
    }

    private static async Task EqualsReconciliationAsync(TestProvider provider)
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync(provider);
        var s = await LedgerScenario.RunAsync(db);
        Assert.Equal(LedgerScenario.Range, ExportRange.Days(First, Last));

        var dashboard = await db.Get<AdminDashboardQueries>().GetAsync(First, Last);
        // The reconciliation export as finance downloads it: one CSV row per account line, then the total row.
        var rows = ExportTestKit.Read<ReconciliationRow>(await ExportTestKit.ExportAsync(db, "reconciliation", LedgerScenario.Range));
        var total = rows.Single(r => r.Scope == ReconciliationLine.TotalScope);
        var users = rows.Where(r => r.Scope == ReconciliationLine.UserScope).ToList();
        Assert.Equal("ok", total.Check);

        // What users received and spent: the user rows' sums, and the system-wide total row.
        Assert.Equal(users.Sum(l => l.CreditStarterMicros), dashboard.IssuedBy(CreditKind.Starter));
        Assert.Equal(users.Sum(l => l.CreditCampaignMicros), dashboard.IssuedBy(CreditKind.Campaign));
        Assert.Equal(users.Sum(l => l.CreditTopUpMicros), dashboard.IssuedBy(CreditKind.TopUp));
        Assert.Equal(users.Sum(l => l.CreditAdjustmentMicros), dashboard.IssuedBy(CreditKind.Adjustment));
        Assert.Equal((total.CreditStarterMicros, total.CreditCampaignMicros, total.CreditTopUpMicros, total.CreditAdjustmentMicros),
            (dashboard.IssuedBy(CreditKind.Starter), dashboard.IssuedBy(CreditKind.Campaign), dashboard.IssuedBy(CreditKind.TopUp), dashboard.IssuedBy(CreditKind.Adjustment)));
        Assert.Equal(users.Sum(l => l.DebitChargeOfficialMicros), dashboard.Charges.Where(c => c.Key.EndsWith(":official")).Sum(c => c.Total));
        Assert.Equal(users.Sum(l => l.DebitChargeRoutedMicros), dashboard.Charges.Where(c => c.Key.EndsWith(":routed")).Sum(c => c.Total));
        Assert.Equal(total.DebitChargeOfficialMicros + total.DebitChargeRoutedMicros, dashboard.ChargedTotal);
        Assert.Equal(users.Sum(l => l.DebitExpiryMicros), dashboard.Breakage);
        // Per bucket too: each bucket's charges are the sum of the export's rows of that bucket.
        foreach (var bucket in new[] { Bucket.Official, Bucket.Routed, Bucket.Starter })
            Assert.Equal(users.Where(l => l.Bucket == bucket).Sum(l => l.DebitChargeOfficialMicros + l.DebitChargeRoutedMicros),
                dashboard.Charges.Where(c => c.Key.StartsWith(bucket + ":")).Sum(c => c.Total));

        // And the script's own figures, so neither side can be wrong the same way unnoticed.
        Assert.Equal((3 * Yuan, 20 * Yuan, 50 * Yuan, 10 * Yuan),
            (dashboard.IssuedBy(CreditKind.Starter), dashboard.IssuedBy(CreditKind.Campaign), dashboard.IssuedBy(CreditKind.TopUp), dashboard.IssuedBy(CreditKind.Adjustment)));
        Assert.Equal(41 * Yuan, dashboard.ChargedTotal);
        Assert.Equal(3 * Yuan, dashboard.Breakage);
        Assert.Equal([First, First.AddDays(1), Last], dashboard.Days);
        Assert.All(dashboard.Issued, series => Assert.Equal(series.Total, series.PerDay[0]));
        Assert.Equal([(s.Bob, 34 * Yuan), (s.Alice, 7 * Yuan)], dashboard.TopUsers.Select(u => (u.UserId, u.Charged)));
        Assert.Equal("bob@test.local", dashboard.TopUsers[0].Email);
        Assert.Equal(0, dashboard.Holds.Count);
    }

    [Fact]
    public async Task Dashboard_EmptyDatabase_IsQuiet_WithADayPerDateOfTheDefaultRange()
    {
        await using var db = await TestDatabase.CreateAsync();
        var queries = db.Get<AdminDashboardQueries>();
        var (from, to) = queries.DefaultRange();

        var dashboard = await queries.GetAsync(from, to);

        Assert.True(dashboard.IsQuiet);
        Assert.Equal(AdminDashboardQueries.DefaultDays, dashboard.Days.Count);
        Assert.Equal(DateOnly.FromDateTime(db.Time.GetUtcNow().UtcDateTime), dashboard.Days[^1]);
        Assert.Equal((0, 0, 0), (dashboard.Holds.Count, dashboard.TopUps.Pending, dashboard.TopUps.PaidNotCredited));
    }

    [Fact]
    public async Task Dashboard_OpenHoldsAndPendingTopUps_AreCountedWithTheirAge()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync(TestProvider.Sqlite);
        var user = await db.AddUserAsync("hold@test.local");
        Assert.True((await db.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest("hold@test.local", Bucket.Routed, 9 * Yuan, null, "t", "test"))).Succeeded);
        Assert.True((await db.Get<HoldService>().PlaceAsync(user, RouteKind.Routed, 2 * Yuan, TimeSpan.FromMinutes(15), "req-open")).Succeeded);
        await TopUpTestKit.CreateOrderAsync(db, user, 30 * Yuan, Bucket.Official);
        db.Time.Advance(TimeSpan.FromMinutes(6));
        var today = DateOnly.FromDateTime(db.Time.GetUtcNow().UtcDateTime);

        var dashboard = await db.Get<AdminDashboardQueries>().GetAsync(today, today);

        Assert.Equal((1, 2 * Yuan, 1), (dashboard.Holds.Count, dashboard.Holds.Amount, dashboard.Holds.OlderThanFiveMinutes));
        Assert.Equal(TimeSpan.FromMinutes(6), dashboard.Holds.OldestAge);
        Assert.Equal((1, 30 * Yuan), (dashboard.TopUps.Pending, dashboard.TopUps.PendingAmount));
        Assert.Equal(9 * Yuan, dashboard.IssuedBy(CreditKind.Adjustment));
    }
}
