using Bunit;
using TokensForge.Core.Users;
using TokensForge.Tests.TopUps;
using TokensForge.Web.Components.Pages.Finance;

namespace TokensForge.Tests.Components.Finance;

public sealed class ExportsPageTests
{
    [Fact]
    public async Task ExportsPage_OneButtonPerDataset_AndBadRangeIsExplained()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", "finance-user", Roles.Finance);

        var page = ctx.Render<ExportsPage>();

        Assert.Equal(["export-ledger", "export-redemptions", "export-receipts", "export-failed", "export-topups", "export-codes", "export-audit", "export-reconciliation"],
            page.FindAll("button[data-testid^=export-]").Select(b => b.GetAttribute("data-testid")));
        Assert.Equal("2026-06-01", page.Find("input[data-testid=export-from]").GetAttribute("value"));
        page.Find("input[data-testid=export-from]").Change("2026-07-01");
        page.Find("[data-testid=export-ledger]").Click();
        page.WaitForAssertion(() => Assert.Contains("the start before the end", page.Find("[data-testid=export-error]").TextContent));
    }
}
