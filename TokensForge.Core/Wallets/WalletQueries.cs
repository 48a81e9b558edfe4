using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Wallets;

/// <summary>One bucket of a wallet: sums over the bucket's grants, straight from their ledger accounts.</summary>
public sealed record BucketBalance(
    string Key,
    string DisplayName,
    bool PaysOfficial,
    bool PaysRouted,
    string PaysDescription,
    long Balance,
    long Available,
    long Held,
    DateTime? SoonestExpiry);

/// <summary>A grant as the wallet shows it; <see cref="Remaining"/> is its account balance.</summary>
public sealed record GrantView(
    Guid Id,
    string BucketKey,
    string BucketName,
    GrantSource Source,
    string SourceLabel,
    GrantCategory Category,
    int Priority,
    long OriginalAmount,
    long Remaining,
    long Held,
    DateTime EffectiveAt,
    DateTime? ExpiresAt,
    DateTime CreatedAt);

/// <summary>How a hold was settled: the transfer that posted, released or expired it.</summary>
public sealed record HoldResolution(Guid Id, TransferFlags Flags, long Amount, DateTime CreatedAt);

/// <summary>
/// A transfer that touches one of the user's accounts, signed from the user's side. <see cref="CounterpartyName"/> names the
/// other side in words (a campaign, a top-up, model usage), never its ledger address. A hold carries its expiry and, once
/// settled, its <see cref="Resolution"/>; a resolution carries the hold it settles in <see cref="PendingId"/>.
/// </summary>
public sealed record WalletTransferView(
    Guid Id,
    Guid TxId,
    DateTime CreatedAt,
    TransferCode Code,
    TransferFlags Flags,
    long Amount,
    long SignedAmount,
    string? BucketKey,
    string? GrantLabel,
    string CounterpartyName,
    string? Reference,
    string? Memo,
    Guid? PendingId = null,
    DateTime? ExpiresAt = null,
    HoldResolution? Resolution = null);

/// <summary>Read-side queries of a user's wallet.</summary>
public sealed class WalletQueries(IDbContextFactory<AppDbContext> contexts, TimeProvider time)
{
    public async Task<IReadOnlyList<BucketBalance>> GetBucketsAsync(string userId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var buckets = await db.Buckets.AsNoTracking().OrderBy(b => b.SortOrder).ToListAsync(ct);
        var usable = db.CreditGrants.UsableAt(now).Select(u => u.Id);
        var grants = await db.CreditGrants.AsNoTracking().Where(g => g.UserId == userId)
            .Select(g => new
            {
                g.BucketKey,
                g.ExpiresAt,
                Usable = usable.Contains(g.Id),
                Balance = g.Account.CreditsPosted - g.Account.DebitsPosted,
                Held = g.Account.DebitsPending,
            })
            .ToListAsync(ct);
        return buckets.Select(b =>
        {
            var mine = grants.Where(g => g.BucketKey == b.Key).ToList();
            // Available is what may pay now: not a grant that is not yet effective or has expired.
            var live = mine.Where(g => g.Usable).ToList();
            return new BucketBalance(b.Key, b.DisplayName, b.PaysOfficial, b.PaysRouted, b.PaysDescription,
                Balance: mine.Sum(g => g.Balance),
                Available: live.Sum(g => g.Balance - g.Held),
                Held: mine.Sum(g => g.Held),
                SoonestExpiry: live.Where(g => g.Balance - g.Held > 0 && g.ExpiresAt is not null).Min(g => g.ExpiresAt));
        }).ToList();
    }

    public async Task<IReadOnlyList<GrantView>> GetGrantsAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.CreditGrants.AsNoTracking().Where(g => g.UserId == userId)
            .OrderByDescending(g => g.CreatedAt)
            .Select(g => new GrantView(g.Id, g.BucketKey, g.Bucket.DisplayName, g.Source, g.SourceLabel, g.Category, g.Priority, g.OriginalAmount,
                g.Account.CreditsPosted - g.Account.DebitsPosted, g.Account.DebitsPending, g.EffectiveAt, g.ExpiresAt, g.CreatedAt))
            .ToListAsync(ct);
    }

    /// <summary>The ledger transfers touching the user's accounts, newest first, one page at a time.</summary>
    public async Task<PagedResult<WalletTransferView>> GetTransfersAsync(string userId, int page, int pageSize, CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, 200);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var mine = db.LedgerAccounts.Where(a => a.UserId == userId).Select(a => a.Id);
        var query = db.Transfers.AsNoTracking().Where(t => mine.Contains(t.DebitAccountId) || mine.Contains(t.CreditAccountId));
        var total = await query.CountAsync(ct);
        var rows = await TransferRows.Project(db, query
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id)
            .Skip(Math.Max(page, 0) * pageSize).Take(pageSize)).ToListAsync(ct);
        return new PagedResult<WalletTransferView>(rows.Select(r => TransferRows.ToView(r, userId)).ToList(), total);
    }
}

/// <summary>One transfer with both its accounts, the grants and campaigns behind them and the settlement of a hold.</summary>
internal sealed record TransferRow(
    Transfer Transfer,
    TransferSide Debit,
    TransferSide Credit,
    HoldResolution? Resolution);

internal sealed record TransferSide(string Address, string? UserId, Guid? GrantId, string? BucketKey, string? BucketName, string? GrantLabel, string? CampaignName);

/// <summary>The read of a transfer shared by the wallet's ledger and the transfer page, and the names of its two sides.</summary>
internal static class TransferRows
{
    public static IQueryable<TransferRow> Project(AppDbContext db, IQueryable<Transfer> transfers) =>
        transfers.Select(t => new TransferRow(
            t,
            db.LedgerAccounts.Where(a => a.Id == t.DebitAccountId).Select(a => new TransferSide(a.Address, a.UserId,
                db.CreditGrants.Where(g => g.AccountId == a.Id).Select(g => (Guid?)g.Id).FirstOrDefault(),
                db.CreditGrants.Where(g => g.AccountId == a.Id).Select(g => g.BucketKey).FirstOrDefault(),
                db.CreditGrants.Where(g => g.AccountId == a.Id).Select(g => g.Bucket.DisplayName).FirstOrDefault(),
                db.CreditGrants.Where(g => g.AccountId == a.Id).Select(g => g.SourceLabel).FirstOrDefault(),
                db.Campaigns.Where(c => c.FundingAccountId == a.Id).Select(c => c.Name).FirstOrDefault())).First(),
            db.LedgerAccounts.Where(a => a.Id == t.CreditAccountId).Select(a => new TransferSide(a.Address, a.UserId,
                db.CreditGrants.Where(g => g.AccountId == a.Id).Select(g => (Guid?)g.Id).FirstOrDefault(),
                db.CreditGrants.Where(g => g.AccountId == a.Id).Select(g => g.BucketKey).FirstOrDefault(),
                db.CreditGrants.Where(g => g.AccountId == a.Id).Select(g => g.Bucket.DisplayName).FirstOrDefault(),
                db.CreditGrants.Where(g => g.AccountId == a.Id).Select(g => g.SourceLabel).FirstOrDefault(),
                db.Campaigns.Where(c => c.FundingAccountId == a.Id).Select(c => c.Name).FirstOrDefault())).First(),
            t.Flags == TransferFlags.Pending
                ? db.Transfers.Where(r => r.PendingId == t.Id).Select(r => new HoldResolution(r.Id, r.Flags, r.Amount, r.CreatedAt)).FirstOrDefault()
                : null));

    public static WalletTransferView ToView(TransferRow r, string userId)
    {
        var t = r.Transfer;
        var outgoing = r.Debit.UserId == userId;
        var (own, other) = outgoing ? (r.Debit, r.Credit) : (r.Credit, r.Debit);
        // A hold's resolution returns money (void/expire) or spends it (post); the pending itself only reserves.
        var signed = t.Flags switch
        {
            TransferFlags.Pending or TransferFlags.VoidPending or TransferFlags.ExpirePending => 0,
            _ => outgoing ? -t.Amount : t.Amount,
        };
        return new WalletTransferView(t.Id, t.TxId, t.CreatedAt, t.Code, t.Flags, t.Amount, signed, own.BucketKey, own.GrantLabel,
            NameOf(other, t.Code, own.GrantLabel, userId), t.Reference, t.Memo, t.PendingId, t.ExpiresAt, r.Resolution);
    }

    /// <summary>The other side of a transfer in words: users read names, not ledger addresses.</summary>
    public static string NameOf(TransferSide side, TransferCode code, string? ownGrantLabel, string userId)
    {
        if (side.CampaignName is { } campaign) return campaign;
        if (side.GrantLabel is { } label) return side.UserId == userId ? $"{label} grant" : "Another account";
        return side.Address switch
        {
            SystemAccounts.RevenueOfficial => "Official model usage",
            SystemAccounts.RevenueRouted => "Routed model usage",
            SystemAccounts.Research => "Research allowance",
            SystemAccounts.Breakage => "Expired credit",
            SystemAccounts.Adjustments => "Balance adjustment",
            // The grant a top-up paid for is named after its order ("Top-up TU-…").
            SystemAccounts.PaymentsClearing => code == TransferCode.TopUp && ownGrantLabel is { } topUp ? topUp : "Payment",
            _ => side.UserId is null ? "Tokens Forge" : "Another account",
        };
    }
}
