using System.Text;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Gateway.FailoverFixture;

namespace TokensForge.Tests.Gateway;

/// <summary>
/// A non-streaming request whose caller hangs up (a real socket closed, through Kestrel) while the upstream is still
/// working: the upstream call is cancelled at once, not left to run to a timeout (the fixture's clock never fires one),
/// and the receipt says the caller cancelled, with money moved exactly as it says and no hold or reservation left open.
/// </summary>
public sealed class AbandonedRequestTests(FailoverFixture fixture) : IClassFixture<FailoverFixture>
{
    public static TheoryData<string, string> FrontDoors => new()
    {
        { "v1/chat/completions", """{"model":"{model}","max_tokens":50,"messages":[{"role":"user","content":"a question left behind"}]}""" },
        { "v1/responses", """{"model":"{model}","max_output_tokens":50,"store":false,"input":"a question left behind"}""" },
        { "v1/messages", """{"model":"{model}","max_tokens":50,"messages":[{"role":"user","content":"a question left behind"}]}""" },
    };

    [Theory]
    [MemberData(nameof(FrontDoors))]
    public async Task CallerHangsUpWhileTheUpstreamAnswers_UpstreamCancelled_ReceiptClientCancelled_MoneyMatchesIt_NothingLeftOpen(string path, string json)
    {
        var (model, routes) = await fixture.RoutesAsync(new FakeRouteSpec(FakeMode.Gated));
        await using var upstream = routes[0].Upstream;
        var (userId, _) = await fixture.Host.AddUserAsync(("routed", Funds));
        var key = await fixture.Host.CreateKeyAsync(userId, new Core.ApiKeys.ApiKeyPolicy(SpendLimit: Funds));
        using var client = fixture.Host.Client(key.Secret);
        using var hangUp = new CancellationTokenSource();

        var sending = client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json.Replace("{model}", model), Encoding.UTF8, "application/json"),
        }, hangUp.Token);
        await upstream.WaitForRequestsAsync();
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);

        var receipt = await ReceiptOfAsync(userId);
        var transfers = await fixture.TransfersOfAsync(receipt.Id);

        // The upstream sees its connection closed a moment after the gateway closes it, possibly after the receipt.
        await TestTimeouts.EventuallyAsync(() => upstream.Abandoned == 1, () => $"{upstream.Abandoned} abandoned upstream requests");
        Assert.Equal((RequestStatus.Partial, ReceiptReasons.ClientCancelled), (receipt.Status, receipt.Reason));
        Assert.Equal(0, receipt.CompletionTokens);
        Assert.True(receipt.PromptTokens > 0);
        Assert.Equal(routes[0].Prices.CostOf(receipt.PromptTokens, 0), receipt.Cost);
        Assert.Equal(receipt.Cost, receipt.Charges.Sum(c => c.Amount));
        Assert.Equal(receipt.Cost, transfers.Where(t => t.Flags == TransferFlags.PostPending).Sum(t => t.Amount));
        Assert.All(transfers.Where(t => t.IsPending), hold => Assert.Contains(transfers, t => t.ResolvesPending && t.PendingId == hold.Id));
        Assert.Equal(Funds - receipt.Cost, await fixture.AvailableAsync(userId));
        await using (var db = fixture.Host.NewContext())
        {
            var spend = await db.ApiKeys.Where(k => k.Id == key.Key.Id).Select(k => new { k.Spent, k.SpendReserved }).SingleAsync();
            Assert.Equal((receipt.Cost, 0L), (spend.Spent, spend.SpendReserved));
            // No hold of this user's is left open, whatever it references.
            var accounts = await db.CreditGrants.Where(g => g.UserId == userId).Select(g => g.AccountId).ToListAsync();
            var holds = await db.Transfers.Where(t => accounts.Contains(t.DebitAccountId) && t.Flags == TransferFlags.Pending).Select(t => t.Id).ToListAsync();
            var resolved = await db.Transfers.Where(t => t.PendingId != null && holds.Contains(t.PendingId.Value)).Select(t => t.PendingId!.Value).ToListAsync();
            Assert.NotEmpty(holds);
            Assert.Empty(holds.Except(resolved));
        }
        var verification = await fixture.Host.VerifyLedgerAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    /// <summary>The receipt is written after the caller left, so nothing hands its id back: found by its user.</summary>
    private async Task<RequestRecord> ReceiptOfAsync(string userId)
    {
        for (var waited = 0; waited < 10_000; waited += 50)
        {
            await using var db = fixture.Host.NewContext();
            if (await db.RequestRecords.AsNoTracking().Include(r => r.Charges).SingleOrDefaultAsync(r => r.UserId == userId) is { } receipt) return receipt;
            await Task.Delay(50);
        }
        throw new TimeoutException("No receipt was written within 10 s of the caller leaving: the request kept running.");
    }
}
