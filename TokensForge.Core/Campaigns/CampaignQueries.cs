using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Campaigns;

/// <summary>
/// A row of the admin campaigns grid. <see cref="Redemptions"/> and <see cref="Credited"/> are read from the
/// campaign's <c>redeem</c> transfers, so they are the ledger's own figures.
/// </summary>
public sealed record CampaignRow(
    Guid Id,
    string Name,
    CampaignKind Kind,
    string BucketKey,
    string BucketName,
    long AmountPerClaim,
    CreditExpiryRule ExpiryRule,
    DateTime? CreditExpiresOn,
    int? CreditExpiryDays,
    DateTime? StartsAt,
    DateTime? EndsAt,
    int ClaimLimitPerAccount,
    long? Budget,
    CampaignStatus Status,
    string? Notes,
    string CreatedBy,
    DateTime CreatedAt,
    int Codes,
    int Redemptions,
    long Credited)
{
    public string ExpiryRuleText => CreditExpiry.Describe(ExpiryRule, CreditExpiresOn, CreditExpiryDays);

    /// <summary>Money rules are locked once anything was claimed.</summary>
    public bool RulesLocked => Redemptions > 0;
}

/// <summary>Filters of the campaigns grid; each is optional.</summary>
public sealed record CampaignFilter(string? Name = null, CampaignKind? Kind = null, CampaignStatus? Status = null, string? BucketKey = null);

/// <summary>One campaign option for pickers: promo campaigns take codes.</summary>
public sealed record CampaignOption(Guid Id, string Name, CampaignKind Kind, CampaignStatus Status);

/// <summary>Read side of campaigns for admins: the grid and pickers.</summary>
public sealed class CampaignQueries(IDbContextFactory<AppDbContext> contexts)
{
    public async Task<PagedResult<CampaignRow>> SearchAsync(CampaignFilter filter, PageRequest page, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var campaigns = db.Campaigns.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Name)) campaigns = campaigns.Where(c => c.Name.ToUpper().Contains(filter.Name.Trim().ToUpper()));
        if (filter.Kind is { } kind) campaigns = campaigns.Where(c => c.Kind == kind);
        if (filter.Status is { } status) campaigns = campaigns.Where(c => c.Status == status);
        if (!string.IsNullOrWhiteSpace(filter.BucketKey)) campaigns = campaigns.Where(c => c.BucketKey == filter.BucketKey);
        var total = await campaigns.CountAsync(ct);

        var rows = Project(db, campaigns);
        var ordered = (page.SortBy, page.Descending) switch
        {
            (nameof(CampaignRow.Name), var d) => d ? rows.OrderByDescending(r => r.Name) : rows.OrderBy(r => r.Name),
            (nameof(CampaignRow.Kind), var d) => d ? rows.OrderByDescending(r => r.Kind) : rows.OrderBy(r => r.Kind),
            (nameof(CampaignRow.BucketName), var d) => d ? rows.OrderByDescending(r => r.BucketName) : rows.OrderBy(r => r.BucketName),
            (nameof(CampaignRow.AmountPerClaim), var d) => d ? rows.OrderByDescending(r => r.AmountPerClaim) : rows.OrderBy(r => r.AmountPerClaim),
            (nameof(CampaignRow.ExpiryRule), var d) => d ? rows.OrderByDescending(r => r.ExpiryRule) : rows.OrderBy(r => r.ExpiryRule),
            (nameof(CampaignRow.StartsAt), var d) => d ? rows.OrderByDescending(r => r.StartsAt) : rows.OrderBy(r => r.StartsAt),
            (nameof(CampaignRow.EndsAt), var d) => d ? rows.OrderByDescending(r => r.EndsAt) : rows.OrderBy(r => r.EndsAt),
            (nameof(CampaignRow.Status), var d) => d ? rows.OrderByDescending(r => r.Status) : rows.OrderBy(r => r.Status),
            (nameof(CampaignRow.Codes), var d) => d ? rows.OrderByDescending(r => r.Codes) : rows.OrderBy(r => r.Codes),
            (nameof(CampaignRow.Redemptions), var d) => d ? rows.OrderByDescending(r => r.Redemptions) : rows.OrderBy(r => r.Redemptions),
            (nameof(CampaignRow.Credited), var d) => d ? rows.OrderByDescending(r => r.Credited) : rows.OrderBy(r => r.Credited),
            (nameof(CampaignRow.CreatedAt), false) => rows.OrderBy(r => r.CreatedAt),
            _ => rows.OrderByDescending(r => r.CreatedAt),
        };
        var items = await ToRows(ordered.ThenBy(r => r.Id).Skip(page.Skip).Take(page.Take)).ToListAsync(ct);
        return new PagedResult<CampaignRow>(items, total);
    }

    public async Task<CampaignRow?> GetAsync(Guid campaignId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await ToRows(Project(db, db.Campaigns.AsNoTracking().Where(c => c.Id == campaignId))).FirstOrDefaultAsync(ct);
    }

    /// <summary>Every campaign, newest first, for filters and the code generator.</summary>
    public async Task<IReadOnlyList<CampaignOption>> ListAsync(CampaignKind? kind = null, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var campaigns = db.Campaigns.AsNoTracking();
        if (kind is { } k) campaigns = campaigns.Where(c => c.Kind == k);
        return await campaigns.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id)
            .Select(c => new CampaignOption(c.Id, c.Name, c.Kind, c.Status)).ToListAsync(ct);
    }

    /// <summary>The buckets a campaign can credit, in display order.</summary>
    public async Task<IReadOnlyList<(string Key, string Name)>> BucketsAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var buckets = await db.Buckets.AsNoTracking().OrderBy(b => b.SortOrder).Select(b => new { b.Key, b.DisplayName }).ToListAsync(ct);
        return buckets.Select(b => (b.Key, b.DisplayName)).ToList();
    }

    /// <summary>Rows as a member-init shape, so the database can sort by any column, counts included.</summary>
    private static IQueryable<Shape> Project(AppDbContext db, IQueryable<Campaign> campaigns) => campaigns.Select(c => new Shape
    {
        Id = c.Id, Name = c.Name, Kind = c.Kind, BucketKey = c.BucketKey, BucketName = c.Bucket.DisplayName, AmountPerClaim = c.AmountPerClaim,
        ExpiryRule = c.ExpiryRule, CreditExpiresOn = c.CreditExpiresOn, CreditExpiryDays = c.CreditExpiryDays, StartsAt = c.StartsAt, EndsAt = c.EndsAt,
        ClaimLimitPerAccount = c.ClaimLimitPerAccount, Budget = c.Budget, Status = c.Status, Notes = c.Notes, CreatedBy = c.CreatedBy, CreatedAt = c.CreatedAt,
        Codes = db.RedeemCodes.Count(r => r.CampaignId == c.Id),
        Redemptions = db.Transfers.Count(t => t.DebitAccountId == c.FundingAccountId && t.Code == TransferCode.Redeem),
        Credited = db.Transfers.Where(t => t.DebitAccountId == c.FundingAccountId && t.Code == TransferCode.Redeem).Sum(t => (long?)t.Amount) ?? 0,
    });

    private static IQueryable<CampaignRow> ToRows(IQueryable<Shape> shapes) => shapes.Select(r => new CampaignRow(r.Id, r.Name, r.Kind, r.BucketKey,
        r.BucketName, r.AmountPerClaim, r.ExpiryRule, r.CreditExpiresOn, r.CreditExpiryDays, r.StartsAt, r.EndsAt, r.ClaimLimitPerAccount, r.Budget,
        r.Status, r.Notes, r.CreatedBy, r.CreatedAt, r.Codes, r.Redemptions, r.Credited));

    private sealed class Shape
    {
        public Guid Id { get; init; }
        public string Name { get; init; } = "";
        public CampaignKind Kind { get; init; }
        public string BucketKey { get; init; } = "";
        public string BucketName { get; init; } = "";
        public long AmountPerClaim { get; init; }
        public CreditExpiryRule ExpiryRule { get; init; }
        public DateTime? CreditExpiresOn { get; init; }
        public int? CreditExpiryDays { get; init; }
        public DateTime? StartsAt { get; init; }
        public DateTime? EndsAt { get; init; }
        public int ClaimLimitPerAccount { get; init; }
        public long? Budget { get; init; }
        public CampaignStatus Status { get; init; }
        public string? Notes { get; init; }
        public string CreatedBy { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public int Codes { get; init; }
        public int Redemptions { get; init; }
        public long Credited { get; init; }
    }
}
