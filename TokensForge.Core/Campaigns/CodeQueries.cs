using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;

namespace TokensForge.Core.Campaigns;

/// <summary>A row of the admin codes grid.</summary>
public sealed record CodeRow(
    Guid Id,
    string Code,
    Guid CampaignId,
    string CampaignName,
    CodeStatus Status,
    int RedemptionCount,
    int MaxRedemptions,
    string CreatedBy,
    DateTime CreatedAt,
    DateTime? LastRedeemedAt,
    Guid? BatchId)
{
    /// <summary>Only a code never redeemed may be deleted.</summary>
    public bool Deletable => RedemptionCount == 0;
}

/// <summary>Filters of the codes grid; each is optional. <see cref="Search"/> is a code prefix, typed any way a person would.</summary>
public sealed record CodeFilter(string? Search = null, Guid? CampaignId = null, CodeStatus? Status = null, Guid? BatchId = null);

/// <summary>A code of a generated batch, as its CSV lists it.</summary>
public sealed record BatchCode(string Code, string CampaignName, int MaxRedemptions, DateTime CreatedAt, Guid BatchId);

/// <summary>
/// Read side of redeem codes for admins. Built to stay fast with hundreds of thousands of codes: the count runs
/// on the code table alone with the filter's indexed columns, the page is an ordered index range with
/// OFFSET/LIMIT, and a code search is a prefix range on the unique code index.
/// </summary>
public sealed class CodeQueries(IDbContextFactory<AppDbContext> contexts)
{
    public async Task<PagedResult<CodeRow>> SearchAsync(CodeFilter filter, PageRequest page, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var codes = Filter(db, filter);
        var total = await codes.CountAsync(ct);
        var ordered = (page.SortBy, page.Descending) switch
        {
            (nameof(CodeRow.Code), false) => codes.OrderBy(c => c.Code),
            (nameof(CodeRow.Code), true) => codes.OrderByDescending(c => c.Code),
            (nameof(CodeRow.RedemptionCount), false) => codes.OrderBy(c => c.RedemptionCount).ThenBy(c => c.Id),
            (nameof(CodeRow.RedemptionCount), true) => codes.OrderByDescending(c => c.RedemptionCount).ThenByDescending(c => c.Id),
            (nameof(CodeRow.LastRedeemedAt), false) => codes.OrderBy(c => c.LastRedeemedAt).ThenBy(c => c.Id),
            (nameof(CodeRow.LastRedeemedAt), true) => codes.OrderByDescending(c => c.LastRedeemedAt).ThenByDescending(c => c.Id),
            (nameof(CodeRow.Status), false) => codes.OrderBy(c => c.Status).ThenBy(c => c.Id),
            (nameof(CodeRow.Status), true) => codes.OrderByDescending(c => c.Status).ThenByDescending(c => c.Id),
            (nameof(CodeRow.CreatedAt), false) => codes.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id),
            _ => codes.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        };
        var items = await ordered.Skip(page.Skip).Take(page.Take)
            .Select(c => new CodeRow(c.Id, c.Code, c.CampaignId, c.Campaign.Name, c.Status, c.RedemptionCount, c.MaxRedemptions, c.CreatedBy,
                c.CreatedAt, c.LastRedeemedAt, c.BatchId))
            .ToListAsync(ct);
        return new PagedResult<CodeRow>(items, total);
    }

    /// <summary>The codes of one generated batch in the order they were made, streamed; empty when there is no such batch.</summary>
    public async IAsyncEnumerable<BatchCode> StreamBatchAsync(Guid batchId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = db.RedeemCodes.AsNoTracking().Where(c => c.BatchId == batchId).OrderBy(c => c.Id)
            .Select(c => new BatchCode(c.Code, c.Campaign.Name, c.MaxRedemptions, c.CreatedAt, batchId))
            .AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(ct)) yield return row;
    }

    /// <summary>Whether a batch with this id exists (has at least one code left).</summary>
    public async Task<bool> BatchExistsAsync(Guid batchId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RedeemCodes.AnyAsync(c => c.BatchId == batchId, ct);
    }

    internal static IQueryable<RedeemCode> Filter(AppDbContext db, CodeFilter filter)
    {
        var codes = db.RedeemCodes.AsNoTracking();
        if (filter.CampaignId is { } campaignId) codes = codes.Where(c => c.CampaignId == campaignId);
        if (filter.BatchId is { } batchId) codes = codes.Where(c => c.BatchId == batchId);
        if (filter.Status is { } status) codes = codes.Where(c => c.Status == status);
        if (CodeSearch.ToPrefix(filter.Search) is { } prefix) codes = WhereCodeStartsWith(db, codes, prefix);
        return codes;
    }

    /// <summary>
    /// A prefix match the code index can serve. PostgreSQL: <c>LIKE 'prefix%'</c> on the <c>text_pattern_ops</c>
    /// index. SQLite: a range on the BINARY-collated index (its LIKE is case-insensitive and would scan); every
    /// continuation of the prefix sorts below <c>prefix + "~"</c> because codes are ASCII letters, digits and dashes.
    /// </summary>
    internal static IQueryable<RedeemCode> WhereCodeStartsWith(AppDbContext db, IQueryable<RedeemCode> codes, string prefix)
    {
        if (db.IsPostgres) return codes.Where(c => EF.Functions.Like(c.Code, prefix + "%"));
        var upper = prefix + "~";
        return codes.Where(c => string.Compare(c.Code, prefix) >= 0 && string.Compare(c.Code, upper) < 0);
    }
}

/// <summary>Turns what an admin typed into the search box into the start of a canonical code.</summary>
public static class CodeSearch
{
    /// <summary>
    /// <c>"7k3m q9"</c>, <c>"TF-7K3M-Q9"</c> and <c>"tf7k3mq9"</c> all become <c>"TF-7K3M-Q9"</c>. Null for an empty
    /// search. Characters that no code contains are kept, so such a search simply finds nothing.
    /// </summary>
    public static string? ToPrefix(string? input)
    {
        if (string.IsNullOrWhiteSpace(input)) return null;
        var compact = new StringBuilder(input.Length);
        foreach (var c in input.Trim())
        {
            if (c == '-' || char.IsWhiteSpace(c)) continue;
            compact.Append(char.ToUpperInvariant(c));
        }
        var body = compact.ToString();
        if (body.StartsWith(RedeemCodeFormat.Prefix, StringComparison.Ordinal)) body = body[RedeemCodeFormat.Prefix.Length..];
        var maxBody = RedeemCodeFormat.GroupCount * RedeemCodeFormat.GroupLength;
        if (body.Length > maxBody) body = body[..(maxBody + 1)]; // longer than any code: keeps it unmatched
        var result = new StringBuilder(RedeemCodeFormat.Prefix).Append('-');
        for (var i = 0; i < body.Length; i++)
        {
            if (i > 0 && i % RedeemCodeFormat.GroupLength == 0) result.Append('-');
            result.Append(body[i]);
        }
        return result.ToString();
    }
}
