using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TokensForge.Core.Users;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Journeys;

public sealed class TopUpJourneyTests
{
    private static async Task LoginAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.ClickAsync("button[type=submit]:has-text('Log in')");
        await Assertions.Expect(page.Locator("[data-testid=signed-in-as]")).ToHaveTextAsync(email);
    }

    [SkippableFact]
    public async Task User_TopsUpWithTheTestCheckout_SeesThePaidGrant_FinanceDownloadsTheReconciliation()
    {
        using var app = new TokensForgeApp(new Dictionary<string, string?>
        {
            ["Payments:TestCheckoutEnabled"] = "true",
            ["Payments:WebhookSecret"] = "journey-webhook-secret-0123456789",
        });
        var baseUrl = app.StartKestrel();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<AccountBootstrapper>();
            Assert.True((await accounts.CreateAsync("buyer@test.local", "Buyer-pass-1")).Succeeded);
            Assert.True((await accounts.CreateAsync("finance@test.local", "Finance-pass-1", Roles.Finance)).Succeeded);
        }
        await using var browser = await Browser.LaunchAsync();

        var buyer = await browser.NewPageAsync(baseUrl);
        await LoginAsync(buyer, "buyer@test.local", "Buyer-pass-1");
        await buyer.GotoAsync("/topup");
        await Browser.WaitForInteractiveAsync(buyer);
        await buyer.GetByTestId("topup-bucket-official").ClickAsync();
        await buyer.GetByTestId("topup-preset-100").ClickAsync();
        await Browser.ScreenshotAsync(buyer, "topup-01-choose");
        await buyer.GetByTestId("pay-test").ClickAsync();

        await Assertions.Expect(buyer.GetByTestId("test-checkout-banner")).ToContainTextAsync("TEST CHECKOUT");
        await Browser.WaitForInteractiveAsync(buyer);
        await buyer.GetByTestId("test-checkout-pay").ClickAsync();
        await Assertions.Expect(buyer.GetByTestId("order-status")).ToContainTextAsync("credited", new() { IgnoreCase = true });
        await Browser.ScreenshotAsync(buyer, "topup-02-test-checkout-paid");

        await buyer.GotoAsync("/wallet");
        await Browser.WaitForInteractiveAsync(buyer);
        await Assertions.Expect(buyer.Locator("[data-testid=bucket-official] [data-testid=balance]")).ToHaveTextAsync("¥100.00");
        await Assertions.Expect(buyer.Locator("[data-testid=grants]")).ToContainTextAsync("¥100.00");
        await Browser.ScreenshotAsync(buyer, "topup-03-wallet-paid-grant");

        var finance = await browser.NewPageAsync(baseUrl);
        await LoginAsync(finance, "finance@test.local", "Finance-pass-1");
        await finance.GotoAsync("/finance");
        await Browser.WaitForInteractiveAsync(finance);
        var download = await finance.RunAndWaitForDownloadAsync(() => finance.GetByTestId("export-reconciliation").ClickAsync());
        var path = Path.Combine(Browser.ArtifactsDirectory, "..", "reconciliation.csv");
        await download.SaveAsAsync(path);
        await Assertions.Expect(finance.GetByTestId("export-done")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(finance, "topup-04-finance-exports");

        var bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var check = Array.IndexOf(header, "check");
        Assert.True(check >= 0, "the reconciliation has a check column");
        Assert.All(lines.Skip(1), l => Assert.Equal("ok", l.Split(',')[check].Trim()));
        Assert.Contains(lines, l => l.Contains("buyer@test.local") && l.Contains(",official,") && l.Contains("100000000"));
        Assert.Contains(lines, l => l.Contains("sys:payments:clearing"));
    }
}
