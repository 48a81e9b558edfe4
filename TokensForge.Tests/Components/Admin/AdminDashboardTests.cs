using Bunit;
using TokensForge.Core.Dashboard;
using TokensForge.Core.Exports;
using TokensForge.Core.Users;
using TokensForge.Tests.Exports;
using TokensForge.Tests.Infrastructure;
using TokensForge.Tests.TopUps;
using TokensForge.Web.Components.Pages;
using TokensForge.Web.Components.Pages.Admin.Dashboard;

namespace TokensForge.Tests.Components.Admin;

/// <summary>The admin overview's states: loading, error, quiet and filled.</summary>
public sealed class AdminDashboardTests
{
    private static readonly DateOnly Day = new(2026, 6, 2);

    private static AdminDashboard Quiet() => new(Day, Day, [Day],
        AdminDashboardQueries.Sources.Select(s => new DailySeries(AdminDashboardQueries.SourceKey(s.Kind), s.Name, [0L])).ToList(),
        [], 0, [], new OpenHolds(0, 0, null, 0), [], [], new PendingTopUps(0, 0, null, 0));

    [Fact]
    public async Task View_WithoutADashboard_ShowsLoading()
    {
        await using var ctx = PageTestContext.Create();

        var view = ctx.Render<AdminDashboardView>();

        view.Find("[data-testid=dashboard-loading]");
        Assert.Empty(view.FindAll("[data-testid=dashboard]"));
    }

    [Fact]
    public async Task View_WithAnError_ShowsTheSentence()
    {
        await using var ctx = PageTestContext.Create();

        var view = ctx.Render<AdminDashboardView>(p => p.Add(x => x.Error, "The overview could not be loaded. Try again."));

        Assert.Contains("could not be loaded", view.Find("[data-testid=dashboard-error]").TextContent);
        Assert.Empty(view.FindAll("[data-testid=dashboard-loading]"));
    }

    [Fact]
    public async Task View_QuietRange_SaysNothingHappened_ButStillShowsHoldsAndTopUps()
    {
        await using var ctx = PageTestContext.Create();

        var view = ctx.Render<AdminDashboardView>(p => p.Add(x => x.Dashboard, Quiet() with { TopUps = new PendingTopUps(2, 60_000_000, null, 1) }));

        Assert.Contains("Nothing was issued, charged or requested from 2026-06-02 to 2026-06-02", view.Find("[data-testid=dashboard-empty]").TextContent);
        Assert.Equal("2 · ¥60.00", view.Find("[data-testid=figure-topups]").TextContent.Trim());
        Assert.Contains("1 paid, not yet credited", view.Find("[data-testid=dashboard]").TextContent);
        Assert.Empty(view.FindAll("[data-testid=issued-chart]"));
    }

    [Fact]
    public async Task View_Filled_ShowsTotalsChartsRoutesAndTops()
    {
        await using var ctx = PageTestContext.Create();
        var days = new[] { Day, Day.AddDays(1) };
        var dashboard = Quiet() with
        {
            Days = days,
            Issued = [new("starter", "Starter", [5_000_000, 0]), new("topup", "Top-up", [0, 50_000_000])],
            Charges = [new("official:official", "Official Credit · official", [1_500_000, 2_000_000])],
            Breakage = 3_000_000,
            Routes = [new RouteTraffic("sim-mini", 8, 1, 1)],
            Holds = new OpenHolds(1, 2_000_000, TimeSpan.FromMinutes(7), 1),
            TopUsers = [new TopUser("u1", "big@test.local", 3_500_000)],
            TopModels = [new TopModel("gpt-4o-mini", 8, 3_500_000)],
        };

        var view = ctx.Render<AdminDashboardView>(p => p.Add(x => x.Dashboard, dashboard));

        Assert.Equal("¥55.00", view.Find("[data-testid=figure-issued]").TextContent.Trim());
        Assert.Equal("¥3.50", view.Find("[data-testid=figure-charged]").TextContent.Trim());
        Assert.Equal("¥3.00", view.Find("[data-testid=figure-breakage]").TextContent.Trim());
        Assert.Equal("8", view.Find("[data-testid=figure-requests]").TextContent.Trim());
        Assert.Contains("25.0% failed or partial", view.Find("[data-testid=dashboard]").TextContent);
        Assert.Equal("1 · ¥2.00", view.Find("[data-testid=figure-holds]").TextContent.Trim());
        Assert.Contains("Oldest 7 min", view.Markup);
        view.Find("[data-testid=issued-chart]");
        view.Find("[data-testid=charges-chart]");
        Assert.Equal("¥50.00", view.Find("[data-source=topup] [data-testid=issued-total]").TextContent.Trim());
        Assert.Equal("25.0%", view.Find("[data-route=sim-mini] [data-testid=route-error-rate]").TextContent.Trim());
        Assert.Contains("big@test.local", view.Find("[data-testid=top-user]").TextContent);
        Assert.Equal("/admin/users/u1", view.Find("[data-testid=top-user] a").GetAttribute("href"));
        Assert.Empty(view.FindAll("[data-testid=dashboard-empty]"));
    }

    [Fact]
    public async Task AdminHome_ShowsTheLast30Days_FromTheLedger_BesideTheLinks()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        await LedgerScenario.RunAsync(db);
        // The scenario ends on 2026-06-06: the default range (the last 30 days) holds all of it.
        var report = await db.Get<ReconciliationService>().BuildAsync(ExportRange.Days(new DateOnly(2026, 5, 8), new DateOnly(2026, 6, 6)));
        await using var ctx = PageTestContext.Create(db.Services, "admin@test.local", null, Roles.Admin);

        var page = ctx.Render<AdminHome>();

        page.WaitForAssertion(() => page.Find("[data-testid=dashboard]"));
        var t = report.Total;
        Assert.Equal(TokensForge.Core.Common.Money.Format(t.CreditStarter + t.CreditCampaign + t.CreditTopUp + t.CreditAdjustment),
            page.Find("[data-testid=figure-issued]").TextContent.Trim());
        Assert.Equal(TokensForge.Core.Common.Money.Format(t.DebitChargeOfficial + t.DebitChargeRouted), page.Find("[data-testid=figure-charged]").TextContent.Trim());
        Assert.Equal("¥3.00", page.Find("[data-testid=figure-breakage]").TextContent.Trim());
        page.Find("[data-testid=issued-chart]");
        page.Find("[data-testid=admin-users]");
        page.Find("[data-testid=admin-routes]");
    }
}
