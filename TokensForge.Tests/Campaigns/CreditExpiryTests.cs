using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Campaigns.CampaignTestData;

namespace TokensForge.Tests.Campaigns;

public sealed class CreditExpiryTests
{
    private static Task<Core.Common.Result<Hold>> HoldAsync(TestDatabase db, string user, long amount) =>
        db.Get<HoldService>().PlaceAsync(user, RouteKind.Routed, amount, TimeSpan.FromMinutes(5), "receipt");

    private static async Task<long> BreakageAsync(TestDatabase db)
    {
        await using var ctx = db.NewContext();
        return (await ctx.LedgerAccounts.SingleAsync(a => a.Id == SystemAccounts.BreakageId)).Balance;
    }

    [Fact]
    public async Task DaysAfterClaim_CreditPaysUntilItsOwnExpiryThenTheRestGoesToBreakage()
    {
        await using var db = await TestDatabase.CreateAsync();
        var early = await db.AddUserAsync();
        var late = await db.AddUserAsync();
        await CreateAsync(db, Starter(amount: 5_000_000) with { ExpiryRule = CreditExpiryRule.DaysAfterClaim, CreditExpiryDays = 30 });
        var claims = db.Get<ClaimService>();
        var start = db.Time.GetUtcNow().UtcDateTime;
        var earlyClaim = Ok(await claims.ClaimStarterAsync(early, null));
        db.Time.Advance(TimeSpan.FromDays(2));
        var lateClaim = Ok(await claims.ClaimStarterAsync(late, null));

        Assert.Equal(start.AddDays(30), earlyClaim.ExpiresAt);
        Assert.Equal(start.AddDays(32), lateClaim.ExpiresAt);
        var spent = Ok(await HoldAsync(db, early, 1_000_000));
        Ok(await db.Get<HoldService>().SettleAsync(spent, 1_000_000));

        db.Time.SetUtcNow(start.AddDays(30));
        Assert.Equal("insufficient_balance", (await HoldAsync(db, early, 1)).Error?.Code);
        Assert.True((await HoldAsync(db, late, 1)).Succeeded, "the later claim's credit still pays");
        Assert.Equal(1, await db.Get<GrantExpirer>().RunOnceAsync());
        Assert.Equal(4_000_000, await BreakageAsync(db));
        Assert.Equal(0, (await db.Get<WalletQueries>().GetBucketsAsync(early)).Single(b => b.Key == Bucket.Starter).Balance);
        Assert.True((await db.Get<LedgerVerifier>().VerifyAsync()).Ok);
    }

    [Fact]
    public async Task FixedDate_EveryClaimExpiresAtTheSameTimeThenTheRestGoesToBreakage()
    {
        await using var db = await TestDatabase.CreateAsync();
        var first = await db.AddUserAsync();
        var second = await db.AddUserAsync();
        var fixedExpiry = new DateTime(2026, 7, 15, 0, 0, 0, DateTimeKind.Utc);
        var (_, code) = await PromoCodeAsync(db, Promo(amount: 3_000_000) with { ExpiryRule = CreditExpiryRule.FixedDate, CreditExpiresOn = fixedExpiry }, maxRedemptions: 5);
        var claims = db.Get<ClaimService>();
        var a = Ok(await claims.RedeemCodeAsync(first, code, null));
        db.Time.Advance(TimeSpan.FromDays(10));
        var b = Ok(await claims.RedeemCodeAsync(second, code, null));

        Assert.Equal(fixedExpiry, a.ExpiresAt);
        Assert.Equal(fixedExpiry, b.ExpiresAt);
        Assert.Equal("Expires at a fixed time: 2026-07-15 00:00 UTC", a.ExpiryRuleText);
        db.Time.SetUtcNow(fixedExpiry.AddTicks(-1));
        Assert.True((await HoldAsync(db, first, 3_000_000)).Succeeded, "the credit pays until its expiry");

        db.Time.SetUtcNow(fixedExpiry);
        Assert.Equal("insufficient_balance", (await HoldAsync(db, second, 1)).Error?.Code);
        // The first user's credit is fully held by an open request: only the second's remainder is unreserved.
        Assert.Equal(1, await db.Get<GrantExpirer>().RunOnceAsync());
        Assert.Equal(3_000_000, await BreakageAsync(db));
        Assert.True((await db.Get<LedgerVerifier>().VerifyAsync()).Ok);
    }

    [Fact]
    public async Task None_CreditKeepsPayingYearsLaterAndNothingExpires()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var (_, code) = await PromoCodeAsync(db, Promo(amount: 2_000_000));
        var claim = Ok(await db.Get<ClaimService>().RedeemCodeAsync(user, code, null));

        db.Time.Advance(TimeSpan.FromDays(3650));

        Assert.Null(claim.ExpiresAt);
        Assert.Equal(0, await db.Get<GrantExpirer>().RunOnceAsync());
        Assert.True((await HoldAsync(db, user, 2_000_000)).Succeeded);
        Assert.Equal(0, await BreakageAsync(db));
    }
}
