using MudBlazor;
using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor.Services;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Keys;

namespace TokensForge.Tests.Components.Keys;

public sealed class KeysPageTests
{
    private static BunitContext ContextFor(TestDatabase db, string userId) => PageTestContext.Create(db.Services, "someone@test.local", userId);

    [Fact]
    public async Task CreateKey_ShowsTheSecretOnce_ListsItByPrefix_StoresOnlyTheHash()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var user = await db.AddUserAsync();
        await using var ctx = ContextFor(db, user);
        var page = ctx.Render<KeysPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=no-keys]"));

        page.Find("[data-testid=key-name] input").Input("laptop");
        page.Find("[data-testid=save-key]").Click();

        page.WaitForAssertion(() => page.Find("[data-testid=new-key-secret]"));
        var secret = page.Find("[data-testid=new-key-secret]").TextContent.Trim();
        Assert.True(ApiKeySecret.LooksValid(secret));
        Assert.Contains("laptop", page.Find("[data-testid=keys]").TextContent);
        Assert.Contains(secret[..ApiKeySecret.PrefixLength], page.Find("[data-testid=keys]").TextContent);
        Assert.Equal("active", page.Find("[data-testid=key-status]").TextContent.Trim());
        await using var data = db.NewContext();
        Assert.Equal(ApiKeySecret.Hash(secret), (await data.ApiKeys.SingleAsync(k => k.UserId == user)).Hash);

        // The copy button puts exactly the new secret on the clipboard.
        page.Find("[data-testid=copy-key]").Click();
        var copied = ctx.JSInterop.VerifyInvoke("navigator.clipboard.writeText");
        Assert.Equal(secret, copied.Arguments.Single());

        page.Find("[data-testid=dismiss-secret]").Click();
        page.WaitForAssertion(() => Assert.DoesNotContain(secret, page.Markup));
    }

    [Fact]
    public async Task CreateKey_BadSpendLimit_ShowsTheErrorAndCreatesNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await using var ctx = ContextFor(db, user);
        var page = ctx.Render<KeysPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=no-keys]"));

        page.Find("[data-testid=key-name] input").Input("ci");
        page.Find("[data-testid=key-spend-limit] input").Input("lots");
        page.Find("[data-testid=save-key]").Click();

        page.WaitForAssertion(() => Assert.Contains("not a positive amount", page.Find("[data-testid=key-error]").TextContent));
        Assert.Empty(await db.Get<ApiKeyService>().ListAsync(user));
    }

    [Fact]
    public async Task RevokeKey_AsksFirst_CancelKeepsIt_ConfirmingMarksItRevoked()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var created = (await db.Get<ApiKeyService>().CreateAsync(user, "old", new ApiKeyPolicy(SpendLimit: 5_000_000))).Value!;
        await using var ctx = ContextFor(db, user);
        var dialogs = ctx.Render<MudDialogProvider>();
        var page = ctx.Render<KeysPage>();
        page.WaitForAssertion(() => Assert.Contains("¥0.00 of ¥5.00", page.Find("[data-testid=key-spent]").TextContent));

        page.Find("[data-testid=revoke-key]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Revoke this key?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Revoke this key?", dialogs.Markup));
        Assert.Equal(ApiKeyStatus.Active, (await db.Get<ApiKeyService>().ListAsync(user)).Single(k => k.Id == created.Key.Id).Status);

        page.Find("[data-testid=revoke-key]").Click();
        dialogs.WaitForAssertion(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Revoke"));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Revoke").Click();

        page.WaitForAssertion(() => Assert.Equal("revoked", page.Find("[data-testid=key-status]").TextContent.Trim()));
        Assert.Empty(page.FindAll("[data-testid=revoke-key]"));
        Assert.Equal(ApiKeyStatus.Revoked, (await db.Get<ApiKeyService>().ListAsync(user)).Single(k => k.Id == created.Key.Id).Status);
    }
}
