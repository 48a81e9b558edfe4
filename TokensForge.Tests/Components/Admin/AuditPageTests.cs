using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor.Services;
using TokensForge.Core.Audit;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Admin;

namespace TokensForge.Tests.Components.Admin;

public sealed class AuditPageTests
{
    private static BunitContext ContextFor(TestDatabase db) => PageTestContext.Create(db.Services, "admin@test.local", null, "Admin");

    [Fact]
    public async Task AuditPage_NoEvents_ShowsEmptyState_AndVerifiesAnEmptyChain()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var ctx = ContextFor(db);

        var page = ctx.Render<AuditPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=audit-empty]"));
        await page.Find("[data-testid=verify-chain]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains("Chain ok: 0 events verified.", page.Find("[data-testid=verify-result]").TextContent));
    }

    [Fact]
    public async Task AuditPage_ActionFilter_OffersTheKnownActions_AndFiltersByTheChosenOne()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using (var context = db.NewContext())
        {
            await using var tx = await context.Database.BeginTransactionAsync();
            foreach (var (action, target) in new[] { ("code.delete", "code:TF-K7QM-2HWP-X9DA"), ("campaign.create", "campaign:1"), ("code.delete", "code:TF-2222-3333-4444") })
                await db.Get<AuditLog>().AppendAsync(context, new AuditEntry("admin@test.local", action, target));
            await tx.CommitAsync();
        }
        Assert.Equal(["campaign.create", "code.delete"], await db.Get<AuditQueries>().ActionsAsync());
        await using var ctx = ContextFor(db);
        var popovers = ctx.Render<MudBlazor.MudPopoverProvider>();
        var page = ctx.Render<AuditPage>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=audit-grid] tbody tr").Count));

        await page.Find("div.mud-input-control:has(input[data-testid=filter-action])").MouseDownAsync(new());
        popovers.WaitForAssertion(() => Assert.Equal(["campaign.create", "code.delete"], popovers.FindAll(".mud-list-item").Select(i => i.TextContent.Trim())));
        await popovers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == "campaign.create").ClickAsync(new());
        await page.Find("[data-testid=apply-filters]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=audit-grid] tbody tr")));
        Assert.Contains("campaign.create", page.Find("[data-testid=audit-grid]").TextContent);
    }

    [Fact]
    public async Task AuditPage_TamperedEvent_VerifyNamesTheBrokenEvent()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using (var context = db.NewContext())
        {
            await using var tx = await context.Database.BeginTransactionAsync();
            await db.Get<AuditLog>().AppendAsync(context, new AuditEntry("admin@test.local", "code.delete", "code:TF-K7QM-2HWP-X9DA"));
            await tx.CommitAsync();
            await context.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_events_no_update");
            await context.Database.ExecuteSqlRawAsync("UPDATE audit_events SET \"Target\" = 'code:other'");
        }
        await using var ctx = ContextFor(db);

        var page = ctx.Render<AuditPage>();
        page.WaitForAssertion(() => Assert.Contains("code:other", page.Find("[data-testid=audit-grid]").TextContent));
        await page.Find("[data-testid=verify-chain]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains("Chain broken at event 1", page.Find("[data-testid=verify-result]").TextContent));
    }
}
