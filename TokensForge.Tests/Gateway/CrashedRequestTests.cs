using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Gateway;

/// <summary>
/// An instance killed between a request's hold and its receipt leaves the hold and the key's spend reservation behind.
/// The sweeps give both back once the hold's time is up, so the key is not left short of its limit for ever.
/// </summary>
public sealed class CrashedRequestTests
{
    private const long Worst = 4_000;

    private static readonly RouteCandidate Route = TestRoutes.HoldOnly("crash route");

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task KeyReservationOfAnAbandonedHold_IsGivenBackByTheSweep_AfterTheHoldExpires(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var userId = await db.AddUserAsync();
        await GrantAsync(db, userId, Bucket.Routed, 100_000);
        var created = (await db.Get<ApiKeyService>().CreateAsync(userId, "limited", new ApiKeyPolicy(SpendLimit: 2 * Worst))).Value!;
        var key = (await db.Get<ApiKeyAuthenticator>().AuthenticateAsync("Bearer " + created.Secret)).Value!;
        var caller = new GatewayCaller(userId, RequestSource.Api, key, RoutePreference.Auto, "req-crash");
        var planner = db.Get<HoldPlanner>();

        // Two requests hold on the key; their instance dies before either writes a receipt.
        var (first, _) = await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default);
        var (second, _) = await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default);
        Assert.NotNull(first);
        Assert.NotNull(second);
        var (refused, refusal) = await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default);
        Assert.Null(refused);
        Assert.Equal(Core.Receipts.ReceiptReasons.SpendLimitReached, refusal!.Reason);

        // Before the hold's time is up the sweeps leave them alone: the requests may still be running elsewhere.
        db.Time.Advance(db.Get<IOptions<GatewayOptions>>().Value.HoldTimeout - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await db.Get<HoldSweeper>().RunOnceAsync());
        Assert.Equal(0, await db.Get<ApiKeySpendSweeper>().RunOnceAsync());
        Assert.Equal(2 * Worst, await ReservedAsync(db, key.KeyId));

        db.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, await db.Get<HoldSweeper>().RunOnceAsync());
        Assert.Equal(2, await db.Get<ApiKeySpendSweeper>().RunOnceAsync());

        Assert.Equal(0, await ReservedAsync(db, key.KeyId));
        await using (var ctx = db.NewContext())
        {
            Assert.Empty(await ctx.ApiKeyReservations.ToListAsync());
            Assert.Equal(0, (await ctx.ApiKeys.SingleAsync(k => k.Id == key.KeyId)).Spent);
        }
        var wallet = await db.Get<WalletQueries>().GetBucketsAsync(userId);
        Assert.Equal(100_000, wallet.Sum(b => b.Available));
        // A second sweep finds nothing more to give back, and the key can spend its whole limit again.
        Assert.Equal(0, await db.Get<ApiKeySpendSweeper>().RunOnceAsync());
        var (again, _) = await planner.PlaceOneAsync(caller, Route, 2 * Worst, Guid.CreateVersion7(), default);
        Assert.NotNull(again);
        var verification = await db.Get<LedgerVerifier>().VerifyAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    [Fact]
    public async Task Release_VoidsTheHoldAndGivesBackTheReservation_Once_EvenAfterTheSweepGotThereFirst()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        await GrantAsync(db, userId, Bucket.Routed, 100_000);
        var created = (await db.Get<ApiKeyService>().CreateAsync(userId, "limited", new ApiKeyPolicy(SpendLimit: 10 * Worst))).Value!;
        var key = (await db.Get<ApiKeyAuthenticator>().AuthenticateAsync("Bearer " + created.Secret)).Value!;
        var caller = new GatewayCaller(userId, RequestSource.Api, key, RoutePreference.Auto, "req-release");
        var planner = db.Get<HoldPlanner>();

        var (released, _) = await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default);
        var (late, _) = await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default);
        await planner.ReleaseAsync(released!, caller, Guid.CreateVersion7());
        Assert.Equal(Worst, await ReservedAsync(db, key.KeyId));

        // The late request's hold and reservation were swept while it was still running; its release gives back nothing twice.
        db.Time.Advance(db.Get<IOptions<GatewayOptions>>().Value.HoldTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await db.Get<HoldSweeper>().RunOnceAsync());
        Assert.Equal(1, await db.Get<ApiKeySpendSweeper>().RunOnceAsync());
        await planner.ReleaseAsync(late!, caller, Guid.CreateVersion7());

        Assert.Equal(0, await ReservedAsync(db, key.KeyId));
        var wallet = await db.Get<WalletQueries>().GetBucketsAsync(userId);
        Assert.Equal(100_000, wallet.Sum(b => b.Available));
    }

    private static async Task<long> ReservedAsync(TestDatabase db, Guid keyId)
    {
        await using var ctx = db.NewContext();
        return (await ctx.ApiKeys.SingleAsync(k => k.Id == keyId)).SpendReserved;
    }
}
