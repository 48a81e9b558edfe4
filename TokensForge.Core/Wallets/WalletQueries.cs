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

/// <summary>A transfer that touches one of the user's accounts, signed from the user's side.</summary>
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
    string Counterparty,
    string? Reference,
    string? Memo)
{
    /// <summary>The two-phase state in a word: posted, pending, post, void or expired.</summary>
    public string State => Flags switch
    {
        TransferFlags.Pending => "pending",
        TransferFlags.PostPending => "posted hold",
        TransferFlags.VoidPending => "voided hold",
        TransferFlags.ExpirePending => "expired hold",
        _ => "posted",
    };
}

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
        var rows = await query
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id)
            .Skip(Math.Max(page, 0) * pageSize).Take(pageSize)
            .Select(t => new
            {
                Transfer = t,
                Debit = db.LedgerAccounts.Where(a => a.Id == t.DebitAccountId).Select(a => new { a.Address, a.UserId }).First(),
                Credit = db.LedgerAccounts.Where(a => a.Id == t.CreditAccountId).Select(a => new { a.Address, a.UserId }).First(),
                DebitGrant = db.CreditGrants.Where(g => g.AccountId == t.DebitAccountId).Select(g => new { g.BucketKey, g.SourceLabel }).FirstOrDefault(),
                CreditGrant = db.CreditGrants.Where(g => g.AccountId == t.CreditAccountId).Select(g => new { g.BucketKey, g.SourceLabel }).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return new PagedResult<WalletTransferView>(rows.Select(r =>
        {
            var t = r.Transfer;
            var outgoing = r.Debit.UserId == userId;
            var grant = outgoing ? r.DebitGrant : r.CreditGrant;
            // A hold's resolution returns money (void/expire) or spends it (post); the pending itself only reserves.
            var signed = t.Flags switch
            {
                TransferFlags.Pending or TransferFlags.VoidPending or TransferFlags.ExpirePending => 0,
                _ => outgoing ? -t.Amount : t.Amount,
            };
            return new WalletTransferView(t.Id, t.TxId, t.CreatedAt, t.Code, t.Flags, t.Amount, signed, grant?.BucketKey, grant?.SourceLabel,
                outgoing ? r.Credit.Address : r.Debit.Address, t.Reference, t.Memo);
        }).ToList(), total);
    }
}
