using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Campaigns;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Wallet;
using static TokensForge.Tests.Campaigns.CampaignTestData;

namespace TokensForge.Tests.Components.Wallet;

/// <summary>The wallet page's refresh after a claim, the redemption history and the transfer page.</summary>
public sealed class RedemptionPagesTests
{
    [Fact]
    public async Task WalletPage_ClaimStarter_RefreshesBucketsGrantsAndLedger()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await CreateAsync(db, Starter());
        await using var ctx = ClaimPanelTests.ContextFor(db, user);
        var page = ctx.Render<WalletPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=claim-starter]"));
        Assert.Equal("¥0.00", page.Find("[data-testid=bucket-starter] [data-testid=balance]").TextContent.Trim());

        page.Find("[data-testid=claim-starter]").Click();

        page.WaitForAssertion(() => Assert.Equal("¥5.00", page.Find("[data-testid=bucket-starter] [data-testid=balance]").TextContent.Trim()));
        Assert.Contains("Welcome credit", page.Find("[data-testid=grants]").TextContent);
        await using var data = db.NewContext();
        var transfer = await data.Redemptions.Where(r => r.UserId == user).Select(r => r.TransferId).SingleAsync();
        page.WaitForAssertion(() => Assert.NotNull(page.Find($"[data-testid=ledger] a[href='/wallet/transfers/{transfer}']")));
        Assert.Equal("Welcome credit", page.Find($"[data-testid=ledger] tr:has([data-transfer-id='{transfer}']) [data-testid=ledger-counterparty]").TextContent.Trim());
    }

    [Fact]
    public async Task WalletPage_StaleTabGetsAlreadyClaimed_RefreshesItsBalances()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await CreateAsync(db, Starter());
        await using var ctx = ClaimPanelTests.ContextFor(db, user);
        var page = ctx.Render<WalletPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=claim-starter]"));
        Assert.Equal("¥0.00", page.Find("[data-testid=bucket-starter] [data-testid=balance]").TextContent.Trim());
        Ok(await db.Get<ClaimService>().ClaimStarterAsync(user, null));

        page.Find("[data-testid=claim-starter]").Click();

        page.WaitForAssertion(() => Assert.Equal("already_claimed", page.Find("[data-testid=claim-error]").GetAttribute("data-error-code")));
        page.WaitForAssertion(() => Assert.Equal("¥5.00", page.Find("[data-testid=bucket-starter] [data-testid=balance]").TextContent.Trim()));
        Assert.Contains("Welcome credit", page.Find("[data-testid=grants]").TextContent);
    }

    [Fact]
    public async Task RedemptionsPage_CodeColumn_AgreesWithTheClaimCard()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await CreateAsync(db, Starter());
        var (_, code) = await PromoCodeAsync(db);
        var claims = db.Get<ClaimService>();
        var starter = Ok(await claims.ClaimStarterAsync(user, null));
        db.Time.Advance(TimeSpan.FromMinutes(1));
        var promo = Ok(await claims.RedeemCodeAsync(user, code, null));
        await using var ctx = ClaimPanelTests.ContextFor(db, user);

        foreach (var claim in new[] { starter, promo })
        {
            ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/wallet/redemptions?id={claim.Id}");
            var page = ctx.Render<RedemptionsPage>();
            page.WaitForAssertion(() => Assert.Equal(claim.Id.ToString(), page.Find("[data-testid=redemption]").GetAttribute("data-redemption-id")));
            page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=redemption-row-code]").Count));
            var row = page.Find($"tr:has([data-redemption-id='{claim.Id}']) [data-testid=redemption-row-code]").TextContent.Trim();
            Assert.Equal(page.Find("[data-testid=redemption-code]").TextContent.Trim(), row);
            Assert.Equal(claim == starter ? "None (starter credit)" : code, row);
        }
    }

    [Fact]
    public async Task RedemptionsPage_PagesOnTheServerNewestFirstAndShowsTheSelectedRowInFull()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync("history@test.local");
        await CreateAsync(db, Starter() with { ClaimLimitPerAccount = 25 });
        var claims = db.Get<ClaimService>();
        var made = new List<RedemptionView>();
        for (var i = 0; i < 25; i++)
        {
            made.Add(Ok(await claims.ClaimStarterAsync(user, "192.0.2.5")));
            db.Time.Advance(TimeSpan.FromMinutes(1));
        }
        var oldest = made[0];
        await using var ctx = ClaimPanelTests.ContextFor(db, user, "history@test.local");

        ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/wallet/redemptions?id={oldest.Id}");
        var page = ctx.Render<RedemptionsPage>();

        page.WaitForAssertion(() => Assert.Equal(20, page.FindAll("[data-testid=redemption-row]").Count));
        var ids = page.FindAll("[data-testid=redemption-row]").Select(r => r.GetAttribute("data-redemption-id")).ToList();
        Assert.Equal(made.AsEnumerable().Reverse().Take(20).Select(r => r.Id.ToString()), ids);
        Assert.Equal(oldest.Id.ToString(), page.Find("[data-testid=redemption]").GetAttribute("data-redemption-id"));
        Assert.Equal("history@test.local", page.Find("[data-testid=redemption-account]").TextContent.Trim());
        Assert.Equal($"/wallet/transfers/{oldest.TransferId}", page.Find("[data-testid=redemption-transfer-link]").GetAttribute("href"));
        Assert.Contains("192.0.2.5", page.Find("[data-testid=redemptions]").TextContent);
    }

    [Fact]
    public async Task RedemptionsPage_SomeoneElsesRedemption_IsNotShown()
    {
        await using var db = await TestDatabase.CreateAsync();
        var owner = await db.AddUserAsync();
        var stranger = await db.AddUserAsync();
        await CreateAsync(db, Starter());
        var claim = Ok(await db.Get<ClaimService>().ClaimStarterAsync(owner, null));
        await using var ctx = ClaimPanelTests.ContextFor(db, stranger);

        ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/wallet/redemptions?id={claim.Id}");
        var page = ctx.Render<RedemptionsPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=redemption-not-found]"));
        Assert.Empty(page.FindAll("[data-testid=redemption]"));
        page.WaitForAssertion(() => Assert.Contains("No redemptions yet", page.Find("[data-testid=redemptions]").TextContent));
    }

    [Fact]
    public async Task TransferPage_OwnerSeesTheRedeemTransferLinkedToItsRedemption_OthersSeeNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        var owner = await db.AddUserAsync();
        var stranger = await db.AddUserAsync();
        var campaign = await CreateAsync(db, Starter());
        var claim = Ok(await db.Get<ClaimService>().ClaimStarterAsync(owner, null));

        await using (var ctx = ClaimPanelTests.ContextFor(db, owner))
        {
            var page = ctx.Render<TransferPage>(p => p.Add(x => x.Id, claim.TransferId));
            page.WaitForAssertion(() => page.Find("[data-testid=transfer]"));
            Assert.Equal("redeem", page.Find("[data-testid=transfer-code]").TextContent.Trim());
            Assert.StartsWith("¥5.00 (into your wallet)", page.Find("[data-testid=transfer-amount]").TextContent.Trim());
            Assert.Equal(campaign.Name, page.Find("[data-testid=transfer-debit]").TextContent.Trim());
            Assert.Equal($"{campaign.Name} grant", page.Find("[data-testid=transfer-credit]").TextContent.Trim());
            Assert.DoesNotContain("sys:", page.Find("[data-testid=transfer]").TextContent);
            Assert.Equal("Starter balance", page.Find("[data-testid=transfer-bucket]").TextContent.Trim());
            Assert.Equal($"/wallet/redemptions?id={claim.Id}#redemption-{claim.Id}", page.Find("[data-testid=transfer-redemption-link]").GetAttribute("href"));
        }
        await using (var ctx = ClaimPanelTests.ContextFor(db, stranger))
        {
            var page = ctx.Render<TransferPage>(p => p.Add(x => x.Id, claim.TransferId));
            page.WaitForAssertion(() => page.Find("[data-testid=transfer-not-found]"));
            Assert.Empty(page.FindAll("[data-testid=transfer]"));
        }
    }
}
