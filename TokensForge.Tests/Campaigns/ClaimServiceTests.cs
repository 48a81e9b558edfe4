using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Common;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Campaigns.CampaignTestData;

namespace TokensForge.Tests.Campaigns;

public sealed class ClaimServiceTests
{
    private static async Task AssertRefusedAsync(TestDatabase db, string userId, Result<RedemptionView> result, string code)
    {
        Assert.False(result.Succeeded, "the claim should have been refused");
        Assert.Equal(code, result.Error!.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
        await using var ctx = db.NewContext();
        Assert.False(await ctx.CreditGrants.AnyAsync(g => g.UserId == userId), "a refused claim credited something");
        Assert.False(await ctx.Redemptions.AnyAsync(r => r.UserId == userId), "a refused claim wrote a redemption");
        Assert.True((await db.Get<LedgerVerifier>().VerifyAsync()).Ok);
    }

    [Fact]
    public async Task ClaimStarterAsync_OpenCampaign_ReturnsEveryPointOfTheClaim()
    {
        await using var db = await TestDatabase.CreateAsync();
        var email = "newcomer@test.local";
        var user = await db.AddUserAsync(email);
        var campaign = await CreateAsync(db, Starter());
        var now = db.Time.GetUtcNow().UtcDateTime;

        var result = Ok(await db.Get<ClaimService>().ClaimStarterAsync(user, "203.0.113.7"));

        Assert.Equal(campaign.Id, result.CampaignId);
        Assert.Equal("Welcome credit", result.CampaignName);
        Assert.Null(result.Code);
        Assert.Equal(Bucket.Starter, result.BucketKey);
        Assert.Equal("Starter balance", result.BucketName);
        Assert.Equal(5_000_000, result.Amount);
        Assert.Equal(now, result.ClaimedAt);
        Assert.Equal(user, result.UserId);
        Assert.Equal(email, result.AccountEmail);
        Assert.Equal("One claim per account", result.ClaimRule);
        Assert.Equal("Expires 30 days after the claim", result.ExpiryRuleText);
        Assert.Equal(now.AddDays(30), result.ExpiresAt);
        Assert.False(result.PaysOfficial);
        Assert.True(result.PaysRouted);
        Assert.Equal("203.0.113.7", result.ClientIp);
        await using var ctx = db.NewContext();
        var grant = await ctx.CreditGrants.SingleAsync(g => g.UserId == user);
        Assert.Equal((result.GrantId, GrantSource.Starter, 10, GrantCategory.Promotional), (grant.Id, grant.Source, grant.Priority, grant.Category));
    }

    [Fact]
    public async Task ClaimStarterAsync_SecondClaim_IsAlreadyClaimedNamingTheFirstClaimTime()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await CreateAsync(db, Starter());
        var claims = db.Get<ClaimService>();
        var first = Ok(await claims.ClaimStarterAsync(user, null));
        db.Time.Advance(TimeSpan.FromHours(3));

        var second = await claims.ClaimStarterAsync(user, null);

        Assert.Equal("already_claimed", second.Error?.Code);
        Assert.Contains(first.ClaimedAt.ToString("yyyy-MM-dd HH:mm:ss"), second.Error!.Message);
        await using var ctx = db.NewContext();
        Assert.Equal(1, await ctx.CreditGrants.CountAsync(g => g.UserId == user));
        Assert.Equal(5_000_000, (await db.Get<WalletQueries>().GetBucketsAsync(user)).Single(b => b.Key == Bucket.Starter).Balance);
    }

    [Fact]
    public async Task ClaimStarterAsync_NoStarterCampaign_IsRefused()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await PromoCodeAsync(db);

        await AssertRefusedAsync(db, user, await db.Get<ClaimService>().ClaimStarterAsync(user, null), "no_starter_campaign");
    }

    [Fact]
    public async Task ClaimStarterAsync_DisabledCampaign_IsCampaignDisabled()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var campaign = await CreateAsync(db, Starter());
        Ok(await db.Get<CampaignService>().DisableCampaignAsync(campaign.Id, "test"));

        await AssertRefusedAsync(db, user, await db.Get<ClaimService>().ClaimStarterAsync(user, null), "campaign_disabled");
        Assert.Null(await db.Get<ClaimService>().GetStarterOfferAsync(user));
    }

    [Fact]
    public async Task ClaimStarterAsync_WindowNotOpenOrClosed_IsNotYetValidThenExpired()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var now = db.Time.GetUtcNow().UtcDateTime;
        await CreateAsync(db, Starter() with { StartsAt = now.AddDays(1), EndsAt = now.AddDays(2) });
        var claims = db.Get<ClaimService>();

        await AssertRefusedAsync(db, user, await claims.ClaimStarterAsync(user, null), "code_not_yet_valid");
        db.Time.Advance(TimeSpan.FromDays(2));
        await AssertRefusedAsync(db, user, await claims.ClaimStarterAsync(user, null), "code_expired");
    }

    [Fact]
    public async Task RedeemCodeAsync_ValidCode_CreditsThePromoCampaignWithTheCodeOnTheRow()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var (campaign, code) = await PromoCodeAsync(db);

        var result = Ok(await db.Get<ClaimService>().RedeemCodeAsync(user, " " + code.ToLowerInvariant().Replace("-", " ") + " ", null));

        Assert.Equal((campaign.Id, code, Bucket.Routed, 10_000_000L), (result.CampaignId, result.Code, result.BucketKey, result.Amount));
        Assert.Null(result.ExpiresAt);
        Assert.Equal("Never expires", result.ExpiryRuleText);
        await using var ctx = db.NewContext();
        var grant = await ctx.CreditGrants.SingleAsync(g => g.UserId == user);
        Assert.Equal((GrantSource.Campaign, 20), (grant.Source, grant.Priority));
        Assert.Equal(1, await ctx.RedeemCodes.Where(c => c.Code == code).Select(c => c.RedemptionCount).SingleAsync());
    }

    [Theory]
    [InlineData("TF-2222-3333-4444")]
    [InlineData("not a code at all")]
    public async Task RedeemCodeAsync_UnknownOrMalformedCode_IsCodeNotFound(string typed)
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await PromoCodeAsync(db);

        await AssertRefusedAsync(db, user, await db.Get<ClaimService>().RedeemCodeAsync(user, typed, null), "code_not_found");
    }

    [Fact]
    public async Task RedeemCodeAsync_DisabledCode_IsCodeDisabled()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var (_, code) = await PromoCodeAsync(db);
        Ok(await db.Get<CampaignService>().DisableCodeAsync(code, "support"));

        await AssertRefusedAsync(db, user, await db.Get<ClaimService>().RedeemCodeAsync(user, code, null), "code_disabled");
    }

    [Fact]
    public async Task RedeemCodeAsync_DisabledCampaign_IsCampaignDisabled()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var (campaign, code) = await PromoCodeAsync(db);
        Ok(await db.Get<CampaignService>().DisableCampaignAsync(campaign.Id, "test"));

        await AssertRefusedAsync(db, user, await db.Get<ClaimService>().RedeemCodeAsync(user, code, null), "campaign_disabled");
    }

    [Fact]
    public async Task RedeemCodeAsync_BeforeTheWindowOpens_IsCodeNotYetValidNamingTheStart()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var starts = db.Time.GetUtcNow().UtcDateTime.AddDays(3);
        var (_, code) = await PromoCodeAsync(db, Promo() with { StartsAt = starts });

        var result = await db.Get<ClaimService>().RedeemCodeAsync(user, code, null);

        await AssertRefusedAsync(db, user, result, "code_not_yet_valid");
        Assert.Contains(starts.ToString("yyyy-MM-dd HH:mm"), result.Error!.Message);
    }

    [Fact]
    public async Task RedeemCodeAsync_AfterTheWindowEnds_IsCodeExpired()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var (_, code) = await PromoCodeAsync(db, Promo() with { EndsAt = db.Time.GetUtcNow().UtcDateTime.AddDays(1) });
        db.Time.Advance(TimeSpan.FromDays(1));

        await AssertRefusedAsync(db, user, await db.Get<ClaimService>().RedeemCodeAsync(user, code, null), "code_expired");
    }

    [Fact]
    public async Task RedeemCodeAsync_FixedCreditExpiryAlreadyPassed_IsCodeExpired()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var (_, code) = await PromoCodeAsync(db, Promo() with { ExpiryRule = CreditExpiryRule.FixedDate, CreditExpiresOn = db.Time.GetUtcNow().UtcDateTime.AddDays(5) });
        db.Time.Advance(TimeSpan.FromDays(5));

        await AssertRefusedAsync(db, user, await db.Get<ClaimService>().RedeemCodeAsync(user, code, null), "code_expired");
    }

    [Fact]
    public async Task RedeemCodeAsync_CodeUsedUp_IsCodeExhausted()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (_, code) = await PromoCodeAsync(db, maxRedemptions: 2);
        var claims = db.Get<ClaimService>();
        Ok(await claims.RedeemCodeAsync(await db.AddUserAsync(), code, null));
        Ok(await claims.RedeemCodeAsync(await db.AddUserAsync(), code, null));
        var late = await db.AddUserAsync();

        await AssertRefusedAsync(db, late, await claims.RedeemCodeAsync(late, code, null), "code_exhausted");
        await using var ctx = db.NewContext();
        Assert.Equal(2, await ctx.RedeemCodes.Where(c => c.Code == code).Select(c => c.RedemptionCount).SingleAsync());
    }

    [Fact]
    public async Task RedeemCodeAsync_SecondCodeOfAClaimedCampaign_IsAlreadyClaimed()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var campaign = await CreateAsync(db, Promo());
        var codes = Ok(await db.Get<CampaignService>().GenerateCodesAsync(campaign.Id, 2, 1, "test")).Codes;
        var claims = db.Get<ClaimService>();
        var first = Ok(await claims.RedeemCodeAsync(user, codes[0], null));

        var second = await claims.RedeemCodeAsync(user, codes[1], null);

        Assert.Equal("already_claimed", second.Error?.Code);
        Assert.Contains(first.ClaimedAt.ToString("yyyy-MM-dd HH:mm:ss"), second.Error!.Message);
        await using var ctx = db.NewContext();
        Assert.Equal(0, await ctx.RedeemCodes.Where(c => c.Code == codes[1]).Select(c => c.RedemptionCount).SingleAsync());
    }

    [Fact]
    public async Task ClaimStarterAsync_ClaimLimitOfTwo_AllowsTwoClaimsThenRefuses()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await CreateAsync(db, Starter() with { ClaimLimitPerAccount = 2 });
        var claims = db.Get<ClaimService>();

        var first = Ok(await claims.ClaimStarterAsync(user, null));
        var second = Ok(await claims.ClaimStarterAsync(user, null));
        var third = await claims.ClaimStarterAsync(user, null);

        Assert.Equal("Up to 2 claims per account", second.ClaimRule);
        Assert.NotEqual(first.GrantId, second.GrantId);
        Assert.Equal("already_claimed", third.Error?.Code);
        Assert.Equal(10_000_000, (await db.Get<WalletQueries>().GetBucketsAsync(user)).Single(b => b.Key == Bucket.Starter).Balance);
    }

    [Fact]
    public async Task RedeemCodeAsync_BudgetUsedUp_IsRefusedAndTheCampaignAccountStaysAtZero()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (campaign, code) = await PromoCodeAsync(db, Promo(amount: 4_000_000, budget: 10_000_000), maxRedemptions: 10);
        var claims = db.Get<ClaimService>();
        Ok(await claims.RedeemCodeAsync(await db.AddUserAsync(), code, null));
        Ok(await claims.RedeemCodeAsync(await db.AddUserAsync(), code, null));
        var third = await db.AddUserAsync();

        await AssertRefusedAsync(db, third, await claims.RedeemCodeAsync(third, code, null), "campaign_budget_exhausted");
        await using var ctx = db.NewContext();
        var account = await ctx.LedgerAccounts.SingleAsync(a => a.Id == campaign.FundingAccountId);
        Assert.Equal(2_000_000, account.Balance);
        Assert.Equal(2, await ctx.RedeemCodes.Where(c => c.Code == code).Select(c => c.RedemptionCount).SingleAsync());
    }

    [Fact]
    public async Task RedeemCodeAsync_MoreThanTenFailuresByOneAccount_IsTooManyAttemptsEvenForAValidCode()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var (_, code) = await PromoCodeAsync(db);
        var claims = db.Get<ClaimService>();
        for (var i = 0; i < 10; i++)
            Assert.Equal("code_not_found", (await claims.RedeemCodeAsync(user, $"TF-2222-2222-222{RedeemCodeFormat.Alphabet[i]}", null)).Error?.Code);

        await AssertRefusedAsync(db, user, await claims.RedeemCodeAsync(user, code, null), "too_many_attempts");

        // The window slides: ten minutes later the account may try again.
        db.Time.Advance(TimeSpan.FromMinutes(10));
        Ok(await claims.RedeemCodeAsync(user, code, null));
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task RedeemCodeAsync_OneAccountGuessingBehindASharedAddress_BystanderOnThatAddressStillRedeems(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var (_, code) = await PromoCodeAsync(db);
        var claims = db.Get<ClaimService>();
        var guesser = await db.AddUserAsync();
        for (var i = 0; i < 11; i++) await claims.RedeemCodeAsync(guesser, "TF-ZZZZ-ZZZZ-ZZZZ", "198.51.100.9");
        var bystander = await db.AddUserAsync();

        await AssertRefusedAsync(db, guesser, await claims.RedeemCodeAsync(guesser, code, "198.51.100.9"), "too_many_attempts");
        Ok(await claims.RedeemCodeAsync(bystander, code, "198.51.100.9"));
    }

    [Fact]
    public async Task RedeemCodeAsync_MoreThanFiftyFailuresFromOneAddress_RefusesEveryAccountOnIt_NotOthers()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (_, code) = await PromoCodeAsync(db);
        var claims = db.Get<ClaimService>();
        for (var i = 0; i < 50; i++)
            await claims.RedeemCodeAsync(await db.AddUserAsync(), "TF-ZZZZ-ZZZZ-ZZZZ", "198.51.100.9");
        var next = await db.AddUserAsync();

        await AssertRefusedAsync(db, next, await claims.RedeemCodeAsync(next, code, "198.51.100.9"), "too_many_attempts");
        var elsewhere = await db.AddUserAsync();
        Ok(await claims.RedeemCodeAsync(elsewhere, code, "198.51.100.10"));
    }

    [Fact]
    public async Task RedeemCodeAsync_SuccessesDoNotCountAsFailedAttempts()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var claims = db.Get<ClaimService>();
        for (var i = 0; i < 12; i++)
        {
            var (_, code) = await PromoCodeAsync(db, Promo() with { Name = $"Promo {i}" });
            Ok(await claims.RedeemCodeAsync(user, code, "192.0.2.1"));
        }
        await using var ctx = db.NewContext();
        Assert.Equal(12, await ctx.CodeAttempts.CountAsync(a => a.UserId == user && a.Outcome == CodeAttempt.Succeeded));
    }

    [Fact]
    public async Task ClaimStarterAsync_Trail_RedemptionGrantTransferAndWalletAgree()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var campaign = await CreateAsync(db, Starter(amount: 5_000_000, budget: 50_000_000));

        var result = Ok(await db.Get<ClaimService>().ClaimStarterAsync(user, "203.0.113.7"));

        await using var ctx = db.NewContext();
        var redemption = await ctx.Redemptions.SingleAsync(r => r.Id == result.Id);
        var grant = await ctx.CreditGrants.Include(g => g.Account).SingleAsync(g => g.Id == redemption.GrantId);
        var transfer = await ctx.Transfers.SingleAsync(t => t.Id == redemption.TransferId);
        var bucket = (await db.Get<WalletQueries>().GetBucketsAsync(user)).Single(b => b.Key == redemption.BucketKey);
        var ledgerRow = (await db.Get<WalletQueries>().GetTransfersAsync(user, 0, 10)).Items.Single();

        Assert.Equal([5_000_000L, 5_000_000, 5_000_000, 5_000_000, 5_000_000],
            new[] { redemption.Amount, grant.OriginalAmount, grant.Account.Balance, transfer.Amount, bucket.Balance });
        Assert.Equal(Bucket.Starter, grant.BucketKey);
        Assert.Equal(redemption.ClaimedAt, grant.CreatedAt);
        Assert.Equal(redemption.ClaimedAt, transfer.CreatedAt);
        Assert.Equal(redemption.CreditExpiresAt, grant.ExpiresAt);
        Assert.Equal((TransferCode.Redeem, campaign.FundingAccountId, grant.AccountId, redemption.Id.ToString()),
            (transfer.Code, transfer.DebitAccountId, transfer.CreditAccountId, transfer.Reference));
        Assert.Equal((transfer.Id, 5_000_000L, Bucket.Starter), (ledgerRow.Id, ledgerRow.SignedAmount, ledgerRow.BucketKey));
        Assert.Equal(redemption.TxId, transfer.TxId);
        Assert.Equal(redemption.Id.ToString(), grant.SourceRef);
        Assert.Equal(45_000_000, (await ctx.LedgerAccounts.SingleAsync(a => a.Id == campaign.FundingAccountId)).Balance);
        var verification = await db.Get<LedgerVerifier>().VerifyAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    [Fact]
    public async Task Redemptions_AreAppendOnly()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await CreateAsync(db, Starter());
        var result = Ok(await db.Get<ClaimService>().ClaimStarterAsync(user, null));

        await using var ctx = db.NewContext();
        await Assert.ThrowsAnyAsync<Exception>(() => ctx.Redemptions.Where(r => r.Id == result.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Amount, 1)));
        await Assert.ThrowsAnyAsync<Exception>(() => ctx.Redemptions.Where(r => r.Id == result.Id).ExecuteDeleteAsync());
    }
}
