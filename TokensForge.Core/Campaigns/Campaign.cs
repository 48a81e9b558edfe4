namespace TokensForge.Core.Campaigns;

/// <summary>Whether a campaign is claimed with a button (starter credit) or with a redeem code (promo).</summary>
public enum CampaignKind
{
    /// <summary>Welcome credit: claimed from the wallet page without a code.</summary>
    Starter,

    /// <summary>Credit given through redeem codes.</summary>
    Promo,
}

/// <summary>Whether a campaign still gives credit.</summary>
public enum CampaignStatus
{
    Active,
    Disabled,
}

/// <summary>When the credit a claim creates stops paying.</summary>
public enum CreditExpiryRule
{
    /// <summary>The credit never expires.</summary>
    None,

    /// <summary>Every claim's credit expires at the same fixed time.</summary>
    FixedDate,

    /// <summary>Each claim's credit expires a number of days after the claim.</summary>
    DaysAfterClaim,
}

/// <summary>
/// A starter-credit or promo campaign: what one claim gives (bucket, amount, expiry rule), when it can be
/// claimed, how often per account, and the ledger account <c>sys:promo:{id}</c> that funds every claim.
/// </summary>
public sealed class Campaign
{
    private Campaign() { }

    internal Campaign(Guid id, string name, CampaignKind kind, string bucketKey, long amountPerClaim, CreditExpiryRule expiryRule,
        DateTime? creditExpiresOn, int? creditExpiryDays, DateTime? startsAt, DateTime? endsAt, int claimLimitPerAccount,
        long? budget, Guid fundingAccountId, string? notes, string createdBy, DateTime createdAt)
    {
        Id = id;
        Name = name;
        Kind = kind;
        BucketKey = bucketKey;
        AmountPerClaim = amountPerClaim;
        ExpiryRule = expiryRule;
        CreditExpiresOn = creditExpiresOn;
        CreditExpiryDays = creditExpiryDays;
        StartsAt = startsAt;
        EndsAt = endsAt;
        ClaimLimitPerAccount = claimLimitPerAccount;
        Budget = budget;
        FundingAccountId = fundingAccountId;
        Notes = notes;
        CreatedBy = createdBy;
        CreatedAt = createdAt;
        Status = CampaignStatus.Active;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public CampaignKind Kind { get; private set; }
    public string BucketKey { get; private set; } = "";
    public Wallets.Bucket Bucket { get; private set; } = null!;
    public long AmountPerClaim { get; private set; }
    public CreditExpiryRule ExpiryRule { get; private set; }

    /// <summary>For <see cref="CreditExpiryRule.FixedDate"/>: when every claim's credit expires.</summary>
    public DateTime? CreditExpiresOn { get; private set; }

    /// <summary>For <see cref="CreditExpiryRule.DaysAfterClaim"/>: how many days a claim's credit lives.</summary>
    public int? CreditExpiryDays { get; private set; }

    /// <summary>Claims are refused before this time; null means from creation.</summary>
    public DateTime? StartsAt { get; private set; }

    /// <summary>Claims are refused from this time on; null means no end.</summary>
    public DateTime? EndsAt { get; private set; }

    /// <summary>How many times one account may claim this campaign. Default 1.</summary>
    public int ClaimLimitPerAccount { get; private set; } = 1;

    /// <summary>The most credit this campaign may give in total; null means no cap. Enforced by the funding account's no-overdraft flag.</summary>
    public long? Budget { get; private set; }

    /// <summary>The ledger account <c>sys:promo:{Id}</c> every claim's credit comes from.</summary>
    public Guid FundingAccountId { get; private set; }

    public CampaignStatus Status { get; private set; }
    public string? Notes { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }

    public void Disable() => Status = CampaignStatus.Disabled;

    /// <summary>Changes what may change at any time: the name, notes and claim window.</summary>
    public void Describe(string name, string? notes, DateTime? startsAt, DateTime? endsAt)
    {
        Name = name;
        Notes = notes;
        StartsAt = startsAt;
        EndsAt = endsAt;
    }

    /// <summary>Changes the money rules of one claim; only allowed while the campaign has never been claimed.</summary>
    public void ChangeRules(string bucketKey, long amountPerClaim, CreditExpiryRule expiryRule, DateTime? creditExpiresOn, int? creditExpiryDays, int claimLimitPerAccount)
    {
        BucketKey = bucketKey;
        AmountPerClaim = amountPerClaim;
        ExpiryRule = expiryRule;
        CreditExpiresOn = creditExpiresOn;
        CreditExpiryDays = creditExpiryDays;
        ClaimLimitPerAccount = claimLimitPerAccount;
    }

    public void Enable() => Status = CampaignStatus.Active;

    /// <summary>When the credit of a claim made at <paramref name="claimedAt"/> expires; null means never.</summary>
    public DateTime? CreditExpiryFor(DateTime claimedAt) => CreditExpiry.For(ExpiryRule, CreditExpiresOn, CreditExpiryDays, claimedAt);
}

/// <summary>The credit expiry rule of a campaign, computed and put into words.</summary>
public static class CreditExpiry
{
    public static DateTime? For(CreditExpiryRule rule, DateTime? fixedDate, int? days, DateTime claimedAt) => rule switch
    {
        CreditExpiryRule.FixedDate => fixedDate,
        CreditExpiryRule.DaysAfterClaim => claimedAt.AddDays(days ?? 0),
        _ => null,
    };

    /// <summary>"Never expires", "Expires 30 days after the claim" or "Expires at a fixed time: 2026-07-01 00:00 UTC".</summary>
    public static string Describe(CreditExpiryRule rule, DateTime? fixedDate, int? days) => rule switch
    {
        CreditExpiryRule.FixedDate => $"Expires at a fixed time: {fixedDate:yyyy-MM-dd HH:mm} UTC",
        CreditExpiryRule.DaysAfterClaim => days == 1 ? "Expires 1 day after the claim" : $"Expires {days} days after the claim",
        _ => "Never expires",
    };

    /// <summary>"One claim per account" or "Up to 3 claims per account".</summary>
    public static string DescribeClaimLimit(int limit) => limit == 1 ? "One claim per account" : $"Up to {limit} claims per account";
}
