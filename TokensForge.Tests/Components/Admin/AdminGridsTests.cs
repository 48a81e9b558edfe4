using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using TokensForge.Core.Audit;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Admin;
using TokensForge.Web.Extensions;
using static TokensForge.Tests.Campaigns.CampaignTestData;

namespace TokensForge.Tests.Components.Admin;

/// <summary>The admin grids' loading, empty, error and filled states, over a database that can be held back or made to fail.</summary>
public sealed class AdminGridsTests
{
    private const string Admin = "admin@test.local";
    private const string Ip = "203.0.113.50";

    /// <summary>Hands out real contexts once <see cref="Open"/> is called, or throws when <see cref="Fail"/> is set.</summary>
    private sealed class GatedContexts(IDbContextFactory<AppDbContext> inner) : IDbContextFactory<AppDbContext>
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Fail { get; set; }

        public void Open() => _gate.TrySetResult();

        // What a database that cannot be reached throws (SQLITE_CANTOPEN), which the grids say in their own words.
        public AppDbContext CreateDbContext() => Fail ? throw new Microsoft.Data.Sqlite.SqliteException("unable to open database file", 14) : inner.CreateDbContext();

        public async Task<AppDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            await _gate.Task.WaitAsync(cancellationToken);
            return CreateDbContext();
        }
    }

    private static (BunitContext Context, GatedContexts Gate) ContextFor(TestDatabase db, bool open = true, bool fail = false)
    {
        var gate = new GatedContexts(db.Get<IDbContextFactory<AppDbContext>>()) { Fail = fail };
        if (open) gate.Open();
        // The grids' services read through the gate, so a test decides when (and whether) their queries answer.
        var ctx = PageTestContext.Create(db.Services, Admin, null, "Admin");
        ctx.Services.AddSingleton(new CampaignQueries(gate));
        ctx.Services.AddSingleton(new CodeQueries(gate));
        ctx.Services.AddSingleton(new RedemptionQueries(gate));
        ctx.Services.AddSingleton(new CampaignResultsQueries(gate, db.Time));
        ctx.Services.AddSingleton(new CampaignService(gate, new WriteTransaction(gate, Microsoft.Extensions.Options.Options.Create(new DatabaseOptions())), db.Get<LedgerWriter>(), db.Get<AuditLog>(), db.Time));
        ctx.Services.AddSingleton(new ClientAddress(Ip));
        return (ctx, gate);
    }

    [Fact]
    public async Task CampaignsPage_WhileLoading_ShowsProgress_ThenTheEmptyState()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (ctx, gate) = ContextFor(db, open: false);
        await using var _ = ctx;

        var page = ctx.Render<CampaignsPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=campaigns-loading]"));
        Assert.Empty(page.FindAll("[data-testid=campaigns-empty]"));
        gate.Open();
        page.WaitForAssertion(() => page.Find("[data-testid=campaigns-empty]"));
        Assert.Empty(page.FindAll("[data-testid=campaigns-loading]"));
        Assert.Empty(page.FindAll("[data-testid=campaigns-error]"));
    }

    [Fact]
    public async Task CampaignsPage_DatabaseFails_ShowsAnErrorInsteadOfAnEmptyGrid()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (ctx, _) = ContextFor(db, fail: true);
        await using var __ = ctx;

        var page = ctx.Render<CampaignsPage>();

        page.WaitForAssertion(() => Assert.Contains("could not be loaded", page.Find("[data-testid=campaigns-error]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=campaigns-empty]"));
        Assert.Empty(page.FindAll("[data-testid=campaigns-loading]"));
    }

    [Fact]
    public async Task CampaignsPage_WithCampaigns_ShowsLedgerCounts_AndDisablingWritesAnAuditEventAsTheAdmin()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (campaign, code) = await PromoCodeAsync(db);
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), code, null));
        var (ctx, _) = ContextFor(db);
        await using var __ = ctx;
        var dialogs = ctx.Render<MudDialogProvider>();

        var page = ctx.Render<CampaignsPage>();
        page.WaitForAssertion(() => Assert.Equal("Launch promo", page.Find("[data-testid=campaign-row]").TextContent));
        var grid = page.Find("[data-testid=campaigns-grid]").TextContent;
        Assert.Contains("¥10.00", grid);
        Assert.Contains("Never expires", grid);

        // Disabling asks first; cancelling changes nothing.
        page.Find("[data-testid=disable-campaign]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Disable this campaign?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Disable this campaign?", dialogs.Markup));
        await using (var before = db.NewContext()) Assert.False(await before.AuditEvents.AnyAsync(e => e.Action == "campaign.disable"));

        page.Find("[data-testid=disable-campaign]").Click();
        dialogs.WaitForAssertion(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Disable"));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Disable").Click();

        page.WaitForAssertion(() => Assert.Contains("Launch promo disabled", page.Find("[data-testid=campaigns-message]").TextContent));
        page.WaitForAssertion(() => Assert.Equal("Disabled", page.Find("[data-testid=campaign-status]").TextContent));
        await using var data = db.NewContext();
        var audit = await data.AuditEvents.SingleAsync(e => e.Action == "campaign.disable");
        Assert.Equal((Admin, Ip, $"campaign:{campaign.Id}"), (audit.Actor, audit.Ip, audit.Target));
    }

    [Fact]
    public async Task CampaignsPage_EditorOfAClaimedCampaign_LocksTheMoneyRules()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (_, code) = await PromoCodeAsync(db);
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), code, null));
        var (ctx, _) = ContextFor(db);
        await using var __ = ctx;
        var page = ctx.Render<CampaignsPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=edit-campaign]"));

        await page.Find("[data-testid=edit-campaign]").ClickAsync(new());

        page.WaitForAssertion(() => page.Find("[data-testid=rules-locked]"));
        Assert.True(page.Find("input[data-testid=campaign-amount]").HasAttribute("disabled"));
        Assert.False(page.Find("input[data-testid=campaign-name]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task CodesPage_WhileLoading_ShowsProgress_ThenTheEmptyState()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (ctx, gate) = ContextFor(db, open: false);
        await using var _ = ctx;

        var page = ctx.Render<CodesPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=codes-loading]"));
        Assert.Empty(page.FindAll("[data-testid=codes-empty]"));
        gate.Open();
        page.WaitForAssertion(() => page.Find("[data-testid=codes-empty]"));
        Assert.Empty(page.FindAll("[data-testid=codes-loading]"));
    }

    [Fact]
    public async Task CodesPage_DatabaseFails_ShowsAnErrorInsteadOfAnEmptyGrid()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (ctx, _) = ContextFor(db, fail: true);
        await using var __ = ctx;

        var page = ctx.Render<CodesPage>();

        page.WaitForAssertion(() => Assert.Contains("could not be loaded", page.Find("[data-testid=codes-error]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=codes-empty]"));
    }

    [Fact]
    public async Task CodesPage_ARedeemedCodeOffersNoDelete_AndAnUnusedOneIsDeletedAfterConfirming()
    {
        await using var db = await TestDatabase.CreateAsync();
        var campaign = await CreateAsync(db, Promo());
        var codes = Ok(await db.Get<CampaignService>().GenerateCodesAsync(campaign.Id, 2, 1, "ops")).Codes;
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), codes[0], null));
        var (ctx, _) = ContextFor(db);
        await using var __ = ctx;
        var dialogs = ctx.Render<MudDialogProvider>();
        var navigation = ctx.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        navigation.NavigateTo($"/admin/codes?campaign={campaign.Id}");
        var page = ctx.Render<CodesPage>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=code-row]").Count));

        Assert.Empty(page.FindAll($"tr:has([data-code='{codes[0]}']) [data-testid=delete-code]"));
        page.Find($"tr:has([data-code='{codes[0]}']) [data-testid=disable-code]");

        // Deleting asks first; cancelling keeps the code.
        page.Find($"tr:has([data-code='{codes[1]}']) [data-testid=delete-code]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete this code?", dialogs.Markup));
        Assert.Contains(codes[1], dialogs.Markup);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Delete this code?", dialogs.Markup));
        Assert.Equal(2, page.FindAll("[data-testid=code-row]").Count);

        page.Find($"tr:has([data-code='{codes[1]}']) [data-testid=delete-code]").Click();
        dialogs.WaitForAssertion(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete"));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click();

        page.WaitForAssertion(() => Assert.Contains($"Deleted {codes[1]}", page.Find("[data-testid=codes-outcome]").TextContent));
        page.WaitForAssertion(() => Assert.Equal([codes[0]], page.FindAll("[data-testid=code-row]").Select(e => e.TextContent)));
        await using var data = db.NewContext();
        var deleted = await data.AuditEvents.SingleAsync(e => e.Action == "code.delete");
        Assert.Equal(($"code:{codes[1]}", Admin, Ip), (deleted.Target, deleted.Actor, deleted.Ip));
    }

    [Fact]
    public async Task AdminRedemptionsPage_LoadingEmptyAndError()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (ctx, gate) = ContextFor(db, open: false);
        await using (ctx)
        {
            var page = ctx.Render<AdminRedemptionsPage>();
            page.WaitForAssertion(() => page.Find("[data-testid=redemptions-loading]"));
            Assert.Empty(page.FindAll("[data-testid=redemptions-empty]"));
            gate.Open();
            page.WaitForAssertion(() => page.Find("[data-testid=redemptions-empty]"));
        }

        var (failing, _) = ContextFor(db, fail: true);
        await using (failing)
        {
            var page = failing.Render<AdminRedemptionsPage>();
            page.WaitForAssertion(() => Assert.Contains("could not be loaded", page.Find("[data-testid=redemptions-error]").TextContent));
            Assert.Empty(page.FindAll("[data-testid=redemptions-empty]"));
        }
    }

    [Fact]
    public async Task AdminRedemptionsPage_ListsEveryAccountsClaims_FilteredByUser()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (campaign, code) = await PromoCodeAsync(db, maxRedemptions: 5);
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync("ann@test.local"), code, "192.0.2.1"));
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync("ben@test.local"), code, "192.0.2.2"));
        var (ctx, _) = ContextFor(db);
        await using var __ = ctx;

        ctx.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"/admin/redemptions?campaign={campaign.Id}");
        var page = ctx.Render<AdminRedemptionsPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=redemption-row]").Count));
        var grid = page.Find("[data-testid=redemptions-grid]").TextContent;
        Assert.Contains("ann@test.local", grid);
        Assert.Contains("ben@test.local", grid);
        Assert.Contains(code, grid);
        page.Find("input[data-testid=filter-user]").Change("ANN@");
        await page.Find("[data-testid=apply-filters]").ClickAsync(new());
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=redemption-row]")));
        Assert.DoesNotContain("ben@test.local", page.Find("[data-testid=redemptions-grid]").TextContent);
    }

    [Fact]
    public async Task CampaignResultsPage_LoadingThenFigures_AndErrorState()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (campaign, code) = await PromoCodeAsync(db);
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), code, null));
        var (ctx, gate) = ContextFor(db, open: false);
        await using (ctx)
        {
            var page = ctx.Render<CampaignResultsPage>(p => p.Add(c => c.CampaignId, campaign.Id));
            page.WaitForAssertion(() => page.Find("[data-testid=results-loading]"));
            gate.Open();
            page.WaitForAssertion(() => Assert.Equal("¥10.00", page.Find("[data-testid=figure-credited]").TextContent));
            Assert.Equal("1", page.Find("[data-testid=figure-redemptions]").TextContent);
            Assert.Equal("1", page.Find("[data-testid=figure-codes-generated]").TextContent);
            Assert.Contains("deleted unused codes are not counted", page.Find("[data-testid=figure-codes-generated-note]").TextContent);
            Assert.NotNull(page.Find("[data-testid=daily-chart] rect"));
        }

        var (failing, _) = ContextFor(db, fail: true);
        await using (failing)
        {
            var page = failing.Render<CampaignResultsPage>(p => p.Add(c => c.CampaignId, campaign.Id));
            page.WaitForAssertion(() => page.Find("[data-testid=results-error]"));
        }
    }
}
