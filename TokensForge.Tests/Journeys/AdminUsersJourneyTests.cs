using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TokensForge.Tests.Journeys;

public sealed class AdminUsersJourneyTests
{
    /// <summary>
    /// Elements of the page whose content is wider than their box (hidden behind a horizontal scroll): the page itself and
    /// every grid or table container.
    /// </summary>
    private static Task<string[]> SidewaysScrollersAsync(IPage page) => page.EvaluateAsync<string[]>("""
        () => [document.documentElement, ...document.querySelectorAll('.mud-table-container, .mud-table, table')]
            .filter(e => e.scrollWidth > e.clientWidth + 1)
            .map(e => `${e.tagName.toLowerCase()}.${e.className} (${e.scrollWidth} > ${e.clientWidth})`)
        """);

    private static async Task AssertFitsAsync(IPage page)
    {
        var hidden = await SidewaysScrollersAsync(page);
        Assert.True(hidden.Length == 0, $"{page.Url} hides content sideways at 1366×900: {string.Join("; ", hidden)}");
    }

    [SkippableFact]
    public async Task Admin_FindsAUser_DisablesTheAccountAfterConfirming_ThenTheUsersKeyGets401_UntilEnabledAgain()
    {
        await using var host = GatewayHost.Start();
        var (userId, email) = await host.AddUserAsync((Bucket.Routed, 5_000_000));
        var key = await host.CreateKeyAsync(userId, name: "journey key");
        using var api = host.Client(key.Secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("v1/models")).StatusCode);
        var chat = await api.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(host.BaseUrl);
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", TokensForgeApp.AdminEmail);
        await page.FillAsync("#Input\\.Password", TokensForgeApp.AdminPassword);
        await page.ClickAsync("button[type=submit]:has-text('Log in')");
        await page.Locator("[data-testid=signed-in-as]").WaitForAsync();

        // The overview counts the request and fits the screen.
        await page.GotoAsync("/admin");
        await Browser.WaitForInteractiveAsync(page);
        await Expect(page.Locator("[data-testid=figure-requests]")).ToHaveTextAsync("1");
        await Expect(page.Locator("[data-testid=issued-chart]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=top-model]")).ToContainTextAsync("gpt-4o-mini");
        await Expect(page.Locator("[data-testid=top-user]")).ToContainTextAsync(email);
        await Browser.ScreenshotAsync(page, "admin-users-00-overview");
        await AssertFitsAsync(page);
        await page.ClickAsync("[data-testid=admin-users]");
        await page.WaitForURLAsync("**/admin/users");
        await Browser.WaitForInteractiveAsync(page);
        await Expect(page.Locator("[data-testid=user-row]", new() { HasText = TokensForgeApp.AdminEmail })).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=user-row]", new() { HasText = email })).ToHaveCountAsync(1);
        await AssertFitsAsync(page);
        await page.FillAsync("input[data-testid=filter-email]", email[..12].ToUpperInvariant());
        await page.ClickAsync("[data-testid=apply-filters]");
        await Expect(page.Locator("[data-testid=user-row]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=user-row]")).ToHaveTextAsync(email);
        await Browser.ScreenshotAsync(page, "admin-users-01-search");

        await page.ClickAsync("[data-testid=user-row]");
        await page.WaitForURLAsync($"**/admin/users/{userId}");
        await Browser.WaitForInteractiveAsync(page);
        await Expect(page.Locator("[data-testid=user-email]")).ToHaveTextAsync(email);
        await Expect(page.Locator("[data-testid=key-row]")).ToContainTextAsync("journey key");
        await Expect(page.Locator("[data-bucket=routed] [data-testid=bucket-balance]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^¥4\.\d+$")); // ¥5 less the one request
        await AssertFitsAsync(page);

        // Disabling asks first.
        await page.ClickAsync("[data-testid=disable-user]");
        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToContainTextAsync("Disable this account?");
        await Browser.ScreenshotAsync(page, "admin-users-02-confirm-disable");
        await dialog.Locator("button:has-text('Disable')").ClickAsync();
        await Expect(page.Locator("[data-testid=user-message]")).ToContainTextAsync("Account disabled");
        await Expect(page.Locator("[data-testid=user-state]")).ToContainTextAsync("Disabled");
        await Expect(page.Locator("[data-testid=key-state]")).ToHaveTextAsync("refused (account disabled)");
        await AssertFitsAsync(page);
        await Browser.ScreenshotAsync(page, "admin-users-03-disabled");

        var refused = await api.GetAsync("v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("\"account_disabled\"", await refused.Content.ReadAsStringAsync());

        await page.ClickAsync("[data-testid=enable-user]");
        await Expect(page.Locator("[data-testid=user-message]")).ToContainTextAsync("Account enabled");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("v1/models")).StatusCode);
    }
}
