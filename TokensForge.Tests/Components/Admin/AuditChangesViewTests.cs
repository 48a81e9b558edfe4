using Bunit;
using TokensForge.Core.Audit;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Admin;
using TokensForge.Web.Components.Pages.Admin.Audit;
using TokensForge.Web.Formatting;

namespace TokensForge.Tests.Components.Admin;

public sealed class AuditChangesViewTests
{
    private static IReadOnlyList<(string Field, string Before, string After)> Rows(IRenderedComponent<AuditChangesView> view)
    {
        var fields = view.FindAll("[data-testid=audit-diff-field]");
        var before = view.FindAll("[data-testid=audit-diff-before]");
        var after = view.FindAll("[data-testid=audit-diff-after]");
        return fields.Select((f, i) => (f.TextContent, before[i].TextContent, after[i].TextContent)).ToList();
    }

    [Fact]
    public async Task AnUpdate_ShowsOnlyTheChangedFields_AsFieldBeforeAfter_WithMoneyTimesAndYesNoReadable()
    {
        await using var ctx = PageTestContext.Create();
        var view = ctx.Render<AuditChangesView>(p => p
            .Add(c => c.BeforeJson, """{"name":"Launch promo","amountPerClaim":5000000,"status":"Active","endsAt":null,"enabled":true,"roles":["Admin"]}""")
            .Add(c => c.AfterJson, """{"name":"Launch promo","amountPerClaim":7500000,"status":"Disabled","endsAt":"2026-07-01T00:00:00Z","enabled":false,"roles":["Admin","Finance"]}"""));

        Assert.Equal(
        [
            ("amountPerClaim", "¥5.00", "¥7.50"),
            ("status", "Active", "Disabled"),
            ("endsAt", "—", "2026-07-01 00:00:00 UTC"),
            ("enabled", "yes", "no"),
            ("roles", "Admin", "Admin, Finance"),
        ], Rows(view));
        Assert.DoesNotContain("Launch promo", view.Markup);
        Assert.DoesNotContain("{", view.Find("[data-testid=audit-diff]").TextContent);
    }

    [Fact]
    public async Task ACreationAndADeletion_ShowEveryFieldAgainstADash_NestedFieldsDotted()
    {
        await using var ctx = PageTestContext.Create();
        var created = ctx.Render<AuditChangesView>(p => p.Add(c => c.AfterJson, """{"code":"TF-AAAA-BBBB-CCCC","limits":{"maxRedemptions":1}}"""));
        var deleted = ctx.Render<AuditChangesView>(p => p.Add(c => c.BeforeJson, """{"code":"TF-AAAA-BBBB-CCCC"}"""));
        var nothing = ctx.Render<AuditChangesView>();

        Assert.Equal([("code", "—", "TF-AAAA-BBBB-CCCC"), ("limits.maxRedemptions", "—", "1")], Rows(created));
        Assert.Equal([("code", "TF-AAAA-BBBB-CCCC", "—")], Rows(deleted));
        Assert.Equal("No fields recorded.", nothing.Find("[data-testid=audit-diff-none]").TextContent);
    }

    [Fact]
    public async Task Secrets_AreNeverShown_OnlyThatTheyChanged()
    {
        await using var ctx = PageTestContext.Create();
        var view = ctx.Render<AuditChangesView>(p => p
            .Add(c => c.BeforeJson, """{"upstreamKey":"sk-old-0123456789","upstreamKeySet":true,"webhook":{"secret":"whsec_before"},"priority":1}""")
            .Add(c => c.AfterJson, """{"upstreamKey":"sk-new-9876543210","upstreamKeySet":true,"webhook":{"secret":"whsec_after"},"priority":2,"passwordHash":"AQAAAAIAAYagAAAAE"}"""));

        Assert.Equal(
        [
            ("upstreamKey", AuditDiff.Hidden, AuditDiff.Hidden),
            ("webhook.secret", AuditDiff.Hidden, AuditDiff.Hidden),
            ("priority", "1", "2"),
            ("passwordHash", "—", AuditDiff.Hidden),
        ], Rows(view));
        foreach (var secret in new[] { "sk-old", "sk-new", "whsec_", "AQAAAAIAAYag" }) Assert.DoesNotContain(secret, view.Markup);
    }

    [Fact]
    public async Task AuditPage_NamesTargetsThatExist_WithLinks_AndShowsTheRestAsRecorded()
    {
        await using var db = await TestDatabase.CreateAsync();
        var campaign = (await db.Get<CampaignService>().CreateAsync(new CampaignDraft("Launch promo", CampaignKind.Promo, Bucket.Routed, 1_000_000), "admin@test.local")).Value!;
        var userId = await db.AddUserAsync("ops@test.local");
        await using (var context = db.NewContext())
        {
            await using var tx = await context.Database.BeginTransactionAsync();
            await db.Get<AuditLog>().AppendAsync(context, new AuditEntry("admin@test.local", "role.change", "user:ops@test.local",
                new { Roles = Array.Empty<string>() }, new { Roles = new[] { "Finance" } }));
            await db.Get<AuditLog>().AppendAsync(context, new AuditEntry("admin@test.local", "code.delete", "code:TF-GONE-GONE-GONE"));
            await tx.CommitAsync();
        }
        await using var ctx = PageTestContext.Create(db.Services, "admin@test.local", null, "Admin");

        var page = ctx.Render<AuditPage>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=audit-grid] tbody tr").Count));

        var links = page.FindAll("[data-testid=audit-target-link]");
        Assert.Equal(["ops@test.local", "Launch promo"], links.Select(l => l.TextContent));
        Assert.Equal([AdminLinks.User(userId), AdminLinks.CampaignResults(campaign.Id)], links.Select(l => l.GetAttribute("href")));
        Assert.Contains(page.FindAll("[data-testid=audit-target]"), t => t.TextContent == "code:TF-GONE-GONE-GONE");
        Assert.Contains(page.FindAll("[data-testid=audit-diff-after]"), a => a.TextContent == "Finance");
    }
}
