namespace TokensForge.Core.Campaigns;

/// <summary>
/// The history row of one claim (append-only): what was credited, to whom, when, from which campaign or code,
/// and the grant and <c>redeem</c> transfer that carry the money, so support and finance can follow it.
/// </summary>
public sealed class Redemption
{
    private Redemption() { }

    internal Redemption(Guid id, Guid campaignId, Guid? codeId, string userId, int claimNumber, string bucketKey, long amount,
        DateTime claimedAt, Guid grantId, Guid transferId, Guid txId, DateTime? creditExpiresAt, bool paysOfficial, bool paysRouted, string? clientIp)
    {
        Id = id;
        CampaignId = campaignId;
        CodeId = codeId;
        UserId = userId;
        ClaimNumber = claimNumber;
        BucketKey = bucketKey;
        Amount = amount;
        ClaimedAt = claimedAt;
        GrantId = grantId;
        TransferId = transferId;
        TxId = txId;
        CreditExpiresAt = creditExpiresAt;
        PaysOfficial = paysOfficial;
        PaysRouted = paysRouted;
        ClientIp = clientIp;
    }

    public Guid Id { get; private set; }
    public Guid CampaignId { get; private set; }
    public Campaign Campaign { get; private set; } = null!;

    /// <summary>The code redeemed; null for a starter claim.</summary>
    public Guid? CodeId { get; private set; }
    public RedeemCode? Code { get; private set; }

    public string UserId { get; private set; } = "";

    /// <summary>1 for an account's first claim of the campaign, 2 for its second…; unique per campaign and account,
    /// so the per-account claim limit is a unique index, not a read-then-write check.</summary>
    public int ClaimNumber { get; private set; }

    public string BucketKey { get; private set; } = "";
    public Wallets.Bucket Bucket { get; private set; } = null!;
    public long Amount { get; private set; }
    public DateTime ClaimedAt { get; private set; }
    public Guid GrantId { get; private set; }
    public Guid TransferId { get; private set; }
    public Guid TxId { get; private set; }

    /// <summary>When the credit stops paying; null means never.</summary>
    public DateTime? CreditExpiresAt { get; private set; }

    /// <summary>Whether the credited bucket could pay official direct routes at claim time.</summary>
    public bool PaysOfficial { get; private set; }

    /// <summary>Whether the credited bucket could pay lower-cost routed routes at claim time.</summary>
    public bool PaysRouted { get; private set; }

    public string? ClientIp { get; private set; }
}
