using Bunit;
using TokensForge.Core.Receipts;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Usage;
using static TokensForge.Tests.Receipts.ReceiptTestData;

namespace TokensForge.Tests.Components.Usage;

public sealed class UsagePagesTests
{
    [Fact]
    public async Task UsagePage_ListsOnlyTheUsersReceipts_NewestFirst()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        var (other, _) = await FundedUserAsync(db);
        var first = await WriteAsync(db, user, RequestStatus.Succeeded, 120);
        var second = await WriteAsync(db, user, RequestStatus.Failed, 0);
        await WriteAsync(db, other, RequestStatus.Succeeded, 999);
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", user);

        var page = ctx.Render<UsagePage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=receipt-row]").Count));
        Assert.Equal([second.ToString(), first.ToString()], page.FindAll("[data-testid=receipt-row]").Select(r => r.GetAttribute("data-receipt-id")));
        Assert.Contains("¥0.00012", page.Find("[data-testid=receipts]").TextContent);
        Assert.DoesNotContain("¥0.000999", page.Find("[data-testid=receipts]").TextContent);
    }

    [Fact]
    public async Task UsagePage_NamesTheKey_AndShowsTheBucketsThatPaid()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        var key = (await db.Get<TokensForge.Core.ApiKeys.ApiKeyService>().CreateAsync(user, "ci runner", new TokensForge.Core.ApiKeys.ApiKeyPolicy())).Value!.Key;
        await WriteAsync(db, user, RequestStatus.Succeeded, 420, keyId: key.Id);
        await WriteAsync(db, user, RequestStatus.Failed, 0);
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", user);

        var page = ctx.Render<UsagePage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=receipt-row]").Count));
        var paid = page.FindAll("[data-testid=receipts] tbody tr").Single(r => r.QuerySelector("[data-testid=receipt-source]")?.TextContent.Trim() == "ci runner");
        Assert.Equal("Routed balance ¥0.00042", paid.QuerySelector("[data-testid=receipt-paid-part][data-bucket=routed]")!.TextContent.Trim());
        Assert.DoesNotContain(key.Prefix, page.Find("[data-testid=receipts]").TextContent);
        Assert.Equal("—", page.FindAll("[data-testid=receipt-paid-by]").Select(e => e.TextContent.Trim()).First());
        page.Find("[data-testid=own-export]");
    }

    [Fact]
    public async Task FailedRequestsPage_ShowsOnlyFailures_WithTheUpstreamError()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        await WriteAsync(db, user, RequestStatus.Succeeded, 120);
        var failed = await WriteAsync(db, user, RequestStatus.Failed, 0, upstreamError: "HTTP 500: boom");
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", user);

        var page = ctx.Render<FailedRequestsPage>();

        page.WaitForAssertion(() => Assert.Equal(failed.ToString(), Assert.Single(page.FindAll("[data-testid=receipt-row]")).GetAttribute("data-receipt-id")));
        Assert.Contains("HTTP 500: boom", page.Find("[data-testid=receipts]").TextContent);
    }

    [Fact]
    public async Task ReceiptPage_ShowsPaidByTransfersAndPriceSnapshot()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        var id = await WriteAsync(db, user, RequestStatus.Succeeded, 420);
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", user);

        var page = ctx.Render<ReceiptPage>(p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => page.Find("[data-testid=receipt]"));
        Assert.Equal("succeeded", page.Find("[data-testid=receipt-status]").TextContent.Trim());
        Assert.Equal("¥0.00042", page.Find("[data-testid=receipt-total]").TextContent.Trim());
        Assert.Contains("Routed balance", Assert.Single(page.FindAll("[data-testid=paid-by-part]")).TextContent);
        Assert.Equal(["Pending", "PostPending"], page.FindAll("[data-testid=receipt-transfer]").Select(t => t.GetAttribute("data-flags")));
        Assert.All(page.FindAll("[data-testid=receipt-transfer-to]"), to => Assert.Equal("Routed model usage", to.TextContent.Trim()));
        Assert.All(page.FindAll("[data-testid=receipt-transfer-from]"), from => Assert.EndsWith(" grant", from.TextContent.Trim()));
        Assert.DoesNotContain("sys:", page.Find("[data-testid=receipt-transfers]").TextContent);
        Assert.DoesNotContain("user:", page.Find("[data-testid=receipt-transfers]").TextContent);
        Assert.Contains("¥0.756", page.Find("[data-testid=receipt-price]").TextContent);
        Assert.Contains("sim-routed", page.Find("[data-testid=receipt-route]").TextContent);
        Assert.Contains("simulated", page.Find("[data-testid=receipt-route]").TextContent);
    }

    [Fact]
    public async Task ReceiptPage_SomeoneElsesReceipt_IsNotFound_ButAnAdminSeesIt()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (owner, _) = await FundedUserAsync(db);
        var (stranger, _) = await FundedUserAsync(db);
        var id = await WriteAsync(db, owner, RequestStatus.Succeeded, 420);

        await using (var ctx = PageTestContext.Create(db.Services, "someone@test.local", stranger))
        {
            var page = ctx.Render<ReceiptPage>(p => p.Add(x => x.Id, id));
            page.WaitForAssertion(() => page.Find("[data-testid=receipt-not-found]"));
            Assert.Empty(page.FindAll("[data-testid=receipt]"));
        }
        await using (var ctx = PageTestContext.Create(db.Services, "someone@test.local", stranger, "Admin"))
        {
            var page = ctx.Render<ReceiptPage>(p => p.Add(x => x.Id, id));
            page.WaitForAssertion(() => page.Find("[data-testid=receipt]"));
        }
    }
}
