using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Data;
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
        Assert.Empty(page.FindAll("[data-testid=activity-key]"));
        // Nothing spent, but the balance the account holds is still drawn.
        Assert.Equal("¥1.00", page.Find("[data-bucket=routed] [data-testid=balance-end]").TextContent.Trim());
        page.Find("[data-testid=balance-chart]");
    }

    /// <summary>Real contexts once <see cref="Open"/> is called.</summary>
    private sealed class GatedContexts(IDbContextFactory<AppDbContext> inner) : IDbContextFactory<AppDbContext>
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _gate.TrySetResult();

        public AppDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<AppDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            await _gate.Task.WaitAsync(cancellationToken);
            return inner.CreateDbContext();
        }
    }

    [Fact]
    public async Task ActivityPage_WhileTheFiguresLoad_ShowsProgress_ThenTheFigures()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        await WriteAsync(db, user, RequestStatus.Succeeded, 120);
        var gate = new GatedContexts(db.Get<IDbContextFactory<AppDbContext>>());
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", user);
        ctx.Services.AddSingleton(new ActivityQueries(gate, db.Time));

        var page = ctx.Render<ActivityPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=activity-loading]"));
        Assert.Empty(page.FindAll("[data-testid=activity-chart]"));
        Assert.Empty(page.FindAll("[data-testid=activity-empty]"));
        gate.Open();
        page.WaitForAssertion(() => Assert.Equal("¥0.00012", page.Find("[data-testid=activity-total]").TextContent.Trim()));
        Assert.Empty(page.FindAll("[data-testid=activity-loading]"));
    }

    [Fact]
    public async Task ActivityPage_ShowsTheLast30DaysTotals_PerBucketAndModel_OnlyTheUsers()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        var (other, _) = await FundedUserAsync(db);
        var key = (await db.Get<ApiKeyService>().CreateAsync(user, "ci runner", new ApiKeyPolicy())).Value!.Key;
        await WriteAsync(db, user, RequestStatus.Succeeded, 990, keyId: key.Id);
        db.Time.Advance(TimeSpan.FromDays(31));
        await WriteAsync(db, user, RequestStatus.Succeeded, 120, keyId: key.Id);
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
        // By key: the named key's part in the range, then what was spent without a key.
        var keys = page.FindAll("[data-testid=activity-key]");
        Assert.Equal(["¥0.0003", "¥0.00012"], keys.Select(k => k.QuerySelector("[data-testid=activity-key-total]")!.TextContent.Trim()));
        Assert.Contains("ci runner", keys[1].TextContent);
        Assert.Equal(key.Id.ToString(), keys[1].GetAttribute("data-key-id"));
        // The balance is the ledger's: the grant less every posted charge, the one before the range included.
        Assert.Equal(Core.Common.Money.Format(1_000_000 - 990 - 120 - 300), page.Find("[data-bucket=routed] [data-testid=balance-end]").TextContent.Trim());
        page.Find("[data-testid=balance-chart]");
    }
}
