using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Routing;
using TokensForge.Core.Users;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Admin.Users;
using TokensForge.Web.Extensions;

namespace TokensForge.Tests.Components.Admin;

/// <summary>The admin users list and one account's page, over a real database.</summary>
public sealed class UsersPageTests
{
    private const string Admin = "admin@test.local";

    private static async Task<TestDatabase> DatabaseAsync()
    {
        var db = await TestDatabase.CreateAsync();
        await using var context = db.NewContext();
        foreach (var role in Roles.All) context.Roles.Add(new IdentityRole(role) { NormalizedName = role.ToUpperInvariant() });
        await context.SaveChangesAsync();
        return db;
    }

    private static BunitContext ContextFor(TestDatabase db)
    {
        var ctx = PageTestContext.Create(db.Services, Admin, null, Roles.Admin);
        ctx.Services.AddSingleton(new ClientAddress("203.0.113.9"));
        return ctx;
    }

    [Fact]
    public async Task UsersPage_ListsAccounts_AndSearchesByEmail()
    {
        await using var db = await DatabaseAsync();
        await db.AddUserAsync("ana@acme.test");
        await db.AddUserAsync("bo@acme.test");
        var other = await db.AddUserAsync("cy@other.test");
        await db.Get<UserAdminService>().AdjustAsync(other, Bucket.Official, 7_000_000, "welcome", new AdminActor(Admin));
        await using var ctx = ContextFor(db);

        var page = ctx.Render<UsersPage>();

        page.WaitForAssertion(() => Assert.Equal(["ana@acme.test", "bo@acme.test", "cy@other.test"], page.FindAll("[data-testid=user-row]").Select(r => r.TextContent.Trim())));
        Assert.Contains("¥7.00", page.Find("[data-testid=users-grid]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=users-loading]"));

        page.Find("input[data-testid=filter-email]").Input("OTHER");
        page.Find("[data-testid=apply-filters]").Click();

        page.WaitForAssertion(() => Assert.Equal(["cy@other.test"], page.FindAll("[data-testid=user-row]").Select(r => r.TextContent.Trim())));
        Assert.Equal($"/admin/users/{other}", page.Find("[data-testid=user-row]").GetAttribute("href"));

        page.Find("input[data-testid=filter-email]").Input("nobody");
        page.Find("[data-testid=apply-filters]").Click();
        page.WaitForAssertion(() => page.Find("[data-testid=users-empty]"));
    }

    [Fact]
    public async Task UserPage_UnknownId_SaysNotFound()
    {
        await using var db = await DatabaseAsync();
        await using var ctx = ContextFor(db);

        var page = ctx.Render<UserPage>(p => p.Add(x => x.Id, "no-such-account"));

        page.WaitForAssertion(() => Assert.Contains("Account not found", page.Find("[data-testid=user-not-found]").TextContent));
    }

    [Fact]
    public async Task UserPage_ShowsBalancesAndKeys_DisablesAfterConfirming_AndAddsAnAdjustment()
    {
        await using var db = await DatabaseAsync();
        var userId = await db.AddUserAsync("kim@test.local");
        await db.Get<UserAdminService>().AdjustAsync(userId, Bucket.Routed, 4_000_000, "welcome", new AdminActor(Admin));
        await db.Get<ApiKeyService>().CreateAsync(userId, "ci runner", new ApiKeyPolicy());
        await using var ctx = ContextFor(db);
        var dialogs = ctx.Render<MudDialogProvider>();

        var page = ctx.Render<UserPage>(p => p.Add(x => x.Id, userId));

        page.WaitForAssertion(() => Assert.Equal("kim@test.local", page.Find("[data-testid=user-email]").TextContent.Trim()));
        Assert.Equal("¥4.00", page.Find("[data-bucket=routed] [data-testid=bucket-balance]").TextContent.Trim());
        Assert.Contains("ci runner", page.Find("[data-testid=key-row]").TextContent);
        Assert.Equal("active", page.Find("[data-testid=key-state]").TextContent.Trim());
        Assert.Contains("Adjustment: welcome", page.Find("[data-testid=grant-row]").TextContent);
        page.Find("[data-testid=receipts-empty]");
        page.Find("[data-testid=redemptions-empty]");

        // Disabling asks first; cancelling changes nothing.
        page.Find("[data-testid=disable-user]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Disable this account?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Contains("Cancel")).Click();
        Assert.Null((await db.Get<UserAdminQueries>().GetAsync(userId))!.DisabledAt);

        page.Find("[data-testid=disable-user]").Click();
        dialogs.WaitForAssertion(() => dialogs.FindAll("button").Single(b => b.TextContent.Contains("Disable")));
        dialogs.FindAll("button").Single(b => b.TextContent.Contains("Disable")).Click();

        page.WaitForAssertion(() => Assert.Contains("Account disabled", page.Find("[data-testid=user-message]").TextContent));
        Assert.StartsWith("Disabled", page.Find("[data-testid=user-state]").TextContent.Trim());
        Assert.Equal("refused (account disabled)", page.Find("[data-testid=key-state]").TextContent.Trim());
        Assert.NotNull((await db.Get<UserAdminQueries>().GetAsync(userId))!.DisabledAt);
        page.Find("[data-testid=enable-user]");

        // An adjustment in yuan lands in the chosen bucket.
        page.Find("input[data-testid=adjust-amount]").Input("2.50");
        page.Find("input[data-testid=adjust-reason]").Input("outage credit");
        page.Find("[data-testid=adjust-submit]").Click();

        page.WaitForAssertion(() => Assert.Contains("Granted ¥2.50", page.Find("[data-testid=user-message]").TextContent));
        Assert.Equal("¥2.50", page.Find("[data-bucket=official] [data-testid=bucket-balance]").TextContent.Trim());
        Assert.Equal("¥4.00", page.Find("[data-bucket=routed] [data-testid=bucket-balance]").TextContent.Trim());
        await using var check = db.NewContext();
        Assert.Equal(["grant.adjust", "user.disable", "grant.adjust"], await check.AuditEvents.OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());
    }

    [Fact]
    public async Task UserPage_RoleChange_IsSavedAndShown()
    {
        await using var db = await DatabaseAsync();
        var userId = await db.AddUserAsync("fin@test.local");
        await using var ctx = ContextFor(db);

        var page = ctx.Render<UserPage>(p => p.Add(x => x.Id, userId));
        page.WaitForAssertion(() => page.Find("[data-testid=role-finance]"));
        page.Find("input[data-testid=role-finance]").Change(true);
        page.Find("[data-testid=save-roles]").Click();

        page.WaitForAssertion(() => Assert.Contains("Roles saved: Finance, User", page.Find("[data-testid=user-message]").TextContent));
        Assert.Equal("Finance, User", page.Find("[data-testid=user-roles]").TextContent.Trim());
    }
}
