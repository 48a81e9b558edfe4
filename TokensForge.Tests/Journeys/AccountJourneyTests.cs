using Microsoft.Playwright;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Journeys;

public sealed class AccountJourneyTests
{
    [SkippableFact]
    public async Task NewUser_RegistersLogsOutAndIn_SeesThreeEmptyBuckets()
    {
        using var app = new TokensForgeApp();
        var baseUrl = app.StartKestrel();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(baseUrl);
        const string email = "newcomer@test.local";
        const string password = "Newcomer-pass-1";

        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.FillAsync("#Input\\.ConfirmPassword", password);
        await page.ClickAsync("button[type=submit]:has-text('Register')");
        await page.Locator("[data-testid=signed-in-as]").WaitForAsync();

        await page.ClickAsync("[data-testid=logout]");
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.ClickAsync("button[type=submit]:has-text('Log in')");
        await Assertions.Expect(page.Locator("[data-testid=signed-in-as]")).ToHaveTextAsync(email);

        await page.GotoAsync("/wallet");
        await Browser.WaitForInteractiveAsync(page);
        foreach (var bucket in new[] { "official", "routed", "starter" })
            await Assertions.Expect(page.Locator($"[data-testid=bucket-{bucket}] [data-testid=balance]")).ToHaveTextAsync("¥0.00");
        await Assertions.Expect(page.Locator("[data-testid=no-grants]")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "01-wallet-new-user");
    }

    [SkippableFact]
    public async Task TheMudBlazorForms_PostLikeTheTemplates_ShowingValidationAndSignInMessagesOnThePage()
    {
        using var app = new TokensForgeApp();
        var baseUrl = app.StartKestrel();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(baseUrl);

        // Each field posts by its name: a mismatched confirmation comes back with its message, the email kept.
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.Email", "mismatch@test.local");
        await page.FillAsync("#Input\\.Password", "Mismatch-pass-1");
        await page.FillAsync("#Input\\.ConfirmPassword", "Mismatch-pass-2");
        await page.ClickAsync("button[type=submit]:has-text('Register')");
        await Assertions.Expect(page.Locator(".mud-error-text", new() { HasText = "do not match" }).First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#Input\\.Email")).ToHaveValueAsync("mismatch@test.local");
        await Browser.ScreenshotAsync(page, "account-register-mismatch");

        // A wrong password is said in an alert on the form.
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", TokensForgeApp.AdminEmail);
        await page.FillAsync("#Input\\.Password", "not-the-password");
        await page.ClickAsync("button[type=submit]:has-text('Log in')");
        await Assertions.Expect(page.Locator(".mud-alert[data-testid=status-message]")).ToContainTextAsync("Invalid login attempt");
        await Browser.ScreenshotAsync(page, "account-login-refused");

        // The forgot-password form posts too, and says what happens next.
        await page.GotoAsync("/Account/ForgotPassword");
        await page.FillAsync("#Input\\.Email", TokensForgeApp.AdminEmail);
        await page.ClickAsync("button[type=submit]:has-text('Reset password')");
        await page.WaitForURLAsync("**/Account/ForgotPasswordConfirmation");
    }
}
