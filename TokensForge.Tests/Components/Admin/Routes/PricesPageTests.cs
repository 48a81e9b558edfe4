using Bunit;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Routing;
using TokensForge.Web.Components.Pages.Admin.Routes;
using static TokensForge.Tests.Components.Admin.Routes.RoutingPagesTests;

namespace TokensForge.Tests.Components.Admin.Routes;

public sealed class PricesPageTests
{
    [Fact]
    public async Task PricesPage_SettingPrices_AddsASnapshot_ShownAsCurrentAndInTheHistoryWithWhoMadeIt()
    {
        var (db, id) = await SeededAsync();
        await using var _db = db;
        await using var ctx = ContextFor(db);

        var page = ctx.Render<PricesPage>();
        page.WaitForAssertion(() => page.Find("tr:has([data-route=deepseek]) [data-testid=unpriced]"));
        await page.Find("tr:has([data-route=deepseek]) [data-testid=edit-price]").ClickAsync(new());
        page.Find("[data-testid=price-input] input").Input("270000");
        page.Find("[data-testid=price-output] input").Input("1100000");
        page.Find("[data-testid=price-cached] input").Input("70000");
        await page.Find("[data-testid=save-price]").ClickAsync(new());

        page.WaitForAssertion(() => page.Find("[data-testid=price-saved]"));
        Assert.Contains("1,100,000 µ", page.Find("tr:has([data-route=deepseek]) [data-testid=current-output]").TextContent);
        var history = (await db.Get<RouteAdminQueries>().PriceHistoryAsync(id)).Single();
        Assert.Equal((270_000L, 1_100_000L, 70_000L, "admin@test.local"), (history.InputPrice, history.OutputPrice, history.CachedInputPrice, history.CreatedBy));
        Assert.Contains(page.FindAll("[data-testid=history-by]"), e => e.TextContent.Contains("admin@test.local"));
        await using var context = db.NewContext();
        var audit = await context.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).LastAsync();
        Assert.Equal(("price.change", "10.1.2.3"), (audit.Action, audit.Ip));
    }
}
