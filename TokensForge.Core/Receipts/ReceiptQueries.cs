using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Receipts;

/// <summary>Filters of the usage and failed-request lists. A null <see cref="UserId"/> means every user (admins only).</summary>
public sealed record ReceiptFilter(
    string? UserId,
    Guid? ApiKeyId = null,
    string? Model = null,
    RequestStatus? Status = null,
    DateTime? From = null,
    DateTime? To = null);

/// <summary>One row of the usage grid.</summary>
public sealed record ReceiptRow(
    Guid Id,
    DateTime CreatedAt,
    RequestSource Source,
    string Endpoint,
    string? ApiKeyPrefix,
    string Model,
    string? RouteName,
    RouteKind? RouteKind,
    bool Simulated,
    RequestStatus Status,
    string Reason,
    int PromptTokens,
    int CompletionTokens,
    long Cost,
    bool Estimated,
    bool Stream,
    int LatencyMs,
    string? UpstreamError,
    string? ApiKeyName = null,
    IReadOnlyList<ReceiptBucketPart>? PaidBy = null);

/// <summary>What one bucket paid of a receipt, summed over the bucket's grants.</summary>
public sealed record ReceiptBucketPart(string BucketKey, string BucketName, long Amount);

/// <summary>One grant's part of a receipt.</summary>
public sealed record ReceiptCharge(Guid GrantId, string BucketKey, string BucketName, string SourceLabel, Guid TransferId, long Amount);

/// <summary>A ledger transfer that names the receipt as its reference: the holds, posts and voids of the request.</summary>
/// <summary>A transfer a request made: the ledger addresses for the API and exports, the names of both sides for people.</summary>
public sealed record ReceiptTransfer(Guid Id, Guid TxId, DateTime CreatedAt, TransferCode Code, TransferFlags Flags, long Amount, string DebitAccount, string CreditAccount,
    string DebitName = "", string CreditName = "");

/// <summary>The price snapshot a receipt was charged at.</summary>
public sealed record ReceiptPrice(Guid Id, long InputPrice, long OutputPrice, long CachedInputPrice, DateTime EffectiveFrom, string CreatedBy,
    long? CacheWrite5mPrice = null, long? CacheWrite1hPrice = null)
{
    /// <summary>The 5-minute cache-write price charged (the input price when the snapshot names none).</summary>
    public long CacheWrite5m => CacheWrite5mPrice ?? InputPrice;

    /// <summary>The 1-hour cache-write price charged (the input price when the snapshot names none).</summary>
    public long CacheWrite1h => CacheWrite1hPrice ?? InputPrice;
}

/// <summary>One route the request tried (or skipped), in order.</summary>
public sealed record ReceiptAttempt(int Position, Guid RouteId, string RouteName, RouteKind RouteKind, Guid? PriceSnapshotId, AttemptResult Result,
    int? UpstreamStatus, string? Error, int LatencyMs, int? TimeToFirstTokenMs, bool Charged);

/// <summary>Everything about one receipt.</summary>
public sealed record ReceiptDetail(
    Guid Id,
    string RequestId,
    DateTime CreatedAt,
    DateTime CompletedAt,
    string UserId,
    Guid? ApiKeyId,
    string? ApiKeyPrefix,
    RequestSource Source,
    string Endpoint,
    string Model,
    Guid? RouteId,
    string? RouteName,
    RouteKind? RouteKind,
    bool Simulated,
    int PromptTokens,
    int CompletionTokens,
    int CachedTokens,
    long HoldAmount,
    long Cost,
    Guid? LedgerTxId,
    RequestStatus Status,
    string Reason,
    bool Estimated,
    bool Stream,
    int LatencyMs,
    int? TimeToFirstTokenMs,
    int? UpstreamStatus,
    string? UpstreamError,
    string? ClientIp,
    ReceiptPrice? Price,
    IReadOnlyList<ReceiptCharge> PaidBy,
    IReadOnlyList<ReceiptTransfer> Transfers,
    IReadOnlyList<ReceiptAttempt> Attempts,
    int CacheWrite5mTokens = 0,
    int CacheWrite1hTokens = 0,
    int ReasoningTokens = 0,
    int PriceMultiplier = PriceGroups.PriceGroup.OneTimes,
    string? PriceGroup = null,
    int? OutputCappedTo = null);

/// <summary>Read side of receipts: users see their own, admins (null user) see all.</summary>
public sealed class ReceiptQueries(IDbContextFactory<AppDbContext> contexts)
{
    public async Task<PagedResult<ReceiptRow>> ListAsync(ReceiptFilter filter, int page, int pageSize, CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, 200);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.RequestRecords.AsNoTracking();
        if (filter.UserId is { } user) query = query.Where(r => r.UserId == user);
        if (filter.ApiKeyId is { } key) query = query.Where(r => r.ApiKeyId == key);
        if (!string.IsNullOrWhiteSpace(filter.Model)) query = query.Where(r => r.Model == filter.Model);
        if (filter.Status is { } status) query = query.Where(r => r.Status == status);
        if (filter.From is { } from) query = query.Where(r => r.CreatedAt >= from);
        if (filter.To is { } to) query = query.Where(r => r.CreatedAt < to);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Skip(Math.Max(page, 0) * pageSize).Take(pageSize)
            .Select(r => new ReceiptRow(r.Id, r.CreatedAt, r.Source, r.Endpoint, r.ApiKeyPrefix, r.Model, r.RouteName, r.RouteKind, r.Simulated, r.Status,
                r.Reason, r.PromptTokens, r.CompletionTokens, r.Cost, r.Estimated, r.Stream, r.LatencyMs, r.UpstreamError,
                db.ApiKeys.Where(k => k.Id == r.ApiKeyId).Select(k => k.Name).FirstOrDefault(), null))
            .ToListAsync(ct);
        // The page's charges in one query, summed per bucket: a receipt paid by several grants of one bucket shows it once.
        var ids = rows.Select(r => r.Id).ToList();
        var parts = await db.RequestCharges.AsNoTracking().Where(c => ids.Contains(c.RequestRecordId))
            .GroupBy(c => new { c.RequestRecordId, c.BucketKey })
            .Select(g => new { g.Key.RequestRecordId, g.Key.BucketKey, Amount = g.Sum(c => c.Amount), First = g.Min(c => c.Position) })
            .ToListAsync(ct);
        var buckets = parts.Count == 0 ? [] : await db.Buckets.AsNoTracking().ToDictionaryAsync(b => b.Key, b => b.DisplayName, ct);
        var paidBy = parts.GroupBy(p => p.RequestRecordId).ToDictionary(g => g.Key, g => (IReadOnlyList<ReceiptBucketPart>)g.OrderBy(p => p.First)
            .Select(p => new ReceiptBucketPart(p.BucketKey, buckets.GetValueOrDefault(p.BucketKey, p.BucketKey), p.Amount)).ToList());
        return new PagedResult<ReceiptRow>(rows.Select(r => r with { PaidBy = paidBy.GetValueOrDefault(r.Id, []) }).ToList(), total);
    }

    /// <summary>The models a user has receipts for, for the filter list.</summary>
    public async Task<IReadOnlyList<string>> ModelsUsedAsync(string? userId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RequestRecords.AsNoTracking().Where(r => userId == null || r.UserId == userId)
            .Select(r => r.Model).Distinct().OrderBy(m => m).ToListAsync(ct);
    }

    /// <summary>One receipt with its paid-by parts, ledger transfers and price snapshot; null when it is not the user's (or does not exist).</summary>
    public async Task<ReceiptDetail?> GetAsync(Guid id, string? userId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var r = await db.RequestRecords.AsNoTracking().Include(x => x.Charges).Include(x => x.Attempts)
            .FirstOrDefaultAsync(x => x.Id == id && (userId == null || x.UserId == userId), ct);
        if (r is null) return null;

        var buckets = await db.Buckets.AsNoTracking().ToDictionaryAsync(b => b.Key, b => b.DisplayName, ct);
        // A sponsor's part has no wallet bucket; it is named for who paid.
        buckets.TryAdd(Research.ResearchAllowance.BucketKey, "Research allowance");
        var reference = id.ToString();
        // Within one instant a hold comes before its resolution; ids alone are partly random.
        var rows = await Wallets.TransferRows.Project(db, db.Transfers.AsNoTracking().Where(t => t.Reference == reference)
            .OrderBy(t => t.CreatedAt).ThenBy(t => t.Flags == TransferFlags.Pending ? 0 : 1).ThenBy(t => t.Id))
            .ToListAsync(ct);
        var transfers = rows.Select(x =>
        {
            var t = x.Transfer;
            var own = x.Debit.UserId == r.UserId ? x.Debit : x.Credit;
            return new ReceiptTransfer(t.Id, t.TxId, t.CreatedAt, t.Code, t.Flags, t.Amount, x.Debit.Address, x.Credit.Address,
                Wallets.TransferRows.NameOf(x.Debit, t.Code, own.GrantLabel, r.UserId), Wallets.TransferRows.NameOf(x.Credit, t.Code, own.GrantLabel, r.UserId));
        }).ToList();
        var price = r.PriceSnapshotId is { } snapshotId
            ? await db.PriceSnapshots.AsNoTracking().Where(p => p.Id == snapshotId)
                .Select(p => new ReceiptPrice(p.Id, p.InputPrice, p.OutputPrice, p.CachedInputPrice, p.EffectiveFrom, p.CreatedBy, p.CacheWrite5mPrice, p.CacheWrite1hPrice)).FirstOrDefaultAsync(ct)
            : null;

        return new ReceiptDetail(r.Id, r.RequestId, r.CreatedAt, r.CompletedAt, r.UserId, r.ApiKeyId, r.ApiKeyPrefix, r.Source, r.Endpoint, r.Model,
            r.RouteId, r.RouteName, r.RouteKind, r.Simulated, r.PromptTokens, r.CompletionTokens, r.CachedTokens, r.HoldAmount, r.Cost, r.LedgerTxId,
            r.Status, r.Reason, r.Estimated, r.Stream, r.LatencyMs, r.TimeToFirstTokenMs, r.UpstreamStatus, r.UpstreamError, r.ClientIp, price,
            r.Charges.OrderBy(c => c.Position).Select(c => new ReceiptCharge(c.GrantId, c.BucketKey, buckets.GetValueOrDefault(c.BucketKey, c.BucketKey), c.SourceLabel, c.TransferId, c.Amount)).ToList(),
            transfers,
            r.Attempts.OrderBy(a => a.Position).Select(a => new ReceiptAttempt(a.Position, a.RouteId, a.RouteName, a.RouteKind, a.PriceSnapshotId, a.Result,
                a.UpstreamStatus, a.Error, a.LatencyMs, a.TimeToFirstTokenMs, a.Charged)).ToList(),
            r.CacheWrite5mTokens, r.CacheWrite1hTokens, r.ReasoningTokens, r.PriceMultiplier, r.PriceGroup, r.OutputCappedTo);
    }
}
