using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;

namespace TokensForge.Core.Campaigns;

/// <summary>
/// A redemption as the user sees it: the claim result and a row of the redemption history are this same view
/// of the stored row, so they cannot disagree.
/// </summary>
public sealed record RedemptionView(
    Guid Id,
    Guid CampaignId,
    string CampaignName,
    CampaignKind CampaignKind,
    string? Code,
    string BucketKey,
    string BucketName,
    long Amount,
    DateTime ClaimedAt,
    string UserId,
    string? AccountEmail,
    int ClaimLimitPerAccount,
    CreditExpiryRule ExpiryRule,
    DateTime? CreditExpiresOn,
    int? CreditExpiryDays,
    DateTime? ExpiresAt,
    bool PaysOfficial,
    bool PaysRouted,
    Guid GrantId,
    Guid TransferId,
    Guid TxId,
    string? ClientIp)
{
    /// <summary>The one-time rule in words, e.g. "One claim per account".</summary>
    public string ClaimRule => CreditExpiry.DescribeClaimLimit(ClaimLimitPerAccount);

    /// <summary>The expiry rule in words, e.g. "Expires 30 days after the claim".</summary>
    public string ExpiryRuleText => CreditExpiry.Describe(ExpiryRule, CreditExpiresOn, CreditExpiryDays);
}

/// <summary>Read side of redemptions: a user's history, newest first, and single rows by id (owner only).</summary>
public sealed class RedemptionQueries(IDbContextFactory<AppDbContext> contexts)
{
    public async Task<PagedResult<RedemptionView>> GetPageAsync(string userId, int page, int pageSize, CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, 200);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var mine = db.Redemptions.AsNoTracking().Where(r => r.UserId == userId);
        var total = await mine.CountAsync(ct);
        var items = await Project(db, mine.OrderByDescending(r => r.ClaimedAt).ThenByDescending(r => r.ClaimNumber).ThenByDescending(r => r.Id)
                .Skip(Math.Max(page, 0) * pageSize).Take(pageSize))
            .ToListAsync(ct);
        return new PagedResult<RedemptionView>(items, total);
    }

    /// <summary>One redemption of <paramref name="userId"/>; null when it does not exist or belongs to someone else.</summary>
    public async Task<RedemptionView?> GetAsync(string userId, Guid redemptionId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await Project(db, db.Redemptions.AsNoTracking().Where(r => r.Id == redemptionId && r.UserId == userId)).FirstOrDefaultAsync(ct);
    }

    private static IQueryable<RedemptionView> Project(AppDbContext db, IQueryable<Redemption> rows) => rows.Select(r => new RedemptionView(
        r.Id, r.CampaignId, r.Campaign.Name, r.Campaign.Kind, r.Code == null ? null : r.Code.Code, r.BucketKey, r.Bucket.DisplayName, r.Amount,
        r.ClaimedAt, r.UserId, db.Users.Where(u => u.Id == r.UserId).Select(u => u.Email).FirstOrDefault(), r.Campaign.ClaimLimitPerAccount,
        r.Campaign.ExpiryRule, r.Campaign.CreditExpiresOn, r.Campaign.CreditExpiryDays, r.CreditExpiresAt, r.PaysOfficial, r.PaysRouted,
        r.GrantId, r.TransferId, r.TxId, r.ClientIp));
}
