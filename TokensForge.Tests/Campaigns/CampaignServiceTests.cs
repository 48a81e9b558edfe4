using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Campaigns.CampaignTestData;

namespace TokensForge.Tests.Campaigns;

public sealed class CampaignServiceTests
{
    [Fact]
    public async Task CreateAsync_WithBudget_FundsItsPromoAccountFromAdjustmentsAndCapsIt()
    {
        await using var db = await TestDatabase.CreateAsync();

        var campaign = await CreateAsync(db, Promo(budget: 250_000_000));

        await using var ctx = db.NewContext();
        var account = await ctx.LedgerAccounts.SingleAsync(a => a.Id == campaign.FundingAccountId);
        Assert.Equal(SystemAccounts.PromoAddress(campaign.Id), account.Address);
        Assert.True(account.DebitsMustNotExceedCredits);
        Assert.Null(account.UserId);
        Assert.Equal(250_000_000, account.Balance);
        Assert.Equal(-250_000_000, (await ctx.LedgerAccounts.SingleAsync(a => a.Id == SystemAccounts.AdjustmentsId)).Balance);
        var funding = await ctx.Transfers.SingleAsync();
        Assert.Equal((TransferCode.Adjust, campaign.Id.ToString()), (funding.Code, funding.Reference));
        Assert.True((await db.Get<LedgerVerifier>().VerifyAsync()).Ok);
    }

    [Fact]
    public async Task CreateAsync_WithoutBudget_ItsAccountGoesNegativeAsItGivesCredit()
    {
        await using var db = await TestDatabase.CreateAsync();
        var campaign = await CreateAsync(db, Starter(amount: 5_000_000));

        Ok(await db.Get<ClaimService>().ClaimStarterAsync(await db.AddUserAsync(), null));

        await using var ctx = db.NewContext();
        var account = await ctx.LedgerAccounts.SingleAsync(a => a.Id == campaign.FundingAccountId);
        Assert.False(account.DebitsMustNotExceedCredits);
        Assert.Equal(-5_000_000, account.Balance);
        Assert.True((await db.Get<LedgerVerifier>().VerifyAsync()).Ok);
    }

    public static TheoryData<string, CampaignDraft> InvalidDrafts() => new()
    {
        { "invalid_campaign", Promo() with { Name = " " } },
        { "invalid_amount", Promo(amount: 0) },
        { "unknown_bucket", Promo() with { BucketKey = "gold" } },
        { "invalid_claim_limit", Promo() with { ClaimLimitPerAccount = 0 } },
        { "invalid_budget", Promo(budget: 0) },
        { "invalid_claim_window", Promo() with { StartsAt = new DateTime(2026, 7, 1, 0, 0, 0, DateTimeKind.Utc), EndsAt = new DateTime(2026, 7, 1, 0, 0, 0, DateTimeKind.Utc) } },
        { "invalid_expiry_rule", Promo() with { ExpiryRule = CreditExpiryRule.FixedDate } },
        { "invalid_expiry_rule", Promo() with { ExpiryRule = CreditExpiryRule.FixedDate, CreditExpiresOn = new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc) } },
        { "invalid_expiry_rule", Promo() with { ExpiryRule = CreditExpiryRule.DaysAfterClaim, CreditExpiryDays = 0 } },
        { "invalid_expiry_rule", Promo() with { CreditExpiryDays = 30 } },
    };

    [Theory]
    [MemberData(nameof(InvalidDrafts))]
    public async Task CreateAsync_InvalidDraft_IsRefusedAndCreatesNothing(string error, CampaignDraft draft)
    {
        await using var db = await TestDatabase.CreateAsync();

        var result = await db.Get<CampaignService>().CreateAsync(draft, "test");

        Assert.Equal(error, result.Error?.Code);
        await using var ctx = db.NewContext();
        Assert.False(await ctx.Campaigns.AnyAsync());
        Assert.False(await ctx.LedgerAccounts.AnyAsync(a => a.Address.StartsWith("sys:promo:")));
    }

    [Fact]
    public async Task GenerateCodesAsync_ABatch_StoresDistinctValidActiveCodes()
    {
        await using var db = await TestDatabase.CreateAsync();
        var campaign = await CreateAsync(db, Promo());

        var codes = Ok(await db.Get<CampaignService>().GenerateCodesAsync(campaign.Id, 1200, 3, "ops")).Codes;

        Assert.Equal(1200, codes.Count);
        Assert.Equal(1200, codes.Distinct().Count());
        Assert.All(codes, c => Assert.True(RedeemCodeFormat.IsCanonical(c)));
        await using var ctx = db.NewContext();
        var stored = await ctx.RedeemCodes.Where(c => c.CampaignId == campaign.Id).ToListAsync();
        Assert.Equal(codes.Order(), stored.Select(c => c.Code).Order());
        Assert.All(stored, c => Assert.Equal((3, 0, CodeStatus.Active, "ops"), (c.MaxRedemptions, c.RedemptionCount, c.Status, c.CreatedBy)));
    }

    [Fact]
    public async Task GenerateCodesAsync_StarterCampaignOrBadCounts_AreRefused()
    {
        await using var db = await TestDatabase.CreateAsync();
        var starter = await CreateAsync(db, Starter());
        var promo = await CreateAsync(db, Promo());
        var service = db.Get<CampaignService>();

        Assert.Equal("codes_only_for_promo", (await service.GenerateCodesAsync(starter.Id, 5, 1, "ops")).Error?.Code);
        Assert.Equal("invalid_code_count", (await service.GenerateCodesAsync(promo.Id, 0, 1, "ops")).Error?.Code);
        Assert.Equal("invalid_max_redemptions", (await service.GenerateCodesAsync(promo.Id, 5, 0, "ops")).Error?.Code);
        Assert.Equal("campaign_not_found", (await service.GenerateCodesAsync(Guid.NewGuid(), 5, 1, "ops")).Error?.Code);
    }

    [Fact]
    public async Task AddCodeAsync_ChosenCode_IsStoredCanonicalAndOnlyOnce()
    {
        await using var db = await TestDatabase.CreateAsync();
        var campaign = await CreateAsync(db, Promo());
        var service = db.Get<CampaignService>();

        var added = Ok(await service.AddCodeAsync(campaign.Id, "tf-demx-cdex-2222", 1, "seed"));
        var again = await service.AddCodeAsync(campaign.Id, "TF-DEMX-CDEX-2222", 1, "seed");
        var invalid = await service.AddCodeAsync(campaign.Id, "TF-DEMO-CODE-0001", 1, "seed");

        Assert.Equal("TF-DEMX-CDEX-2222", added.Code);
        Assert.Equal("code_taken", again.Error?.Code);
        Assert.Equal("invalid_code", invalid.Error?.Code);
    }

    [Fact]
    public async Task DeleteCodeAsync_OnlyWhileNeverRedeemed()
    {
        await using var db = await TestDatabase.CreateAsync();
        var campaign = await CreateAsync(db, Promo());
        var service = db.Get<CampaignService>();
        var codes = Ok(await service.GenerateCodesAsync(campaign.Id, 2, 1, "ops")).Codes;
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), codes[0], null));

        Assert.Equal("code_redeemed", (await service.DeleteCodeAsync(codes[0], "ops")).Error?.Code);
        Assert.True(Ok(await service.DeleteCodeAsync(codes[1], "ops")));
        Assert.Equal("code_not_found", (await service.DeleteCodeAsync(codes[1], "ops")).Error?.Code);
        Ok(await service.DisableCodeAsync(codes[0], "support"));
        await using var ctx = db.NewContext();
        var redeemed = await ctx.RedeemCodes.SingleAsync();
        Assert.Equal((CodeStatus.Disabled, "support", db.Time.GetUtcNow().UtcDateTime), (redeemed.Status, redeemed.DisabledBy, redeemed.DisabledAt));
    }
}
