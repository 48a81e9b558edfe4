using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Data;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Journeys;

public sealed class RoutingJourneyTests
{
    private const string RouteName = "sim-fast";

    /// <summary>A chat request with the admin's own key; returns the name of the route its receipt names.</summary>
    private static async Task<string?> RouteOfNextRequestAsync(HttpClient api)
    {
        var response = await api.PostAsync("v1/chat/completions", new StringContent(
            """{"model":"gpt-4o-mini","max_tokens":8,"messages":[{"role":"user","content":"Which route am I on?"}]}""", Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        var receiptId = response.Headers.GetValues("x-tokensforge-receipt").Single();
        var receipt = await api.GetFromJsonAsync<JsonElement>($"v1/receipts/{receiptId}");
        return receipt.GetProperty("route").GetProperty("name").GetString();
    }

    [SkippableFact]
    public async Task Admin_AddsARouteOnTheSimulator_PricesAndProbesIt_SeesItHealthy_DisablesIt_AndRequestsMoveToTheOtherRoute()
    {
        using var app = new TokensForgeApp(new Dictionary<string, string?> { ["Simulator:Enabled"] = "true" });
        var baseUrl = app.StartKestrel();
        await using var browser = await Browser.LaunchAsync();

        // The admin pays for their own requests with routed balance and a key.
        var adjusted = await app.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest(TokensForgeApp.AdminEmail, "routed", 5_000_000, null, "journey", "journey"));
        Assert.True(adjusted.Succeeded, adjusted.Error?.ToString());
        string adminId;
        await using (var db = await app.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
            adminId = await db.Users.Where(u => u.Email == TokensForgeApp.AdminEmail).Select(u => u.Id).SingleAsync();
        var key = (await app.Get<ApiKeyService>().CreateAsync(adminId, "journey", new ApiKeyPolicy())).Value!;
        using var api = new HttpClient { BaseAddress = new Uri(baseUrl + "/") };
        api.DefaultRequestHeaders.Authorization = new("Bearer", key.Secret);
        Assert.Equal(SimulatorRoutes.RoutedName, await RouteOfNextRequestAsync(api));

        var page = await browser.NewPageAsync(baseUrl);
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", TokensForgeApp.AdminEmail);
        await page.FillAsync("#Input\\.Password", TokensForgeApp.AdminPassword);
        await page.ClickAsync("button[type=submit]:has-text('Log in')");
        await page.Locator("[data-testid=signed-in-as]").WaitForAsync();

        // Add the route from the simulator preset, first in priority.
        await page.GotoAsync("/admin");
        await Browser.WaitForInteractiveAsync(page);
        await page.ClickAsync("[data-testid=admin-routes]");
        await Browser.WaitForInteractiveAsync(page);
        await page.ClickAsync("[data-testid=new-route]");
        await Browser.WaitForInteractiveAsync(page);
        await page.ClickAsync("[data-testid=preset-simulator]");
        await Assertions.Expect(page.Locator("[data-testid=route-base-url] input")).ToHaveValueAsync(SimulatorRoutes.BaseUrl);
        await Assertions.Expect(page.Locator("[data-testid=model-map-row]")).ToHaveCountAsync(SimulatorRoutes.Catalogue.Count);
        await page.FillAsync("[data-testid=route-name] input", RouteName);
        await page.FillAsync("[data-testid=route-key] input", "sim-upstream-key");
        await page.FillAsync("[data-testid=route-priority] input", "1");
        await page.PressAsync("[data-testid=route-priority] input", "Tab");
        await Browser.ScreenshotAsync(page, "40-route-editor");
        await page.ClickAsync("[data-testid=save-route]");
        await Assertions.Expect(page.Locator("[data-testid=route-saved]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=route-key] input")).ToHaveValueAsync("");
        await Assertions.Expect(page.Locator("[data-testid=route-key] input")).ToHaveAttributeAsync("placeholder", new System.Text.RegularExpressions.Regex("stored"));

        // Unpriced, it serves nothing yet; priced, it does.
        await page.ClickAsync("[data-testid=nav-prices]");
        await Browser.WaitForInteractiveAsync(page);
        var row = page.Locator($"tr:has([data-testid=price-row][data-route='{RouteName}'][data-model='gpt-4o-mini'])");
        await Assertions.Expect(row.Locator("[data-testid=unpriced]")).ToBeVisibleAsync();
        await row.Locator("[data-testid=edit-price]").ClickAsync();
        await page.FillAsync("[data-testid=price-input] input", "500000");
        await page.FillAsync("[data-testid=price-output] input", "2000000");
        await page.FillAsync("[data-testid=price-cached] input", "250000");
        await page.PressAsync("[data-testid=price-cached] input", "Tab");
        await page.ClickAsync("[data-testid=save-price]");
        await Assertions.Expect(page.Locator("[data-testid=price-saved]")).ToBeVisibleAsync();
        await Assertions.Expect(row.Locator("[data-testid=current-output]")).ToContainTextAsync("2,000,000 µ");
        await row.Locator("[data-testid=show-history]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=history-row]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=history-by]")).ToContainTextAsync(TokensForgeApp.AdminEmail);
        await Browser.ScreenshotAsync(page, "41-route-prices");

        // Probe it: healthy.
        await page.ClickAsync("[data-testid=nav-health]");
        await Browser.WaitForInteractiveAsync(page);
        var health = page.Locator($"tr:has([data-testid=health-row][data-route='{RouteName}'])");
        await Assertions.Expect(health.Locator("[data-testid=health-status]")).ToHaveTextAsync("no traffic");
        await health.Locator("[data-testid=probe-route]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=probe-result]")).ToHaveAttributeAsync("data-success", "true");
        await Assertions.Expect(health.Locator("[data-testid=health-status]")).ToHaveTextAsync("healthy");
        await Assertions.Expect(health.Locator("[data-testid=health-circuit]")).ToHaveTextAsync("closed");
        await Assertions.Expect(health.Locator("[data-testid=health-success-rate]")).ToHaveTextAsync("100%");
        await Browser.ScreenshotAsync(page, "42-route-health-probed");

        // Requests for the model now go to the new route...
        Assert.Equal(RouteName, await RouteOfNextRequestAsync(api));

        // ...until it is disabled: then they move to the other route.
        await page.GotoAsync("/admin/routes");
        await Browser.WaitForInteractiveAsync(page);
        var routeRow = page.Locator($"tr:has([data-testid=route-row][data-route='{RouteName}'])");
        await Assertions.Expect(routeRow.Locator("[data-testid=simulated]")).ToBeVisibleAsync();
        await routeRow.Locator("[data-testid=route-enabled] input").ClickAsync();
        var confirm = page.Locator(".mud-dialog");
        await Assertions.Expect(confirm).ToContainTextAsync("Disable this route?");
        await Browser.ScreenshotAsync(page, "43-route-disable-confirm");
        await confirm.Locator("button:has-text('Disable')").ClickAsync();
        await Assertions.Expect(routeRow.Locator("[data-testid=route-enabled]")).ToHaveAttributeAsync("data-enabled", "false");
        await Browser.ScreenshotAsync(page, "43-route-disabled");
        Assert.Equal(SimulatorRoutes.RoutedName, await RouteOfNextRequestAsync(api));

        await page.GotoAsync("/usage");
        await Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=receipts]")).ToContainTextAsync(RouteName);
        await Assertions.Expect(page.Locator("[data-testid=receipts]")).ToContainTextAsync(SimulatorRoutes.RoutedName);
        await page.GotoAsync("/admin/routes/health");
        await Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(health.Locator("[data-testid=health-disabled]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"tr:has([data-testid=health-row][data-route='{SimulatorRoutes.RoutedName}']) [data-testid=health-requests]"))
            .ToContainTextAsync("/ 2");
        await Browser.ScreenshotAsync(page, "44-requests-moved");
    }
}
