using TokensForge.Core.Wallets;

namespace TokensForge.Core.Ledger;

/// <summary>Whether a grant was given away or paid for; promotional credit is spent first at equal priority.</summary>
public enum GrantCategory
{
    Promotional,
    Paid,
}

/// <summary>Where a grant came from.</summary>
public enum GrantSource
{
    Starter,
    Campaign,
    TopUp,
    Adjustment,
}

/// <summary>
/// A lot of credit (Stripe's credit grant): one ledger account per grant, so the grant's remaining
/// balance is its account balance and there is no second copy to drift.
/// </summary>
public sealed class CreditGrant
{
    /// <summary>
    /// Default priorities (DESIGN §3): versatile credit is kept for the routes only it can pay. Official Credit is 60
    /// whatever its source, so even a promotional official grant is spent on a routed request only when nothing narrower
    /// is left (among official grants, promotional still goes before paid by the tie-break).
    /// </summary>
    public static int DefaultPriority(string bucketKey, GrantCategory category, GrantSource source) => (category, source, bucketKey) switch
    {
        (_, _, Bucket.Official) => 60,
        (GrantCategory.Promotional, GrantSource.Starter, _) => 10,
        (GrantCategory.Promotional, _, _) => 20,
        _ => 50,
    };

    private CreditGrant() { }

    internal CreditGrant(Guid id, Guid accountId, string userId, string bucketKey, GrantCategory category, GrantSource source,
        string? sourceRef, string sourceLabel, int priority, DateTime effectiveAt, DateTime? expiresAt, long originalAmount, DateTime createdAt)
    {
        Id = id;
        AccountId = accountId;
        UserId = userId;
        BucketKey = bucketKey;
        Category = category;
        Source = source;
        SourceRef = sourceRef;
        SourceLabel = sourceLabel;
        Priority = priority;
        EffectiveAt = effectiveAt;
        ExpiresAt = expiresAt;
        OriginalAmount = originalAmount;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public Guid AccountId { get; private set; }
    public LedgerAccount Account { get; private set; } = null!;
    public string UserId { get; private set; } = "";
    public string BucketKey { get; private set; } = "";
    public Bucket Bucket { get; private set; } = null!;
    public GrantCategory Category { get; private set; }
    public GrantSource Source { get; private set; }

    /// <summary>The id of the source record: campaign, redemption, top-up order or audit event.</summary>
    public string? SourceRef { get; private set; }

    /// <summary>What the wallet shows as the source, e.g. "Welcome credit" or "Top-up #42".</summary>
    public string SourceLabel { get; private set; } = "";

    public int Priority { get; private set; }
    public DateTime EffectiveAt { get; private set; }

    /// <summary>Null means never. The grant pays while <c>EffectiveAt ≤ now &lt; ExpiresAt</c>.</summary>
    public DateTime? ExpiresAt { get; private set; }

    public long OriginalAmount { get; private set; }
    public DateTime CreatedAt { get; private set; }
}

/// <summary>
/// The one rule for "this grant may pay now" — <c>EffectiveAt ≤ now &lt; ExpiresAt</c>, a null expiry meaning never —
/// used by holds, the wallet, the playground's capacity and campaign results alike.
/// </summary>
public static class GrantEligibility
{
    public static IQueryable<CreditGrant> UsableAt(this IQueryable<CreditGrant> grants, DateTime now) =>
        grants.Where(g => g.EffectiveAt <= now && (g.ExpiresAt == null || g.ExpiresAt > now));
}
