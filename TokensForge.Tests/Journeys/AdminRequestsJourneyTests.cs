using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TokensForge.Tests.Journeys;

public sealed class AdminRequestsJourneyTests
{
    [SkippableFact]
    public async Task Admin_OpensTheRequestLog_SeesEveryAccount_NarrowsToOneUserFromTheirPage_AndOpensAReceipt()
    {
        await using var host = GatewayHost.Start();
        var (aliceId, alice) = await host.AddUserAsync((Bucket.Routed, 5_000_000));
        var (bobId, bob) = await host.AddUserAsync((Bucket.Routed, 5_000_000));
        var aliceKey = await host.CreateKeyAsync(aliceId, name: "Alice's notebook");
        var bobKey = await host.CreateKeyAsync(bobId, name: "Bob's runner");
        using (var api = host.Client(aliceKey.Secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("v1/chat/completions", Chat("gpt-4o-mini", "hi"))).StatusCode);
            // The simulator answers 500 before the first byte: a failed, free request.
            Assert.False((await api.PostAsJsonAsync("v1/chat/completions", Chat("gpt-4o", "[sim:fail]"))).IsSuccessStatusCode);
        }
        using (var api = host.Client(bobKey.Secret))
            Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("v1/chat/completions", Chat("gpt-4o-mini", "hi"))).StatusCode);

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(host.BaseUrl);
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", TokensForgeApp.AdminEmail);
        await page.FillAsync("#Input\\.Password", TokensForgeApp.AdminPassword);
        await page.ClickAsync("button[type=submit]:has-text('Log in')");
        await page.Locator("[data-testid=signed-in-as]").WaitForAsync();

        await page.GotoAsync("/admin");
        await Browser.WaitForInteractiveAsync(page);
        await page.ClickAsync("[data-testid=admin-requests]");
        await page.WaitForURLAsync("**/admin/requests");
        await Browser.WaitForInteractiveAsync(page);
        var rows = page.Locator("[data-testid=requests] tbody tr:has([data-testid=request-row])");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Nth(0).Locator("[data-testid=request-user]")).ToHaveTextAsync(bob);
        await Expect(rows.Nth(0).Locator("[data-testid=request-key]")).ToHaveTextAsync("Bob's runner");
        await Expect(rows.Nth(1).Locator("[data-testid=request-status]")).ToHaveTextAsync("failed");
        await Expect(rows.Nth(2).Locator("[data-testid=request-cost]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^¥0\.\d+$"));
        await Browser.ScreenshotAsync(page, "admin-requests-01-everyone");

        // A key by part of its name.
        await page.FillAsync("input[data-testid=filter-key]", "NOTEBOOK");
        await page.ClickAsync("[data-testid=apply-filters]");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Locator("[data-testid=request-user]")).ToHaveTextAsync([alice, alice]);

        // From Alice's account page, her requests only; the failed one by status.
        await rows.Nth(0).Locator("[data-testid=request-user]").ClickAsync();
        await page.WaitForURLAsync($"**/admin/users/{aliceId}");
        await Browser.WaitForInteractiveAsync(page);
        await page.ClickAsync("[data-testid=user-requests-link]");
        await page.WaitForURLAsync("**/admin/requests?user=*");
        await Browser.WaitForInteractiveAsync(page);
        await Expect(page.Locator("input[data-testid=filter-user]")).ToHaveValueAsync(alice);
        await Expect(rows).ToHaveCountAsync(2);
        await page.Locator("div.mud-input-control:has(input[data-testid=filter-status])").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "failed" }).ClickAsync();
        // The choice reaches the server (the list closes) before the filters apply.
        await Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
        await page.WaitForTimeoutAsync(300);
        await page.ClickAsync("[data-testid=apply-filters]");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.Locator("[data-testid=request-model]")).ToHaveTextAsync("gpt-4o");
        await Browser.ScreenshotAsync(page, "admin-requests-02-one-user-failed");

        var receiptId = await rows.Locator("[data-testid=request-row]").GetAttributeAsync("data-receipt-id");
        await rows.Locator("[data-testid=request-row] a").ClickAsync();
        await page.WaitForURLAsync($"**/receipts/{receiptId}");
        await Expect(page.Locator("[data-testid=receipt-status]")).ToHaveTextAsync("failed");
        await Expect(page.Locator("[data-testid=receipt-model]")).ToHaveTextAsync("gpt-4o");
    }

    private static object Chat(string model, string content) =>
        new { model, max_tokens = 16, messages = new[] { new { role = "user", content } } };
}
