using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

namespace TokensForge.Core.Wallets;

/// <summary>
/// One ledger transfer in full, as its owner sees it: both sides by name, the grant on the owner's side, and the hold it
/// settles or the settlement of the hold it is.
/// </summary>
public sealed record TransferDetail(
    WalletTransferView Summary,
    string DebitName,
    string CreditName,
    bool Outgoing,
    Guid? GrantId,
    string? BucketName,
    Guid? ReversalOf);

/// <summary>Single transfers for the wallet's transfer page; only a transfer touching one of the user's own accounts is found.</summary>
public sealed class TransferQueries(IDbContextFactory<AppDbContext> contexts)
{
    public async Task<TransferDetail?> GetForUserAsync(string userId, Guid transferId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await TransferRows.Project(db, db.Transfers.AsNoTracking().Where(t => t.Id == transferId)).FirstOrDefaultAsync(ct);
        if (row is null || (row.Debit.UserId != userId && row.Credit.UserId != userId)) return null;

        var summary = TransferRows.ToView(row, userId);
        var outgoing = row.Debit.UserId == userId;
        var own = outgoing ? row.Debit : row.Credit;
        return new TransferDetail(summary,
            TransferRows.NameOf(row.Debit, summary.Code, own.GrantLabel, userId),
            TransferRows.NameOf(row.Credit, summary.Code, own.GrantLabel, userId),
            outgoing, own.GrantId, own.BucketName, row.Transfer.ReversalOf);
    }
}
