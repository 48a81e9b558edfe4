using TokensForge.Core.Ledger;
using TokensForge.Core.Playground;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Ledger;

/// <summary>One rule decides whether a grant may pay now: a grant that is not yet effective is neither shown as available nor payable.</summary>
public sealed class GrantEligibilityTests
{
    [Fact]
    public async Task NotYetEffectiveGrant_IsNotAvailableOnTheWalletNorInTheCapacity_NorPays_UntilItsTime()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var now = db.Time.GetUtcNow().UtcDateTime;
        await GrantAsync(db, userId, Bucket.Routed, 3_000);
        await GrantAsync(db, userId, Bucket.Routed, 5_000, effectiveAt: now.AddHours(1));

        var routed = (await db.Get<WalletQueries>().GetBucketsAsync(userId)).Single(b => b.Key == Bucket.Routed);
        Assert.Equal(8_000, routed.Balance);
        Assert.Equal(3_000, routed.Available);
        Assert.Equal(3_000, (await db.Get<WalletCapacityQuery>().GetAsync(userId)).Buckets.Single(b => b.Key == Bucket.Routed).Available);
        var tooMuch = await db.Get<HoldService>().PlaceAsync(userId, RouteKind.Routed, 3_001, TimeSpan.FromMinutes(5), "early");
        Assert.Equal(LedgerErrors.InsufficientBalance, tooMuch.Error);

        db.Time.Advance(TimeSpan.FromHours(1));

        routed = (await db.Get<WalletQueries>().GetBucketsAsync(userId)).Single(b => b.Key == Bucket.Routed);
        Assert.Equal(8_000, routed.Available);
        Assert.Equal(8_000, (await db.Get<WalletCapacityQuery>().GetAsync(userId)).Buckets.Single(b => b.Key == Bucket.Routed).Available);
        var hold = await db.Get<HoldService>().PlaceAsync(userId, RouteKind.Routed, 8_000, TimeSpan.FromMinutes(5), "on time");
        Assert.True(hold.Succeeded, hold.Error?.ToString());
    }
}
