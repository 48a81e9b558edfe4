using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Campaigns.CampaignTestData;

namespace TokensForge.Tests.Campaigns;

public sealed class CampaignResultsTests
{
    /// <summary>The figures folded straight from the transfers, independently of <see cref="CampaignResultsQueries"/>.</summary>
    private sealed record Expected(int Redemptions, long Credited, long Spent, long Expired, long OnHold, long Available, int Claimed, int Used, int ToppedUp);

    private static async Task<Expected> FromTransfersAsync(TestDatabase db, Campaign campaign)
    {
        await using var ctx = db.NewContext();
        var now = db.Time.GetUtcNow().UtcDateTime;
        var transfers = await ctx.Transfers.AsNoTracking().ToListAsync();
        var accounts = await ctx.LedgerAccounts.AsNoTracking().ToDictionaryAsync(a => a.Id);
        var grants = await ctx.CreditGrants.AsNoTracking().ToListAsync();

        var redeems = transfers.Where(t => t.DebitAccountId == campaign.FundingAccountId && t.Code == TransferCode.Redeem).ToList();
        var grantAccounts = redeems.Select(t => t.CreditAccountId).ToHashSet();
        var posted = transfers.Where(t => grantAccounts.Contains(t.DebitAccountId) && t.Code == TransferCode.Charge && t.Flags == TransferFlags.PostPending).ToList();
        var expired = transfers.Where(t => grantAccounts.Contains(t.DebitAccountId) && t.Code == TransferCode.Expire).Sum(t => t.Amount);
        var resolved = transfers.Where(t => t.PendingId is not null).Select(t => t.PendingId!.Value).ToHashSet();
        var openHolds = transfers.Where(t => grantAccounts.Contains(t.DebitAccountId) && t.Flags == TransferFlags.Pending && !resolved.Contains(t.Id)).ToList();
        long Balance(Guid account) =>
            transfers.Where(t => t.CreditAccountId == account && t.Flags is TransferFlags.None or TransferFlags.PostPending).Sum(t => t.Amount)
            - transfers.Where(t => t.DebitAccountId == account && t.Flags is TransferFlags.None or TransferFlags.PostPending).Sum(t => t.Amount)
            - openHolds.Where(t => t.DebitAccountId == account).Sum(t => t.Amount);
        var available = grants.Where(g => grantAccounts.Contains(g.AccountId) && (g.ExpiresAt is null || g.ExpiresAt > now)).Sum(g => Balance(g.AccountId));
        var toppedUp = redeems.Where(r => grants.Any(g => g.UserId == accounts[r.CreditAccountId].UserId && g.Source == GrantSource.TopUp && g.CreatedAt > r.CreatedAt))
            .Select(r => accounts[r.CreditAccountId].UserId).Distinct().Count();
        return new Expected(redeems.Count, redeems.Sum(t => t.Amount), posted.Sum(t => t.Amount), expired, openHolds.Sum(t => t.Amount), available,
            grantAccounts.Select(a => accounts[a].UserId).Distinct().Count(),
            posted.Select(t => accounts[t.DebitAccountId].UserId).Distinct().Count(), toppedUp);
    }

    private static void AssertMatches(Expected expected, CampaignResults actual) =>
        Assert.Equal(expected, new Expected(actual.Redemptions, actual.Credited, actual.Spent, actual.Expired, actual.OnHold, actual.Available,
            actual.AccountsClaimed, actual.AccountsWithUsage, actual.AccountsToppedUpLater));

    private static async Task TopUpAsync(TestDatabase db, string userId, long amount)
    {
        await using var ctx = db.NewContext();
        await using var tx = await ctx.Database.BeginTransactionAsync();
        Ok(await db.Get<GrantIssuer>().IssueAsync(ctx, new GrantRequest(userId, Bucket.Routed, amount, GrantCategory.Paid, GrantSource.TopUp, "Top-up",
            SystemAccounts.PaymentsClearingId, TransferCode.TopUp)));
        await tx.CommitAsync();
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task GetAsync_FiguresEqualTheSumsOfTheCampaignsTransfers(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var campaign = await CreateAsync(db, Promo(amount: 10_000_000) with { ExpiryRule = CreditExpiryRule.DaysAfterClaim, CreditExpiryDays = 10 });
        var codes = Ok(await db.Get<CampaignService>().GenerateCodesAsync(campaign.Id, 6, 1, "admin")).Codes;
        var (otherCampaign, otherCode) = await PromoCodeAsync(db);
        var claims = db.Get<ClaimService>();
        var holds = db.Get<HoldService>();
        string alice = await db.AddUserAsync(), bob = await db.AddUserAsync(), carol = await db.AddUserAsync(), erin = await db.AddUserAsync();

        // Erin paid before she claimed: that top-up does not count as "paid later".
        await TopUpAsync(db, erin, 50_000_000);
        db.Time.Advance(TimeSpan.FromHours(1));
        foreach (var (user, code) in new[] { (alice, codes[0]), (bob, codes[1]), (carol, codes[2]), (erin, codes[3]) }) Ok(await claims.RedeemCodeAsync(user, code, null));
        Ok(await claims.RedeemCodeAsync(carol, otherCode, null));

        // Alice makes a request on the credit: hold 3, post 2.5. Bob's request is still in flight (hold 1).
        var aliceHold = Ok(await holds.PlaceAsync(alice, RouteKind.Routed, 3_000_000, TimeSpan.FromMinutes(5), "req-alice"));
        Ok(await holds.SettleAsync(aliceHold, 2_500_000));
        Ok(await holds.PlaceAsync(bob, RouteKind.Routed, 1_000_000, TimeSpan.FromMinutes(5), "req-bob"));
        // Carol's request draws on both her promo grants: ours first (same priority, sooner expiry), then the other campaign's.
        var carolHold = Ok(await holds.PlaceAsync(carol, RouteKind.Routed, 12_000_000, TimeSpan.FromMinutes(5), "req-carol"));
        Ok(await holds.SettleAsync(carolHold, 11_000_000));
        // Erin's request is held on our grant (promo priority 20 before her paid top-up at 50), then released: no charge.
        var erinHold = Ok(await holds.PlaceAsync(erin, RouteKind.Routed, 2_000_000, TimeSpan.FromMinutes(5), "req-erin"));
        Assert.True((await holds.ReleaseAsync(erinHold)).Succeeded);
        db.Time.Advance(TimeSpan.FromDays(1));
        await TopUpAsync(db, alice, 20_000_000);

        var before = (await db.Get<CampaignResultsQueries>().GetAsync(campaign.Id))!;
        var expectedBefore = await FromTransfersAsync(db, campaign);
        AssertMatches(expectedBefore, before);
        Assert.Equal(new Expected(4, 40_000_000, 12_500_000, 0, 1_000_000, 40_000_000 - 12_500_000 - 1_000_000, 4, 2, 1), expectedBefore);
        Assert.Equal((6, 4), (before.CodesGenerated, before.CodesRedeemed));

        // Eleven days later the credit has expired: what was left (holds aside) goes to breakage.
        db.Time.Advance(TimeSpan.FromDays(10));
        Assert.True(await db.Get<GrantExpirer>().RunOnceAsync() > 0);

        var after = (await db.Get<CampaignResultsQueries>().GetAsync(campaign.Id))!;
        var expectedAfter = await FromTransfersAsync(db, campaign);
        AssertMatches(expectedAfter, after);
        Assert.Equal(40_000_000 - 12_500_000 - 1_000_000, expectedAfter.Expired);
        Assert.Equal(0, expectedAfter.Available);
        Assert.Equal(after.Credited, after.Days.Sum(d => d.Credited));
        Assert.Equal(after.Redemptions, after.Days.Sum(d => d.Redemptions));
        Assert.Equal(after.Spent, after.Days.Sum(d => d.Spent));
        Assert.Equal(after.Expired, after.Days.Sum(d => d.Expired));
        Assert.True(after.Days.Count >= 2, "claims and expiry fall on different days");
        Assert.Equal(after.Days.OrderBy(d => d.Day).Select(d => d.Day), after.Days.Select(d => d.Day));

        var other = (await db.Get<CampaignResultsQueries>().GetAsync(otherCampaign.Id))!;
        Assert.Equal((1, 10_000_000L, 1), (other.Redemptions, other.Credited, other.AccountsClaimed));
        Assert.Null(await db.Get<CampaignResultsQueries>().GetAsync(Guid.NewGuid()));
        Assert.True((await db.Get<LedgerVerifier>().VerifyAsync()).Ok);
    }
}
