namespace TokensForge.Core.Campaigns;

/// <summary>Whether a code can still be redeemed.</summary>
public enum CodeStatus
{
    Active,
    Disabled,
}

/// <summary>
/// A redeem code of a promo campaign. <see cref="RedemptionCount"/> only grows through the claim's conditional
/// update (<c>RedemptionCount &lt; MaxRedemptions</c>), so it never passes <see cref="MaxRedemptions"/>.
/// </summary>
public sealed class RedeemCode
{
    private RedeemCode() { }

    internal RedeemCode(Guid id, Guid campaignId, string code, int maxRedemptions, string createdBy, DateTime createdAt, Guid? batchId = null)
    {
        Id = id;
        CampaignId = campaignId;
        BatchId = batchId;
        Code = code;
        MaxRedemptions = maxRedemptions;
        CreatedBy = createdBy;
        CreatedAt = createdAt;
        Status = CodeStatus.Active;
    }

    public Guid Id { get; private set; }
    public Guid CampaignId { get; private set; }
    public Campaign Campaign { get; private set; } = null!;

    /// <summary>The generated batch this code came with (its CSV download); null for a code added by hand.</summary>
    public Guid? BatchId { get; private set; }

    /// <summary>The canonical form, e.g. <c>TF-7K3M-Q9XD-2HWP</c> (see <see cref="RedeemCodeFormat"/>).</summary>
    public string Code { get; private set; } = "";

    /// <summary>How many claims the code allows in total. Default 1.</summary>
    public int MaxRedemptions { get; private set; } = 1;

    public int RedemptionCount { get; private set; }
    public CodeStatus Status { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public string? DisabledBy { get; private set; }
    public DateTime? DisabledAt { get; private set; }

    /// <summary>When the code was last redeemed; set by the claim's conditional update, together with the count.</summary>
    public DateTime? LastRedeemedAt { get; private set; }

    public void Disable(string by, DateTime now)
    {
        if (Status == CodeStatus.Disabled) return;
        Status = CodeStatus.Disabled;
        DisabledBy = by;
        DisabledAt = now;
    }

    public void Enable()
    {
        Status = CodeStatus.Active;
        DisabledBy = null;
        DisabledAt = null;
    }
}
