using Microsoft.Playwright;
using TokensForge.Core.Common;
using TokensForge.Core.Research;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Seeding;
using static Microsoft.Playwright.Assertions;

namespace TokensForge.Tests.Journeys;

public sealed class PlaygroundJourneyTests
{
    [SkippableFact]
    public async Task NewUser_ClaimsStarter_StreamsInThePlayground_StopsALongAnswer_AndUsesTheResearchAssistant()
    {
        using var app = new TokensForgeApp(new Dictionary<string, string?> { ["Demo:Seed"] = "true", ["Simulator:Enabled"] = "true" });
        var baseUrl = app.StartKestrel();
        await using var browser = await Browser.LaunchAsync();
        var page = await ClaimJourneyTests.RegisterAsync(browser, baseUrl, "player@test.local", "Player-pass-1");

        await page.GotoAsync("/wallet");
        await Browser.WaitForInteractiveAsync(page);
        await page.ClickAsync("[data-testid=claim-starter]");
        await Expect(page.Locator("[data-testid=bucket-starter] [data-testid=balance]")).ToHaveTextAsync("¥5.00");

        // A streaming prompt: text arrives, then the receipt says the starter bucket paid.
        await page.GotoAsync("/playground");
        await Browser.WaitForInteractiveAsync(page);
        await page.FillAsync("[data-testid=prompt-input] textarea", "[sim:tokens=80] [sim:delay=50] Explain what a token is.");
        await Expect(page.Locator("[data-testid=hold-preview]")).ToHaveAttributeAsync("data-can-pay", "true");
        await Expect(page.Locator("[data-testid=hold-can-pay]")).ToContainTextAsync("Starter balance");
        await page.ClickAsync("[data-testid=send]");
        await Expect(page.Locator("[data-testid=streaming-answer]")).ToHaveAttributeAsync("data-started", "true");
        await Expect(page.Locator("[data-testid=streaming-text]")).Not.ToBeEmptyAsync();
        await Browser.ScreenshotAsync(page, "40-playground-streaming");

        var card = page.Locator("[data-testid=receipt-card]");
        await Expect(card).ToHaveCountAsync(1);
        await Expect(card).ToHaveAttributeAsync("data-status", "succeeded");
        await Expect(card.Locator("[data-testid=rc-part-bucket]")).ToHaveTextAsync("Starter balance");
        await Expect(card.Locator("[data-testid=rc-part-source]")).ToContainTextAsync(DemoCodes.StarterCampaign);
        await Expect(card.Locator("[data-testid=rc-tokens]")).ToContainTextAsync("/ 80 /");
        await Expect(card.Locator("[data-testid=rc-route-kind]")).ToHaveTextAsync("routed");
        await Expect(page.Locator("[data-testid=assistant-message]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=session-total]")).ToContainTextAsync("1 request");
        await Browser.ScreenshotAsync(page, "41-playground-receipt");

        // A long answer, stopped: the receipt says cancelled and charges only what was delivered.
        await page.FillAsync("[data-testid=prompt-input] textarea", "[sim:fill] [sim:delay=40] Write a very long essay.");
        await page.ClickAsync("[data-testid=send]");
        await Expect(page.Locator("[data-testid=streaming-text]")).Not.ToBeEmptyAsync();
        await page.ClickAsync("[data-testid=stop]");
        await Expect(card).ToHaveCountAsync(2);
        var stopped = card.First;
        await Expect(stopped).ToHaveAttributeAsync("data-status", "partial");
        await Expect(stopped).ToHaveAttributeAsync("data-reason", "client_cancelled");
        await Expect(stopped.Locator("[data-testid=rc-reason]")).ToContainTextAsync("cancelled");
        await Expect(page.Locator("[data-testid=playground-notice]")).ToContainTextAsync("Stopped");
        await Expect(page.Locator("[data-testid=session-total]")).ToContainTextAsync("2 requests");
        await Browser.ScreenshotAsync(page, "42-playground-stopped");

        // The research assistant: the notice on the page and under the answer, paid by the free allowance.
        await page.GotoAsync("/research");
        await Browser.WaitForInteractiveAsync(page);
        await Expect(page.Locator("[data-testid=research-notice]")).ToContainTextAsync(ResearchAssistant.Notice);
        await Expect(page.Locator("[data-testid=allowance-requests]")).ToContainTextAsync("20 of 20");
        await page.ClickAsync("[data-testid=template-research-checklist]");
        await Expect(page.Locator("[data-testid=prompt-input] textarea")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("research checklist"));
        await Browser.ScreenshotAsync(page, "43-research-notice");
        await page.ClickAsync("[data-testid=send]");
        var answer = page.Locator("[data-testid=assistant-message]");
        await Expect(answer).ToHaveCountAsync(1);
        await Expect(answer.Locator("[data-testid=answer-notice]")).ToContainTextAsync(ResearchAssistant.Notice);
        await Expect(answer.Locator("[data-testid=answer-paid-by]")).ToContainTextAsync("paid by research allowance (free)");
        await Expect(page.Locator("[data-testid=allowance-requests]")).ToContainTextAsync("19 of 20");
        await Browser.ScreenshotAsync(page, "44-research-answer");

        // The activity chart: today's spend is what left the starter balance; the free research answer is not the user's spend.
        await page.GotoAsync("/wallet");
        await Browser.WaitForInteractiveAsync(page);
        var left = await page.Locator("[data-testid=bucket-starter] [data-testid=balance]").TextContentAsync();
        Assert.True(Money.TryParseUnits(left!.Trim(), out var remaining));
        var spent = Money.Format(5 * Money.MicrosPerUnit - remaining);
        await page.ClickAsync(".mud-drawer a[href='activity']");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/activity$"));
        await Browser.WaitForInteractiveAsync(page);
        await Expect(page.Locator("[data-testid=activity-chart] svg").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=activity-total]")).ToHaveTextAsync(spent);
        await Expect(page.Locator("[data-testid=activity-bucket]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=activity-bucket][data-bucket=starter] [data-testid=activity-bucket-total]")).ToHaveTextAsync(spent);
        await Expect(page.Locator("[data-testid=activity-model]")).Not.ToHaveCountAsync(0);
        Assert.False(await HasHorizontalScrollAsync(page), "the activity page scrolls sideways at 1366×900");
        await Browser.ScreenshotAsync(page, "45-activity");
        await page.SetViewportSizeAsync(390, 844);
        await Expect(page.Locator("[data-testid=activity-total]")).ToHaveTextAsync(spent);
        Assert.False(await HasHorizontalScrollAsync(page), "the activity page scrolls sideways at 390×844");
        await Browser.ScreenshotAsync(page, "46-activity-phone");

        // The usage grid names who paid; the user downloads their own receipts as CSV, and only theirs are in it.
        await page.SetViewportSizeAsync(1366, 900);
        await page.GotoAsync("/usage");
        await Browser.WaitForInteractiveAsync(page);
        await Expect(page.Locator("[data-testid=receipt-paid-part][data-bucket=starter]").First).ToContainTextAsync("Starter balance");
        var shown = await page.Locator("[data-testid=receipt-row]").CountAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=export-receipts]"));
        Assert.StartsWith("tokensforge-my-receipts-", download.SuggestedFilename);
        var csvPath = Path.Combine(Path.GetTempPath(), $"tf-journey-{Guid.NewGuid():N}.csv");
        await download.SaveAsAsync(csvPath);
        var rows = CsvHelper.CsvReader.FromText(await File.ReadAllTextAsync(csvPath)).GetRecords<Core.Exports.ReceiptRow>().ToList();
        File.Delete(csvPath);
        Assert.Equal(shown, rows.Count);
        Assert.All(rows, r => Assert.Equal("player@test.local", r.UserEmail));
        await Expect(page.Locator("[data-testid=export-message]")).ToContainTextAsync($"{rows.Count} rows");
        await Browser.ScreenshotAsync(page, "47-usage-export");
    }

    private static Task<bool> HasHorizontalScrollAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > document.documentElement.clientWidth");
}
