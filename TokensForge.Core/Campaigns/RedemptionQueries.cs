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
    int? CodeMaxRedemptions,
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

    /// <summary>The code as the claim card and every history row show it, so the two always agree.</summary>
    public string CodeText => Code ?? "None (starter credit)";

    /// <summary>The code's own limit across all accounts, beside the per-account rule; null for starter credit.</summary>
    public string? CodeRule => CodeMaxRedemptions switch
    {
        null => null,
        1 => "This code can be redeemed once in all",
        { } n => $"This code can be redeemed {n:N0} times in all",
    };

    /// <summary>The expiry rule in words, e.g. "Expires 30 days after the claim".</summary>
    public string ExpiryRuleText => CreditExpiry.Describe(ExpiryRule, CreditExpiresOn, CreditExpiryDays);
}

/// <summary>Filters of the admin redemptions grid; each is optional. <see cref="Code"/> is a code prefix, <see cref="User"/> part of an email.</summary>
public sealed record RedemptionFilter(Guid? CampaignId = null, string? Code = null, string? User = null, DateTime? From = null, DateTime? To = null);

/// <summary>Read side of redemptions: a user's history, newest first, single rows by id (owner only) and the admin search over all users.</summary>
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

    /// <summary>Every account's redemptions for admins, newest first unless sorted by <c>Amount</c> or <c>ClaimedAt</c>.</summary>
    public async Task<PagedResult<RedemptionView>> SearchAsync(RedemptionFilter filter, PageRequest page, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = db.Redemptions.AsNoTracking();
        if (filter.CampaignId is { } campaignId) rows = rows.Where(r => r.CampaignId == campaignId);
        if (CodeSearch.ToPrefix(filter.Code) is { } prefix)
        {
            var codeIds = CodeQueries.WhereCodeStartsWith(db, db.RedeemCodes.AsNoTracking(), prefix).Select(c => c.Id);
            rows = rows.Where(r => r.CodeId != null && codeIds.Contains(r.CodeId.Value));
        }
        if (!string.IsNullOrWhiteSpace(filter.User))
        {
            var needle = filter.User.Trim().ToUpperInvariant();
            var userIds = db.Users.Where(u => u.NormalizedEmail!.Contains(needle)).Select(u => u.Id);
            rows = rows.Where(r => userIds.Contains(r.UserId));
        }
        if (filter.From is { } from) rows = rows.Where(r => r.ClaimedAt >= from);
        if (filter.To is { } to) rows = rows.Where(r => r.ClaimedAt < to);
        var total = await rows.CountAsync(ct);
        var ordered = (page.SortBy, page.Descending) switch
        {
            (nameof(RedemptionView.Amount), false) => rows.OrderBy(r => r.Amount).ThenBy(r => r.Id),
            (nameof(RedemptionView.Amount), true) => rows.OrderByDescending(r => r.Amount).ThenByDescending(r => r.Id),
            (nameof(RedemptionView.ClaimedAt), false) => rows.OrderBy(r => r.ClaimedAt).ThenBy(r => r.Id),
            _ => rows.OrderByDescending(r => r.ClaimedAt).ThenByDescending(r => r.Id),
        };
        var items = await Project(db, ordered.Skip(page.Skip).Take(page.Take)).ToListAsync(ct);
        return new PagedResult<RedemptionView>(items, total);
    }

    /// <summary>One redemption of <paramref name="userId"/>; null when it does not exist or belongs to someone else.</summary>
    public async Task<RedemptionView?> GetAsync(string userId, Guid redemptionId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await Project(db, db.Redemptions.AsNoTracking().Where(r => r.Id == redemptionId && r.UserId == userId)).FirstOrDefaultAsync(ct);
    }

    private static IQueryable<RedemptionView> Project(AppDbContext db, IQueryable<Redemption> rows) => rows.Select(r => new RedemptionView(
        r.Id, r.CampaignId, r.Campaign.Name, r.Campaign.Kind, r.Code == null ? null : r.Code.Code,
        r.Code == null ? null : (int?)r.Code.MaxRedemptions, r.BucketKey, r.Bucket.DisplayName, r.Amount,
        r.ClaimedAt, r.UserId, db.Users.Where(u => u.Id == r.UserId).Select(u => u.Email).FirstOrDefault(), r.Campaign.ClaimLimitPerAccount,
        r.Campaign.ExpiryRule, r.Campaign.CreditExpiresOn, r.Campaign.CreditExpiryDays, r.CreditExpiresAt, r.PaysOfficial, r.PaysRouted,
        r.GrantId, r.TransferId, r.TxId, r.ClientIp));
}
