using Bunit;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Receipts;
using TokensForge.Core.Research;
using TokensForge.Core.Routing;
using TokensForge.Tests.Components.Playground;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Research;

namespace TokensForge.Tests.Components.Research;

public sealed class ResearchPageTests
{
    [Fact]
    public async Task ResearchPage_ShowsTheNotice_TheAllowanceAndTheTemplates()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var userId = await db.AddUserAsync();
        await using var ctx = PlaygroundPageTests.ContextFor(db.Services, userId);

        var page = ctx.Render<ResearchPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=allowance-requests]"));
        Assert.Contains(ResearchAssistant.Notice, page.Find("[data-testid=research-notice]").TextContent);
        Assert.Contains("20 of 20 requests left", page.Find("[data-testid=allowance-requests]").TextContent);
        Assert.Contains("¥1.00 of ¥1.00 left", page.Find("[data-testid=allowance-amount]").TextContent);
        Assert.Equal(ResearchAssistant.Templates.Count, page.FindAll("[data-testid^=template-]").Count);

        page.Find("[data-testid=template-critique-backtest]").Click();

        page.WaitForAssertion(() => Assert.Contains("look-ahead", page.Find("[data-testid=prompt-input] textarea").GetAttribute("value") ?? page.Find("[data-testid=prompt-input] textarea").TextContent));
    }

    [Fact]
    public async Task ResearchPage_AllowanceUsedUp_StillShowsTheNotice_AndSaysWhenItResets()
    {
        await using var db = await TestDatabase.CreateAsync(configure: s => s.Configure<ResearchOptions>(o => o.DailyRequests = 1));
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var userId = await db.AddUserAsync();
        var route = (await db.Get<RouteCatalog>().GetAsync()).Find("gpt-4o-mini")!.Routes[0];
        Assert.True((await db.Get<ResearchAllowance>().SponsorFor(userId).PlaceAsync(userId, route, 100, TimeSpan.FromMinutes(5), "r", CancellationToken.None)).Succeeded);
        await using var ctx = PlaygroundPageTests.ContextFor(db.Services, userId);

        var page = ctx.Render<ResearchPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=allowance-exhausted]"));
        Assert.Contains(ResearchAssistant.Notice, page.Find("[data-testid=research-notice]").TextContent);
        Assert.Contains("2026-06-02 00:00:00 UTC", page.Find("[data-testid=allowance-exhausted]").TextContent);
        Assert.Equal("/playground", page.Find("[data-testid=allowance-exhausted] a").GetAttribute("href"));
        Assert.True(page.Find("[data-testid=send]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task EveryAnswer_CarriesTheNotice_AndSaysTheFreeAllowancePaid()
    {
        await using var host = GatewayHost.Start();
        var (userId, _) = await host.AddUserAsync();
        await using var ctx = PlaygroundPageTests.ContextFor(host.App.Services, userId);
        var page = ctx.Render<ResearchPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=allowance-requests]"));

        foreach (var (question, answers) in new[] { ("[sim:tokens=7] Build a checklist.", 1), ("[sim:cut=3] And a second one.", 2) })
        {
            page.Find("[data-testid=prompt-input] textarea").Input(question);
            page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=send]").HasAttribute("disabled")));
            page.Find("[data-testid=send]").Click();
            page.WaitForAssertion(() => Assert.Equal(answers, page.FindAll("[data-testid=assistant-message]").Count), TimeSpan.FromSeconds(30));
        }

        var messages = page.FindAll("[data-testid=assistant-message]");
        Assert.All(messages, m => Assert.Contains(ResearchAssistant.Notice, m.QuerySelector("[data-testid=answer-notice]")!.TextContent));
        Assert.All(messages, m => Assert.Contains("paid by research allowance (free)", m.QuerySelector("[data-testid=answer-paid-by]")!.TextContent));
        Assert.Contains("partial", messages[1].QuerySelector("[data-testid=answer-paid-by]")!.TextContent);
        Assert.Contains(ResearchAssistant.Notice, page.Find("[data-testid=research-notice]").TextContent);
        Assert.Contains("18 of 20 requests left", page.Find("[data-testid=allowance-requests]").TextContent);
        var receiptId = Guid.Parse(messages[0].QuerySelector("[data-testid=answer-receipt-link]")!.GetAttribute("href")!["/receipts/".Length..]);
        var receipt = (await host.Get<ReceiptQueries>().GetAsync(receiptId, userId))!;
        Assert.Equal(RequestSource.Research, receipt.Source);
    }
}
