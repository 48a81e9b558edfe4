using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Receipts;

/// <summary>
/// An answer that outlives its hold (the sweeper expired it and the money went back) is charged afresh from the wallet,
/// never delivered free while the wallet can pay; only what the wallet or the key's limit can no longer cover is free,
/// and the receipt says why.
/// </summary>
public sealed class LateAnswerTests
{
    private const long Held = 1_000, Cost = 600;

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task AnswerAfterTheHoldExpired_IsChargedAfresh_ReceiptEqualsItsCharges(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var (userId, _) = await ReceiptTestData.FundedUserAsync(db, routed: 10_000);

        var record = await LateReceiptAsync(db, userId, key: null);

        Assert.Equal(RequestStatus.Succeeded, record.Status);
        Assert.Equal(ReceiptReasons.Completed, record.Reason);
        Assert.Equal(Cost, record.Cost);
        Assert.Equal(Cost, record.Charges.Sum(c => c.Amount));
        await using var ctx = db.NewContext();
        var charged = await ctx.Transfers.Where(t => t.Reference == record.Id.ToString() && t.Code == TransferCode.Charge && t.Flags == TransferFlags.None).SumAsync(t => t.Amount);
        Assert.Equal(Cost, charged);
        var wallet = await db.Get<WalletQueries>().GetBucketsAsync(userId);
        Assert.Equal(10_000 - Cost, wallet.Sum(b => b.Available));
        var verification = await db.Get<LedgerVerifier>().VerifyAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    [Fact]
    public async Task AnswerAfterTheHoldExpired_WhenTheWalletWasSpentMeanwhile_IsFree_WithTheReason()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (userId, _) = await ReceiptTestData.FundedUserAsync(db, routed: 1_000);

        var record = await LateReceiptAsync(db, userId, key: null, spendMeanwhile: 1_000);

        Assert.Equal(0, record.Cost);
        Assert.Equal(ReceiptReasons.HoldExpired, record.Reason);
        Assert.Empty(record.Charges);
    }

    [Fact]
    public async Task AnswerAfterTheHoldExpired_BeyondTheKeysSpendLimit_IsFree_AndTheLimitHolds()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (userId, _) = await ReceiptTestData.FundedUserAsync(db, routed: 10_000);
        var created = (await db.Get<ApiKeyService>().CreateAsync(userId, "limited", new ApiKeyPolicy(SpendLimit: Held))).Value!;
        var key = (await db.Get<ApiKeyAuthenticator>().AuthenticateAsync("Bearer " + created.Secret)).Value!;
        // Another request of the key spent most of its limit after this one's reservation was swept.
        var record = await LateReceiptAsync(db, userId, key, spendOnKeyMeanwhile: Held - 100);

        Assert.Equal(0, record.Cost);
        Assert.Equal(ReceiptReasons.HoldExpired, record.Reason);
        await using var ctx = db.NewContext();
        var stored = await ctx.ApiKeys.SingleAsync(k => k.Id == key.KeyId);
        Assert.Equal(Held - 100, stored.Spent);
        Assert.Equal(0, stored.SpendReserved);
    }

    /// <summary>A request holds, its hold (and key reservation) is swept while the upstream is still answering, then its receipt is written.</summary>
    private static async Task<RequestRecord> LateReceiptAsync(TestDatabase db, string userId, KeyPrincipal? key, long spendMeanwhile = 0, long spendOnKeyMeanwhile = 0)
    {
        var model = (await db.Get<RouteCatalog>().GetAsync()).Find("gpt-4o-mini")!;
        var route = model.Routes.Single(r => r.Kind == RouteKind.Routed);
        var id = Guid.CreateVersion7();
        var caller = new GatewayCaller(userId, RequestSource.Api, key, RoutePreference.Auto, "req_" + id.ToString("N"));
        await using var request = new GatewayRequest(caller, ChatShape.EndpointName, stream: false, model, new PromptBudget(10, 5), id, db.Time.GetUtcNow().UtcDateTime,
            db.Get<HoldPlanner>(), db.Get<IdempotencyStore>(), NullLogger.Instance);
        var (placed, refusal) = await db.Get<HoldPlanner>().PlaceOneAsync(caller, route, Held, id, default);
        Assert.True(placed is not null, refusal?.Reason);
        request.Holds(placed!);

        db.Time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(1, await db.Get<HoldSweeper>().RunOnceAsync());
        await db.Get<ApiKeySpendSweeper>().RunOnceAsync();
        if (spendMeanwhile > 0)
        {
            var other = await db.Get<HoldService>().PlaceAsync(userId, RouteKind.Routed, spendMeanwhile, TimeSpan.FromMinutes(5), "meanwhile");
            Assert.True((await db.Get<HoldService>().SettleAsync(other.Value!, spendMeanwhile)).Succeeded);
        }
        if (spendOnKeyMeanwhile > 0)
        {
            await db.Get<Core.Data.WriteTransaction>().RunAsync(async (ctx, token) =>
                Core.Data.Write.Commit(await ApiKeySpend.SettleAsync(ctx, key!.KeyId, null, spendOnKeyMeanwhile, token)));
        }

        var decision = new ChargeDecision(RequestStatus.Succeeded, ReceiptReasons.Completed, 10, 5, 0, false, Cost);
        var written = await db.Get<ReceiptWriter>().WriteAsync(request, new ReceiptFacts(route, Held, decision, 0));
        await using var ctx2 = db.NewContext();
        return await ctx2.RequestRecords.Include(r => r.Charges).SingleAsync(r => r.Id == written.Id);
    }
}
