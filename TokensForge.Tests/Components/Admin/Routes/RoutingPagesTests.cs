using MudBlazor;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Admin.Routes;
using TokensForge.Web.Extensions;

namespace TokensForge.Tests.Components.Admin.Routes;

public sealed class RoutingPagesTests
{
    private const string Secret = "sk-page-test-7f3a9c2e11";

    internal static BunitContext ContextFor(TestDatabase db)
    {
        var ctx = PageTestContext.Create(db.Services, "admin@test.local", null, "Admin");
        ctx.Services.AddSingleton(new ClientAddress("10.1.2.3"));
        return ctx;
    }

    /// <summary>The simulated routes and an official <c>deepseek</c> route serving <c>deepseek-chat</c>, with no price yet.</summary>
    internal static async Task<(TestDatabase Db, Guid RouteId)> SeededAsync()
    {
        var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var admin = db.Get<RouteAdministration>();
        await admin.SaveModelAsync(new ModelDraft("deepseek-chat", "DeepSeek chat", ModelKind.Chat, 64_000), create: true, new AdminActor("seed"));
        var id = (await admin.CreateRouteAsync(new RouteDraft("deepseek", RouteKind.Official, "https://api.deepseek.example/v1", 10, 1, 5, 30, 120, true,
            [new ModelMapping("deepseek-chat", "deepseek-chat")], Secret), new AdminActor("seed"))).Value;
        return (db, id);
    }

    [Fact]
    public async Task ModelsPage_ShowsAModelWithoutAPricedRoute_AsUnavailable_WithTheReason()
    {
        var (db, _) = await SeededAsync();
        await using var _db = db;
        await using var ctx = ContextFor(db);

        var page = ctx.Render<ModelsPage>();

        page.WaitForAssertion(() => page.Find("[data-model=deepseek-chat]"));
        var unpriced = page.Find("tr:has([data-model=deepseek-chat])");
        Assert.Equal("false", page.Find("[data-model=deepseek-chat]").GetAttribute("data-available"));
        Assert.Contains("unavailable", unpriced.TextContent);
        Assert.Contains("No enabled route has a current price for it.", unpriced.TextContent);
        Assert.Contains("deepseek", unpriced.QuerySelector("[data-testid=serving-route]")!.TextContent);
        Assert.Equal("true", page.Find("[data-model=gpt-4o-mini]").GetAttribute("data-available"));
    }

    [Fact]
    public async Task ModelsPage_ShowsEachModelsMaximumOutput_AndAnEditSavesIt()
    {
        var (db, _) = await SeededAsync();
        await using var _db = db;
        await using var ctx = ContextFor(db);

        var page = ctx.Render<ModelsPage>();
        page.WaitForAssertion(() => page.Find("[data-model=deepseek-chat]"));
        Assert.Equal("16,384", page.Find("tr:has([data-model=gpt-4o-mini]) [data-testid=model-max-output-cell]").TextContent.Trim());
        Assert.Equal("—", page.Find("tr:has([data-model=deepseek-chat]) [data-testid=model-max-output-cell]").TextContent.Trim());
        await page.Find("tr:has([data-model=deepseek-chat]) [data-testid=edit-model]").ClickAsync(new());
        page.Find("[data-testid=model-max-output] input").Change("8192");
        await page.Find("[data-testid=save-model]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal("8,192", page.Find("tr:has([data-model=deepseek-chat]) [data-testid=model-max-output-cell]").TextContent.Trim()));
        Assert.Equal(8_192, (await db.Get<RouteAdminQueries>().CatalogueAsync()).Single(m => m.Id == "deepseek-chat").MaxOutputTokens);
    }

    [Fact]
    public async Task RouteEditor_ExistingRoute_NeverShowsTheKey_AndAnInvalidSaveShowsTheReasonAndChangesNothing()
    {
        var (db, id) = await SeededAsync();
        await using var _db = db;
        await using var ctx = ContextFor(db);

        var page = ctx.Render<RouteEditorPage>(p => p.Add(x => x.Id, id));
        page.WaitForAssertion(() => page.Find("[data-testid=route-form]"));
        var keyInput = page.Find("[data-testid=route-key] input");
        Assert.DoesNotContain(Secret, page.Markup);
        Assert.Equal("password", keyInput.GetAttribute("type"));
        Assert.Contains("A key is stored", keyInput.GetAttribute("placeholder"));
        page.Find("[data-testid=route-base-url] input").Input("ftp://nowhere");
        await page.Find("[data-testid=save-route]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal("invalid_base_url", page.Find("[data-testid=route-error]").GetAttribute("data-error-code")));
        Assert.Equal("https://api.deepseek.example/v1", (await db.Get<RouteAdminQueries>().GetRouteAsync(id))!.BaseUrl);
    }

    [Fact]
    public async Task RouteEditor_SpeaksResponsesNatively_IsSaved_AndAnAnthropicRouteHasNoSuchOption()
    {
        var (db, id) = await SeededAsync();
        await using var _db = db;
        await using var ctx = ContextFor(db);

        var page = ctx.Render<RouteEditorPage>(p => p.Add(x => x.Id, id));
        page.WaitForAssertion(() => page.Find("[data-testid=route-form]"));
        page.Find("[data-testid=route-native-responses] input").Change(true);
        await page.Find("[data-testid=save-route]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.True((db.Get<RouteAdminQueries>().GetRouteAsync(id).GetAwaiter().GetResult())!.NativeResponses));
        var anthropic = page.FindAll("[data-testid=route-protocol] input[type=radio]")[1];
        anthropic.Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=route-native-responses]")));
        await page.Find("[data-testid=save-route]").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal((RouteProtocol.Anthropic, false),
            db.Get<RouteAdminQueries>().GetRouteAsync(id).GetAwaiter().GetResult() is { } r ? (r.Protocol, r.NativeResponses) : default));
    }

    [Fact]
    public async Task RoutesPage_ListsRoutesWithoutKeys_AndTheSwitchDisablesARouteAfterConfirming()
    {
        var (db, id) = await SeededAsync();
        await using var _db = db;
        await using var ctx = ContextFor(db);
        var dialogs = ctx.Render<MudDialogProvider>();

        var page = ctx.Render<RoutesPage>();
        page.WaitForAssertion(() => page.Find("[data-route=deepseek]"));
        Assert.DoesNotContain(Secret, page.Markup);
        Assert.Contains("stored (encrypted)", page.Find("tr:has([data-route=deepseek])").TextContent);
        Assert.Equal(2, page.FindAll("[data-testid=simulated]").Count);

        // Disabling asks first; cancelling leaves the route, and its switch, on.
        page.Find("tr:has([data-route=deepseek]) [data-testid=route-enabled] input").Change(false);
        dialogs.WaitForAssertion(() => Assert.Contains("Disable this route?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        page.WaitForAssertion(() => Assert.True(page.Find("tr:has([data-route=deepseek]) [data-testid=route-enabled] input").HasAttribute("checked")));
        Assert.True((await db.Get<RouteAdminQueries>().GetRouteAsync(id))!.Enabled);

        page.Find("tr:has([data-route=deepseek]) [data-testid=route-enabled] input").Change(false);
        dialogs.WaitForAssertion(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Disable"));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Disable").Click();

        page.WaitForAssertion(() => Assert.Equal("false", page.Find("tr:has([data-route=deepseek]) [data-testid=route-enabled]").GetAttribute("data-enabled")));
        Assert.False((await db.Get<RouteAdminQueries>().GetRouteAsync(id))!.Enabled);
    }
}
