using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

namespace TokensForge.Core.Wallets;

/// <summary>One ledger transfer in full, as its owner sees it: both accounts, the grant on the owner's side and what it resolves.</summary>
public sealed record TransferDetail(
    WalletTransferView Summary,
    string DebitAddress,
    string CreditAddress,
    bool Outgoing,
    Guid? GrantId,
    string? BucketName,
    Guid? PendingId,
    Guid? ReversalOf,
    DateTime? HoldExpiresAt);

/// <summary>Single transfers for the wallet's transfer page; only a transfer touching one of the user's own accounts is found.</summary>
public sealed class TransferQueries(IDbContextFactory<AppDbContext> contexts)
{
    public async Task<TransferDetail?> GetForUserAsync(string userId, Guid transferId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Transfers.AsNoTracking().Where(t => t.Id == transferId)
            .Select(t => new
            {
                Transfer = t,
                Debit = db.LedgerAccounts.Where(a => a.Id == t.DebitAccountId).Select(a => new { a.Address, a.UserId }).First(),
                Credit = db.LedgerAccounts.Where(a => a.Id == t.CreditAccountId).Select(a => new { a.Address, a.UserId }).First(),
                DebitGrant = db.CreditGrants.Where(g => g.AccountId == t.DebitAccountId)
                    .Select(g => new { g.Id, g.BucketKey, g.Bucket.DisplayName, g.SourceLabel }).FirstOrDefault(),
                CreditGrant = db.CreditGrants.Where(g => g.AccountId == t.CreditAccountId)
                    .Select(g => new { g.Id, g.BucketKey, g.Bucket.DisplayName, g.SourceLabel }).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(ct);
        if (row is null || (row.Debit.UserId != userId && row.Credit.UserId != userId)) return null;

        var t = row.Transfer;
        var outgoing = row.Debit.UserId == userId;
        var grant = outgoing ? row.DebitGrant : row.CreditGrant;
        var signed = t.Flags switch
        {
            Ledger.TransferFlags.Pending or Ledger.TransferFlags.VoidPending or Ledger.TransferFlags.ExpirePending => 0,
            _ => outgoing ? -t.Amount : t.Amount,
        };
        var summary = new WalletTransferView(t.Id, t.TxId, t.CreatedAt, t.Code, t.Flags, t.Amount, signed, grant?.BucketKey, grant?.SourceLabel,
            outgoing ? row.Credit.Address : row.Debit.Address, t.Reference, t.Memo);
        return new TransferDetail(summary, row.Debit.Address, row.Credit.Address, outgoing, grant?.Id, grant?.DisplayName, t.PendingId, t.ReversalOf, t.ExpiresAt);
    }
}
