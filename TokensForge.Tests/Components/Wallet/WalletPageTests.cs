using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Wallet;

namespace TokensForge.Tests.Components.Wallet;

public sealed class WalletPageTests
{
    private static BunitContext ContextFor(TestDatabase db, string userId)
    {
        var ctx = PageTestContext.Create(db.Services, "someone@test.local", userId);
        ctx.Services.AddSingleton(new TokensForge.Web.Extensions.ClientAddress());
        return ctx;
    }

    [Fact]
    public async Task WalletPage_FundedWallet_ShowsBucketSumsGrantsAndLedgerRows()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync("funded@test.local");
        var adjustments = db.Get<AdjustmentService>();
        var expiry = db.Time.GetUtcNow().UtcDateTime.AddDays(10);
        await adjustments.GrantAsync(new AdjustmentRequest("funded@test.local", Bucket.Routed, 2_500_000, expiry, "first", "test"));
        await adjustments.GrantAsync(new AdjustmentRequest("funded@test.local", Bucket.Routed, 1_000_000, null, "second", "test"));
        var hold = await db.Get<HoldService>().PlaceAsync(userId, Core.Routing.RouteKind.Routed, 300_000, TimeSpan.FromMinutes(5), "receipt-1");
        Assert.True(hold.Succeeded);
        await using var ctx = ContextFor(db, userId);

        var page = ctx.Render<WalletPage>();

        page.WaitForAssertion(() =>
        {
            var routed = page.Find("[data-testid=bucket-routed]");
            Assert.Equal("¥3.50", routed.QuerySelector("[data-testid=balance]")!.TextContent.Trim());
            Assert.Equal("¥3.20", routed.QuerySelector("[data-testid=available]")!.TextContent.Trim());
            Assert.Equal("¥0.30", routed.QuerySelector("[data-testid=held]")!.TextContent.Trim());
            Assert.Contains(expiry.ToString("yyyy-MM-dd HH:mm"), routed.TextContent);
            Assert.Equal("¥0.00", page.Find("[data-testid=bucket-official] [data-testid=balance]").TextContent.Trim());
        });
        Assert.Contains("Adjustment: first", page.Find("[data-testid=grants]").TextContent);
        Assert.Contains("Lower-cost routed routes only", page.Find("[data-testid=bucket-routed]").TextContent);
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=ledger] tbody tr.mud-table-row").Count));
        Assert.Contains("pending hold, expires", page.Find("[data-testid=ledger]").TextContent);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task WalletPage_SettledHolds_ReadAsPostedAndReleased_LinkTheirSettlement_AndNameEverySideWithoutAnAddress(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var userId = await db.AddUserAsync("holder@test.local");
        await db.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest("holder@test.local", Bucket.Routed, 2_000_000, null, "credit", "test"));
        var holds = db.Get<HoldService>();
        var posted = (await holds.PlaceAsync(userId, Core.Routing.RouteKind.Routed, 300_000, TimeSpan.FromMinutes(5), "receipt-posted")).Value!;
        Assert.True((await holds.SettleAsync(posted, 120_000)).Succeeded);
        var released = (await holds.PlaceAsync(userId, Core.Routing.RouteKind.Routed, 200_000, TimeSpan.FromMinutes(5), "receipt-released")).Value!;
        Assert.True((await holds.ReleaseAsync(released)).Succeeded);
        await using var data = db.NewContext();
        var postedHold = posted.Parts.Single().PendingTransferId;
        var releasedHold = released.Parts.Single().PendingTransferId;
        var postedBy = await data.Transfers.Where(t => t.PendingId == postedHold).Select(t => t.Id).SingleAsync();
        var releasedBy = await data.Transfers.Where(t => t.PendingId == releasedHold).Select(t => t.Id).SingleAsync();
        await using var ctx = ContextFor(db, userId);

        var page = ctx.Render<WalletPage>();

        page.WaitForAssertion(() => Assert.Equal(5, page.FindAll("[data-testid=ledger] tbody tr.mud-table-row").Count));
        string State(Guid transfer) => page.Find($"[data-testid=ledger-state][data-transfer-id='{transfer}']").TextContent.Trim();
        string Link(Guid transfer) => page.Find($"[data-testid=ledger-state][data-transfer-id='{transfer}'] a").GetAttribute("href")!;
        Assert.Equal("hold posted for ¥0.12", State(postedHold));
        Assert.Equal($"/wallet/transfers/{postedBy}", Link(postedHold));
        Assert.Equal("posted for ¥0.12", State(postedBy));
        Assert.Equal($"/wallet/transfers/{postedHold}", Link(postedBy));
        Assert.Equal("hold released", State(releasedHold));
        Assert.Equal($"/wallet/transfers/{releasedBy}", Link(releasedHold));
        Assert.Equal("released", State(releasedBy));
        var ledger = page.Find("[data-testid=ledger]").TextContent;
        Assert.DoesNotContain("pending", ledger);
        Assert.DoesNotContain("expires", ledger);
        Assert.DoesNotContain("sys:", ledger);
        Assert.DoesNotContain("user:", ledger);
        Assert.Equal(["Routed model usage", "Routed model usage", "Routed model usage", "Routed model usage", "Balance adjustment"],
            page.FindAll("[data-testid=ledger-counterparty]").Select(c => c.TextContent.Trim()));
        Assert.Contains("-¥0.12", page.FindAll("[data-testid=ledger-amount]").Select(a => a.TextContent.Trim()));
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task TransferPage_ASettledHold_NamesItsSettlement_AndNeverReadsAsPending(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var userId = await db.AddUserAsync("holder@test.local");
        await db.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest("holder@test.local", Bucket.Routed, 2_000_000, null, "credit", "test"));
        var holds = db.Get<HoldService>();
        var hold = (await holds.PlaceAsync(userId, Core.Routing.RouteKind.Routed, 300_000, TimeSpan.FromMinutes(5), "receipt-1")).Value!;
        Assert.True((await holds.SettleAsync(hold, 120_000)).Succeeded);
        var holdId = hold.Parts.Single().PendingTransferId;
        await using var data = db.NewContext();
        var settledBy = await data.Transfers.Where(t => t.PendingId == holdId).Select(t => t.Id).SingleAsync();
        await using var ctx = ContextFor(db, userId);

        var page = ctx.Render<TransferPage>(p => p.Add(x => x.Id, holdId));

        page.WaitForAssertion(() => page.Find("[data-testid=transfer]"));
        Assert.Equal("hold posted for ¥0.12", page.Find("[data-testid=transfer-state]").TextContent.Trim());
        Assert.Equal($"/wallet/transfers/{settledBy}", page.Find("[data-testid=transfer-resolution]").GetAttribute("href"));
        Assert.Empty(page.FindAll("[data-testid=transfer-hold-expires]"));
        Assert.Equal("Adjustment: credit grant", page.Find("[data-testid=transfer-debit]").TextContent.Trim());
        Assert.Equal("Routed model usage", page.Find("[data-testid=transfer-credit]").TextContent.Trim());
        var text = page.Find("[data-testid=transfer]").TextContent;
        Assert.DoesNotContain("pending", text);
        Assert.DoesNotContain("sys:", text);
        Assert.DoesNotContain("user:", text);
    }

    [Fact]
    public async Task WalletPage_NewUser_ShowsZeroBucketsAndEmptyStates()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        await using var ctx = ContextFor(db, userId);

        var page = ctx.Render<WalletPage>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid^=bucket-]").Count));
        Assert.All(page.FindAll("[data-testid=balance]"), b => Assert.Equal("¥0.00", b.TextContent.Trim()));
        Assert.NotNull(page.Find("[data-testid=no-grants]"));
        page.WaitForAssertion(() => Assert.Contains("No ledger entries yet.", page.Find("[data-testid=ledger]").TextContent));
    }
}
