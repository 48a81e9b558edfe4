using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TokensForge.Core.Data;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Journeys;

public sealed class ClaimJourneyTests
{
    internal static async Task<IPage> RegisterAsync(Browser browser, string baseUrl, string email, string password)
    {
        var page = await browser.NewPageAsync(baseUrl);
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.FillAsync("#Input\\.ConfirmPassword", password);
        await page.ClickAsync("button[type=submit]:has-text('Register')");
        await page.Locator("[data-testid=signed-in-as]").WaitForAsync();
        return page;
    }

    [SkippableFact]
    public async Task NewUser_ClaimsStarterCredit_RedeemsACode_IsRefusedTheSecondTime_WalletShowsBothGrants()
    {
        using var app = new TokensForgeApp(new Dictionary<string, string?> { ["Demo:Seed"] = "true" });
        var baseUrl = app.StartKestrel();
        await using var browser = await Browser.LaunchAsync();
        var page = await RegisterAsync(browser, baseUrl, "claimer@test.local", "Claimer-pass-1");

        await page.GotoAsync("/wallet");
        await Browser.WaitForInteractiveAsync(page);
        await page.ClickAsync("[data-testid=claim-starter]");

        var result = page.Locator("[data-testid=claim-result]");
        await Assertions.Expect(result).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=claim-result-campaign]")).ToContainTextAsync(DemoCodes.StarterCampaign);
        await Assertions.Expect(page.Locator("[data-testid=claim-result-bucket]")).ToContainTextAsync("Starter");
        await Assertions.Expect(page.Locator("[data-testid=claim-result-amount]")).ToContainTextAsync("¥5.00");
        await Assertions.Expect(page.Locator("[data-testid=claim-result-account]")).ToContainTextAsync("claimer@test.local");
        await Assertions.Expect(page.Locator("[data-testid=claim-result-one-time-rule]")).ToContainTextAsync("one claim per account", new() { IgnoreCase = true });
        await Assertions.Expect(page.Locator("[data-testid=claim-result-expiry-rule]")).ToContainTextAsync("30 days");
        await Assertions.Expect(page.Locator("[data-testid=claim-result-expires-at]")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("[data-testid=claim-result-claimed-at]")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("[data-testid=claim-result-pays-official]")).ToContainTextAsync("No");
        await Assertions.Expect(page.Locator("[data-testid=claim-result-pays-routed]")).ToContainTextAsync("Yes");
        await Assertions.Expect(page.Locator("[data-testid=claim-result-transfer-link]")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("/wallet/transfers/"));
        await Assertions.Expect(page.Locator("[data-testid=claim-result-redemption-link]")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("/wallet/redemptions"));
        await Assertions.Expect(page.Locator("[data-testid=bucket-starter] [data-testid=balance]")).ToHaveTextAsync("¥5.00");
        await Assertions.Expect(page.Locator("[data-testid=claim-starter]")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, "02-starter-claimed");

        var code = DemoCodes.SingleUse[0].ToLowerInvariant().Replace("-", " ");
        await page.FillAsync("[data-testid=redeem-code]", code);
        await page.ClickAsync("[data-testid=redeem-submit]");
        await Assertions.Expect(page.Locator("[data-testid=claim-result-code]")).ToContainTextAsync(DemoCodes.SingleUse[0]);
        await Assertions.Expect(page.Locator("[data-testid=claim-result-amount]")).ToContainTextAsync("¥10.00");
        await Assertions.Expect(page.Locator("[data-testid=bucket-routed] [data-testid=balance]")).ToHaveTextAsync("¥10.00");
        await Browser.ScreenshotAsync(page, "03-code-redeemed");

        await page.FillAsync("[data-testid=redeem-code]", DemoCodes.SingleUse[0]);
        await page.ClickAsync("[data-testid=redeem-submit]");
        var error = page.Locator("[data-testid=claim-error]");
        await Assertions.Expect(error).ToHaveAttributeAsync("data-error-code", "already_claimed");
        await Assertions.Expect(error).ToContainTextAsync("claimed");

        var grants = page.Locator("[data-testid=grants]");
        await Assertions.Expect(grants).ToContainTextAsync(DemoCodes.StarterCampaign);
        await Assertions.Expect(grants).ToContainTextAsync(DemoCodes.PromoCampaign);
        await Browser.ScreenshotAsync(page, "04-already-claimed");

        await page.ClickAsync("[data-testid=redemptions-link]");
        await Assertions.Expect(page.Locator("[data-testid=redemption-row]")).ToHaveCountAsync(2);
        await Browser.ScreenshotAsync(page, "05-redemption-history");
    }

    /// <summary>
    /// The redeem-code guard counts per account first: someone guessing codes behind a shared address (a NAT, a proxy;
    /// here both browsers are 127.0.0.1) is stopped, and a bystander on that same address still redeems a real code.
    /// </summary>
    [SkippableFact]
    public async Task Guesser_IsThrottled_ABystanderOnTheSameAddressStillRedeems()
    {
        using var app = new TokensForgeApp(new Dictionary<string, string?>
        {
            ["Demo:Seed"] = "true",
            ["Campaigns:MaxFailedAttempts"] = "3",
            ["Campaigns:MaxFailedAttemptsPerAddress"] = "20",
        });
        var baseUrl = app.StartKestrel();
        await using var browser = await Browser.LaunchAsync();
        var guesser = await RegisterAsync(browser, baseUrl, "guesser@test.local", "Guesser-pass-1");
        var bystander = await RegisterAsync(browser, baseUrl, "bystander@test.local", "Bystander-pass-1");

        await guesser.GotoAsync("/wallet");
        await Browser.WaitForInteractiveAsync(guesser);
        var error = guesser.Locator("[data-testid=claim-error]");
        for (var i = 1; i <= 3; i++)
        {
            await guesser.FillAsync("[data-testid=redeem-code]", $"TF-WRNG-CODE-000{i}");
            await guesser.ClickAsync("[data-testid=redeem-submit]");
            await Assertions.Expect(error).ToHaveAttributeAsync("data-error-code", "code_not_found");
            // The page shows the same error each time: wait until the server has this guess on record.
            await WaitForFailedAttemptsAsync(app, "guesser@test.local", i);
        }
        // The fourth guess is refused before the code is looked up, even a real one.
        await guesser.FillAsync("[data-testid=redeem-code]", DemoCodes.SingleUse[1]);
        await guesser.ClickAsync("[data-testid=redeem-submit]");
        await Assertions.Expect(error).ToHaveAttributeAsync("data-error-code", "too_many_attempts");
        await Browser.ScreenshotAsync(guesser, "06-guesser-throttled");

        await bystander.GotoAsync("/wallet");
        await Browser.WaitForInteractiveAsync(bystander);
        await bystander.FillAsync("[data-testid=redeem-code]", DemoCodes.SingleUse[1]);
        await bystander.ClickAsync("[data-testid=redeem-submit]");
        await Assertions.Expect(bystander.Locator("[data-testid=claim-result-code]")).ToContainTextAsync(DemoCodes.SingleUse[1]);
        await Assertions.Expect(bystander.Locator("[data-testid=bucket-routed] [data-testid=balance]")).ToHaveTextAsync("¥10.00");
        await Browser.ScreenshotAsync(bystander, "07-bystander-redeemed");
    }

    private static async Task WaitForFailedAttemptsAsync(TokensForgeApp app, string email, int count)
    {
        var contexts = app.Get<IDbContextFactory<AppDbContext>>();
        for (var tries = 0; tries < 100; tries++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            var user = await db.Users.SingleAsync(u => u.Email == email);
            if (await db.CodeAttempts.CountAsync(a => a.UserId == user.Id && a.Outcome == "code_not_found") >= count) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{email} never had {count} failed code attempts on record.");
    }
}
