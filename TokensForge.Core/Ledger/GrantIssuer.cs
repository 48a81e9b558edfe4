using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Wallets;

namespace TokensForge.Core.Ledger;

/// <summary>What a new grant is and which account funds it.</summary>
public sealed record GrantRequest(
    string UserId,
    string BucketKey,
    long Amount,
    GrantCategory Category,
    GrantSource Source,
    string SourceLabel,
    Guid FundingAccountId,
    TransferCode Code,
    DateTime? ExpiresAt = null,
    string? SourceRef = null,
    int? Priority = null,
    DateTime? EffectiveAt = null,
    string? Reference = null,
    string? Memo = null);

/// <summary>The grant, its account and the transfer that funded it.</summary>
public sealed record IssuedGrant(Guid GrantId, Guid AccountId, Guid TransferId, Guid TxId, long Amount, DateTime CreatedAt);

/// <summary>Creates a grant with its own ledger account and funds it with one transfer, inside the caller's transaction.</summary>
public sealed class GrantIssuer(LedgerWriter writer, TimeProvider time)
{
    public async Task<Result<IssuedGrant>> IssueAsync(AppDbContext db, GrantRequest request, Guid? transferId = null, CancellationToken ct = default)
    {
        if (request.Amount <= 0) return LedgerErrors.InvalidAmount;
        if (!await db.Buckets.AnyAsync(b => b.Key == request.BucketKey, ct)) return WalletErrors.UnknownBucket(request.BucketKey);

        var id = transferId ?? Guid.CreateVersion7();
        var earlier = await db.Transfers.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
        if (earlier is not null)
        {
            // A replay of a grant already issued: hand back the same grant, move nothing.
            var issued = await db.CreditGrants.AsNoTracking().FirstOrDefaultAsync(g => g.AccountId == earlier.CreditAccountId, ct);
            if (issued is null) return LedgerErrors.ExistsWithDifferentCreditAccount; // that transfer funded no grant
            if (issued.UserId != request.UserId) return LedgerErrors.ExistsWithDifferentUser;
            if (issued.BucketKey != request.BucketKey) return LedgerErrors.ExistsWithDifferentBucket;
            if (issued.OriginalAmount != request.Amount) return LedgerErrors.ExistsWithDifferentAmount;
            if (issued.ExpiresAt != request.ExpiresAt) return LedgerErrors.ExistsWithDifferentExpiry;
            return new IssuedGrant(issued.Id, issued.AccountId, earlier.Id, earlier.TxId, earlier.Amount, earlier.CreatedAt);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var grantId = Guid.CreateVersion7();
        var accountId = Guid.CreateVersion7();
        var txId = Guid.CreateVersion7();
        var account = new LedgerAccount(accountId, SystemAccounts.GrantAddress(request.UserId, grantId), debitsMustNotExceedCredits: true, request.UserId, now);
        db.LedgerAccounts.Add(account);
        var grant = new CreditGrant(grantId, accountId, request.UserId, request.BucketKey, request.Category, request.Source,
            request.SourceRef, request.SourceLabel, request.Priority ?? CreditGrant.DefaultPriority(request.BucketKey, request.Category, request.Source),
            request.EffectiveAt ?? now, request.ExpiresAt, request.Amount, now);
        db.CreditGrants.Add(grant);
        await db.SaveChangesAsync(ct);
        // The writer changes counters with set-based updates; tracked copies would only go stale.
        db.Entry(grant).State = EntityState.Detached;
        db.Entry(account).State = EntityState.Detached;

        var outcome = await writer.ApplyAsync(db, txId,
            [TransferSpec.Single(id, request.FundingAccountId, accountId, request.Amount, request.Code, request.Reference ?? grantId.ToString(), request.Memo)], ct);
        if (!outcome.Succeeded) return outcome.Error!;
        return new IssuedGrant(grantId, accountId, id, txId, request.Amount, now);
    }
}
