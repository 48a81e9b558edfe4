using Bunit;
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
        Assert.Contains("pending", page.Find("[data-testid=ledger]").TextContent);
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
