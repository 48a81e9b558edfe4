using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;
using TokensForge.Core.Research;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Playground;

namespace TokensForge.Tests.Research;

/// <summary>Research requests through the real pipeline and simulator: sys:research pays within the daily allowance, never the user.</summary>
public sealed class ResearchGatewayTests
{
    private static async Task<GatewayResult> AskAsync(GatewayHost host, string userId, string question)
    {
        var assistant = host.Get<ResearchAssistant>();
        var sink = new ComponentChatSink(() => Task.CompletedTask, TimeProvider.System);
        return await host.Get<GatewayPipeline>().ChatAsync(assistant.Caller(userId, "req_" + Guid.CreateVersion7().ToString("N")),
            assistant.Draft([new ChatTurn(ChatTurn.User, question)]).ToRequest(), sink, CancellationToken.None);
    }

    [Fact]
    public async Task ResearchRequest_WithinAllowance_CostsTheUserNothing_PostsFromSysResearch()
    {
        await using var host = GatewayHost.Start();
        var (userId, _) = await host.AddUserAsync(("starter", 1_000_000));

        var result = await AskAsync(host, userId, "[sim:tokens=30] Summarise this earnings call.");

        Assert.True(result.Succeeded, result.Error?.ToString());
        var receipt = (await host.Get<ReceiptQueries>().GetAsync(result.ReceiptId!.Value, userId))!;
        Assert.Equal(RequestSource.Research, receipt.Source);
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.True(receipt.Cost > 0);
        var part = Assert.Single(receipt.PaidBy);
        Assert.Equal((ResearchAllowance.BucketKey, ResearchAllowance.PaidByLabel, Guid.Empty, receipt.Cost), (part.BucketKey, part.SourceLabel, part.GrantId, part.Amount));
        Assert.Equal([TransferFlags.Pending, TransferFlags.PostPending], receipt.Transfers.Select(t => t.Flags));
        Assert.All(receipt.Transfers, t => Assert.Equal(SystemAccounts.Research, t.DebitAccount));
        Assert.All(receipt.Transfers, t => Assert.Equal(SystemAccounts.RevenueRouted, t.CreditAccount));

        await using var db = host.NewContext();
        var wallet = await db.LedgerAccounts.Where(a => a.UserId == userId).SingleAsync();
        Assert.Equal((1_000_000L, 0L, 0L), (wallet.CreditsPosted, wallet.DebitsPosted, wallet.DebitsPending));
        var research = await db.LedgerAccounts.SingleAsync(a => a.Id == SystemAccounts.ResearchId);
        Assert.Equal((receipt.Cost, 0L), (research.DebitsPosted, research.DebitsPending));
        var status = await host.Get<ResearchAllowance>().TodayAsync(userId);
        Assert.Equal((1, receipt.Cost, 0L), (status.RequestsUsed, status.Spent, status.Reserved));
        var verification = await host.VerifyLedgerAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    [Fact]
    public async Task ResearchRequests_BeyondTheDailyRequests_AreRefusedWithAClearMessage_AndMoveNoMoney()
    {
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["Research:DailyRequests"] = "2" });
        var (userId, _) = await host.AddUserAsync();

        var first = await AskAsync(host, userId, "[sim:tokens=5] One.");
        var second = await AskAsync(host, userId, "[sim:tokens=5] Two.");
        var third = await AskAsync(host, userId, "[sim:tokens=5] Three.");

        Assert.True(first.Succeeded && second.Succeeded);
        Assert.Equal(ReceiptReasons.ResearchAllowanceExhausted, third.Error?.Code);
        Assert.Equal(GatewayErrorKind.InsufficientBalance, third.Error!.Kind);
        Assert.Contains("allowance", third.Error.Message);
        var refused = (await host.Get<ReceiptQueries>().GetAsync(third.ReceiptId!.Value, userId))!;
        Assert.Equal((RequestStatus.Failed, ReceiptReasons.ResearchAllowanceExhausted, 0L), (refused.Status, refused.Reason, refused.Cost));
        Assert.Empty(refused.Transfers);
        Assert.True((await host.Get<ResearchAllowance>().TodayAsync(userId)).Exhausted);
    }

    [Fact]
    public async Task ResearchRequest_BeyondTheDailyAmount_IsRefused_ASmallerOneStillFits()
    {
        // 1,100 µ a day: a 1,024-token answer's worst case on gpt-4o-mini (routed ¥3.024/1M output) is over 3,000 µ.
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["Research:DailyAmountMicros"] = "1100" });
        var (userId, _) = await host.AddUserAsync();

        var refused = await AskAsync(host, userId, "[sim:tokens=5] Too big a hold.");

        Assert.Equal(ReceiptReasons.ResearchAllowanceExhausted, refused.Error?.Code);
        await using var db = host.NewContext();
        Assert.Equal(0, await db.Transfers.CountAsync(t => t.DebitAccountId == SystemAccounts.ResearchId));
        var status = await host.Get<ResearchAllowance>().TodayAsync(userId);
        Assert.Equal((0, 0L, 0L), (status.RequestsUsed, status.Spent, status.Reserved));
    }

    [Fact]
    public async Task Allowance_ResetsAtTheNextDay()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 23, 0, 0, TimeSpan.Zero));
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["Research:DailyRequests"] = "1" }, time);
        var (userId, _) = await host.AddUserAsync();

        var today = await AskAsync(host, userId, "[sim:tokens=5] Today.");
        var again = await AskAsync(host, userId, "[sim:tokens=5] Again today.");
        time.Advance(TimeSpan.FromHours(1));
        var tomorrow = await AskAsync(host, userId, "[sim:tokens=5] Tomorrow.");

        Assert.True(today.Succeeded, today.Error?.ToString());
        Assert.Equal(ReceiptReasons.ResearchAllowanceExhausted, again.Error?.Code);
        Assert.True(tomorrow.Succeeded, tomorrow.Error?.ToString());
        var status = await host.Get<ResearchAllowance>().TodayAsync(userId);
        Assert.Equal(new DateOnly(2026, 6, 2), status.Day);
        Assert.Equal(1, status.RequestsUsed);
        Assert.Equal(new DateTime(2026, 6, 3, 0, 0, 0, DateTimeKind.Utc), status.ResetsAt);
        await using var db = host.NewContext();
        Assert.Equal(2, await db.ResearchAllowanceDays.CountAsync(a => a.UserId == userId));
    }

    [Fact]
    public async Task FreeFailure_GivesItsRequestBack()
    {
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["Research:DailyRequests"] = "1" });
        var (userId, _) = await host.AddUserAsync();

        var failed = await AskAsync(host, userId, "[sim:fail] Upstream breaks.");
        var next = await AskAsync(host, userId, "[sim:tokens=5] Works.");

        Assert.Equal("upstream_error", failed.Error?.Code);
        Assert.True(next.Succeeded, next.Error?.ToString());
        var status = await host.Get<ResearchAllowance>().TodayAsync(userId);
        Assert.Equal((1, 0L), (status.RequestsUsed, status.Reserved));
    }
}
