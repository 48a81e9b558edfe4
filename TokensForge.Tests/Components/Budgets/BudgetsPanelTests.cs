using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Budgets;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Budgets;
using TokensForge.Web.Components.Pages.Keys;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Components.Budgets;

public sealed class BudgetsPanelTests
{
    private static readonly RouteCandidate Route = TestRoutes.HoldOnly("panel route");

    [Fact]
    public async Task AccountBudget_SetFromThePanel_ShowsItsUsageBar_WithWhatRequestsHold_AndTheReset()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await GrantAsync(db, user, Bucket.Routed, 10_000_000);
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", user);
        var panel = ctx.Render<BudgetsPanel>(p => p.Add(x => x.UserId, user));
        panel.WaitForAssertion(() => panel.Find("[data-testid=no-budgets]"));

        panel.Find("[data-testid=budget-day] input").Input("0.50");
        panel.Find("[data-testid=budget-month] input").Input("5");
        panel.Find("[data-testid=save-budgets]").Click();

        panel.WaitForAssertion(() => panel.Find("[data-testid=budget-saved]"));
        var bars = panel.FindAll("[data-testid=budget-bar]");
        Assert.Equal(["Day", "Month"], bars.Select(b => b.GetAttribute("data-period")));
        Assert.Contains("Daily: ¥0.00 of ¥0.50 used", bars[0].TextContent);
        // The test clock's day is 2026-06-01 (UTC budgets by default).
        Assert.Contains("resets 2026-06-02 00:00 UTC", bars[0].TextContent);
        Assert.Contains("resets 2026-07-01 00:00 UTC", bars[1].TextContent);

        // A request in flight holds ¥0.40 of the day's ¥0.50: the bar says so.
        var (placed, _) = await db.Get<HoldPlanner>().PlaceOneAsync(GatewayCaller.Playground(user, RoutePreference.Auto, "req-panel"), Route, 400_000,
            Guid.CreateVersion7(), default);
        Assert.NotNull(placed);
        var again = ctx.Render<BudgetsPanel>(p => p.Add(x => x.UserId, user));
        again.WaitForAssertion(() => Assert.Contains("Daily: ¥0.40 of ¥0.50 used (¥0.40 held by requests in flight)", again.FindAll("[data-testid=budget-bar]")[0].TextContent));
        Assert.Equal("5.000000", again.Find("[data-testid=budget-month] input").GetAttribute("value"));
    }

    [Fact]
    public async Task ABadAmount_IsRefusedWithASentence_AndNothingIsSaved()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", user);
        var panel = ctx.Render<BudgetsPanel>(p => p.Add(x => x.UserId, user));
        panel.WaitForAssertion(() => panel.Find("[data-testid=no-budgets]"));

        panel.Find("[data-testid=budget-week] input").Input("ten");
        panel.Find("[data-testid=save-budgets]").Click();

        panel.WaitForAssertion(() => Assert.Contains("weekly budget 'ten' is not a positive amount", panel.Find("[data-testid=budget-error]").TextContent));
        Assert.Empty(await db.Get<BudgetService>().UsageAsync(user));
    }

    [Fact]
    public async Task KeysPage_SetsTheOnlyKeysBudget_AndTheKeyCarriesItAtOnce()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var created = (await db.Get<ApiKeyService>().CreateAsync(user, "batch job", new ApiKeyPolicy())).Value!;
        // Cached before the change: the change must reach the cache.
        Assert.Empty((await db.Get<ApiKeyAuthenticator>().AuthenticateAsync("Bearer " + created.Secret)).Value!.Budgets!);
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", user);
        var page = ctx.Render<KeysPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=budgets-keys] [data-testid=no-budgets]"));

        page.Find("[data-testid=budgets-keys] [data-testid=budget-week] input").Input("2.5");
        page.Find("[data-testid=budgets-keys] [data-testid=save-budgets]").Click();

        page.WaitForAssertion(() => Assert.Contains("batch job · Weekly: ¥0.00 of ¥2.50 used", page.Find("[data-testid=budgets-keys] [data-testid=budget-bar]").TextContent));
        await using var read = db.NewContext();
        var budget = await read.Budgets.SingleAsync(b => b.UserId == user);
        Assert.Equal((BudgetScope.Key, Budget.OwnerOf(created.Key.Id), 2_500_000L), (budget.Scope, budget.OwnerId, budget.Limit));
        var key = (await db.Get<ApiKeyAuthenticator>().AuthenticateAsync("Bearer " + created.Secret)).Value!;
        Assert.Equal([new BudgetLimit(budget.Id, BudgetScope.Key, BudgetPeriod.Week, 2_500_000)], key.Budgets);
    }
}
