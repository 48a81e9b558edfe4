using TokensForge.Core.Campaigns;
using TokensForge.Core.Common;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Campaigns;

/// <summary>Campaigns and codes made through the real services, for tests.</summary>
internal static class CampaignTestData
{
    public static T Ok<T>(Result<T> result) =>
        result.Succeeded ? result.Value! : throw new InvalidOperationException($"expected success, got {result.Error}");

    public static CampaignDraft Starter(long amount = 5_000_000, long? budget = null) =>
        new("Welcome credit", CampaignKind.Starter, Bucket.Starter, amount, CreditExpiryRule.DaysAfterClaim, CreditExpiryDays: 30, Budget: budget);

    public static CampaignDraft Promo(long amount = 10_000_000, long? budget = null) =>
        new("Launch promo", CampaignKind.Promo, Bucket.Routed, amount, Budget: budget);

    public static async Task<Campaign> CreateAsync(TestDatabase db, CampaignDraft draft) =>
        Ok(await db.Get<CampaignService>().CreateAsync(draft, "test"));

    /// <summary>A promo campaign with one generated code.</summary>
    public static async Task<(Campaign Campaign, string Code)> PromoCodeAsync(TestDatabase db, CampaignDraft? draft = null, int maxRedemptions = 1)
    {
        var campaign = await CreateAsync(db, draft ?? Promo());
        var codes = Ok(await db.Get<CampaignService>().GenerateCodesAsync(campaign.Id, 1, maxRedemptions, "test")).Codes;
        return (campaign, codes[0]);
    }
}
