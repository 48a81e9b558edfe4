using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Exports;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Journeys;

public sealed class AdminCodesJourneyTests
{
    private static async Task<IPage> LoginAsync(Browser browser, string baseUrl, string email, string password)
    {
        var page = await browser.NewPageAsync(baseUrl);
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.ClickAsync("button[type=submit]:has-text('Log in')");
        await page.Locator("[data-testid=signed-in-as]").WaitForAsync();
        return page;
    }

    /// <summary>Searches the codes grid for <paramref name="typed"/> (any case) and expects exactly <paramref name="code"/>.</summary>
    private static async Task SearchCodeAsync(IPage page, string code, string? typed = null)
    {
        await page.FillAsync("[data-testid=filter-code]", typed ?? code);
        await page.ClickAsync("[data-testid=apply-filters]");
        await Assertions.Expect(page.Locator("[data-testid=code-row]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=code-row]")).ToHaveTextAsync(code);
    }

    [SkippableFact]
    public async Task Admin_CreatesCampaign_Generates50Codes_DownloadsCsv_DisablesOne_DeletesAnUnusedOne_IsRefusedOnARedeemedOne_VerifiesTheAuditChain()
    {
        using var app = new TokensForgeApp();
        var baseUrl = app.StartKestrel();
        await using var browser = await Browser.LaunchAsync();
        var page = await LoginAsync(browser, baseUrl, TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);

        // Create a promo campaign.
        await page.GotoAsync("/admin/campaigns");
        await Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=campaigns-empty]")).ToBeVisibleAsync();
        await page.ClickAsync("[data-testid=new-campaign]");
        await page.FillAsync("[data-testid=campaign-name]", "Journey flyers");
        await page.FillAsync("[data-testid=campaign-amount]", "5");
        await page.FillAsync("[data-testid=campaign-notes]", "Handed out at the meetup");
        await page.ClickAsync("[data-testid=campaign-save]");
        await Assertions.Expect(page.Locator("[data-testid=campaigns-message]")).ToContainTextAsync("Journey flyers created");
        var row = page.Locator("[data-testid=campaign-row]");
        await Assertions.Expect(row).ToHaveTextAsync("Journey flyers");
        var campaignId = Guid.Parse((await row.GetAttributeAsync("data-campaign-id"))!);
        await Browser.ScreenshotAsync(page, "admin-01-campaign-created");

        // Generate 50 codes; the batch is shown once with its CSV download.
        await page.ClickAsync("[data-testid=generate-codes-link]");
        await page.WaitForURLAsync($"**/admin/codes/generate?campaign={campaignId}");
        await Browser.WaitForInteractiveAsync(page);
        await page.FillAsync("[data-testid=generate-count]", "50");
        await page.ClickAsync("[data-testid=generate-submit]");
        await Assertions.Expect(page.Locator("[data-testid=batch]")).ToContainTextAsync("50 codes for Journey flyers");
        var shown = (await page.Locator("[data-testid=batch-codes]").InnerTextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(50, shown.Length);
        Assert.All(shown, c => Assert.True(RedeemCodeFormat.IsCanonical(c), c));
        await Browser.ScreenshotAsync(page, "admin-02-batch-generated");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=batch-download]"));
        var csvPath = Path.Combine(Path.GetTempPath(), $"tf-journey-{Guid.NewGuid():N}.csv");
        await download.SaveAsAsync(csvPath);
        var rows = CsvReader.FromText(await File.ReadAllTextAsync(csvPath)).GetRecords<CodeBatchCsvRow>().ToList();
        File.Delete(csvPath);
        Assert.Equal(shown.Order(StringComparer.Ordinal), rows.Select(r => r.Code).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal("Journey flyers", r.Campaign));

        // Someone redeems the first code.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<AccountBootstrapper>().CreateAsync("flyer@test.local", "Flyer-pass-1");
            Assert.True(user.Succeeded);
        }
        var userId = app.Get<Microsoft.AspNetCore.Identity.UserManager<Core.Users.ApplicationUser>>() is { } users
            ? (await users.FindByEmailAsync("flyer@test.local"))!.Id
            : throw new InvalidOperationException();
        Assert.True((await app.Get<ClaimService>().RedeemCodeAsync(userId, shown[0], "203.0.113.9")).Succeeded);

        // Disable one code.
        await page.ClickAsync("[data-testid=batch-codes-link]");
        await page.WaitForURLAsync("**/admin/codes?batch=*");
        await Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=code-row]")).ToHaveCountAsync(25);
        await SearchCodeAsync(page, shown[1]);
        await page.ClickAsync("[data-testid=disable-code]");
        await Assertions.Expect(page.Locator("[data-testid=codes-outcome]")).ToContainTextAsync($"Disabled {shown[1]}");
        await Assertions.Expect(page.Locator("[data-testid=code-status]")).ToHaveTextAsync("Disabled");
        await Browser.ScreenshotAsync(page, "admin-03-code-disabled");

        // Delete an unused one.
        await SearchCodeAsync(page, shown[2], typed: shown[2].ToLowerInvariant());
        await page.ClickAsync("[data-testid=delete-code]");
        var confirm = page.Locator(".mud-dialog");
        await Assertions.Expect(confirm).ToContainTextAsync("Delete this code?");
        await Browser.ScreenshotAsync(page, "admin-04-delete-confirm");
        await confirm.Locator("button:has-text('Delete')").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=codes-outcome]")).ToContainTextAsync($"Deleted {shown[2]}");
        await Assertions.Expect(page.Locator("[data-testid=codes-empty]")).ToBeVisibleAsync();

        // The redeemed one offers no Delete, and deleting it with the bulk action is refused: it can only be disabled.
        await SearchCodeAsync(page, shown[0]);
        await Assertions.Expect(page.Locator("[data-testid=code-redemptions]")).ToHaveTextAsync("1 / 1");
        await Assertions.Expect(page.Locator("[data-testid=delete-code]")).ToHaveCountAsync(0);
        await page.Locator("[data-testid=codes-grid] tbody tr input[type=checkbox]").First.CheckAsync();
        await page.ClickAsync("[data-testid=bulk-delete]");
        await confirm.Locator("button:has-text('Delete')").ClickAsync();
        var refused = page.Locator("[data-testid=codes-outcome]");
        await Assertions.Expect(refused).ToContainTextAsync($"Refused {shown[0]}");
        await Assertions.Expect(refused).ToContainTextAsync("can only be disabled");
        await Assertions.Expect(page.Locator("[data-testid=code-row]")).ToHaveTextAsync(shown[0]);
        await Browser.ScreenshotAsync(page, "admin-05-delete-refused");

        // The campaign's results come from the ledger.
        await page.GotoAsync($"/admin/campaigns/{campaignId}");
        await Assertions.Expect(page.Locator("[data-testid=figure-codes-generated]")).ToHaveTextAsync("49");
        await Assertions.Expect(page.Locator("[data-testid=figure-redemptions]")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("[data-testid=figure-credited]")).ToHaveTextAsync("¥5.00");
        await Assertions.Expect(page.Locator("[data-testid=figure-accounts-claimed]")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("[data-testid=daily-chart]")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "admin-06-campaign-results");

        // Every step is in the audit trail, and the chain verifies.
        await page.GotoAsync("/admin/audit");
        await Browser.WaitForInteractiveAsync(page);
        var grid = page.Locator("[data-testid=audit-grid]");
        foreach (var action in new[] { "campaign.create", "codes.generate", "code.disable", "code.delete" }) await Assertions.Expect(grid).ToContainTextAsync(action);
        await Assertions.Expect(grid).ToContainTextAsync($"code:{shown[2]}");
        // The first admin's role grant, then one event per step above.
        var events = (await app.Get<Core.Audit.AuditQueries>().SearchAsync(new Core.Audit.AuditFilter(), 0, 50)).Items;
        Assert.Equal(["role.change", "campaign.create", "codes.generate", "code.disable", "code.delete"], events.Select(e => e.Action).Reverse());
        await page.ClickAsync("[data-testid=verify-chain]");
        await Assertions.Expect(page.Locator("[data-testid=verify-result]")).ToContainTextAsync("Chain ok: 5 events verified.");
        await Browser.ScreenshotAsync(page, "admin-07-audit-verified");
    }
}
