using Bunit;
using TokensForge.Core.Receipts;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Usage;
using static TokensForge.Tests.Receipts.ReceiptTestData;

namespace TokensForge.Tests.Components.Usage;

public sealed class ActivityPageTests
{
    [Fact]
    public async Task ActivityPage_WithoutSpend_SaysSoInsteadOfAnEmptyChart()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        var (other, _) = await FundedUserAsync(db);
        await WriteAsync(db, other, RequestStatus.Succeeded, 500);
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", user);

        var page = ctx.Render<ActivityPage>();

        page.WaitForAssertion(() => Assert.Contains("You spent nothing", page.Find("[data-testid=activity-empty]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=activity-chart]"));
        Assert.Empty(page.FindAll("[data-testid=activity-total]"));
    }

    [Fact]
    public async Task ActivityPage_ShowsTheLast30DaysTotals_PerBucketAndModel_OnlyTheUsers()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        var (other, _) = await FundedUserAsync(db);
        await WriteAsync(db, user, RequestStatus.Succeeded, 990);
        db.Time.Advance(TimeSpan.FromDays(31));
        await WriteAsync(db, user, RequestStatus.Succeeded, 120);
        db.Time.Advance(TimeSpan.FromDays(2));
        await WriteAsync(db, user, RequestStatus.Partial, 300, model: "gpt-4o");
        await WriteAsync(db, user, RequestStatus.Failed, 0);
        await WriteAsync(db, other, RequestStatus.Succeeded, 777);
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", user);

        var page = ctx.Render<ActivityPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=activity-chart]"));
        // The receipt of 31 days ago is outside the default range and the other user's is never counted.
        Assert.Equal("¥0.00042", page.Find("[data-testid=activity-total]").TextContent.Trim());
        var bucket = Assert.Single(page.FindAll("[data-testid=activity-bucket]"));
        Assert.Equal("routed", bucket.GetAttribute("data-bucket"));
        Assert.Contains("Routed balance", bucket.TextContent);
        Assert.Equal("¥0.00042", bucket.QuerySelector("[data-testid=activity-bucket-total]")!.TextContent.Trim());
        var models = page.FindAll("[data-testid=activity-model]");
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], models.Select(m => m.GetAttribute("data-model")));
        Assert.Contains("¥0.0003", models[0].TextContent);
        Assert.Contains("¥0.00012", models[1].TextContent);
        Assert.Empty(page.FindAll("[data-testid=activity-empty]"));
    }
}
