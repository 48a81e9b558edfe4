using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Audit;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Users;

namespace TokensForge.Core.Wallets;

/// <summary>An admin's grant of credit to a user, funded from <c>sys:adjustments</c>.</summary>
public sealed record AdjustmentRequest(string Email, string BucketKey, long Amount, DateTime? ExpiresAt, string? Memo, string Actor, string? Ip = null);

/// <summary>Admin balance adjustments through the ledger (the CLI's <c>grants add</c>), each audited as <c>grant.adjust</c>.</summary>
public sealed class AdjustmentService(IDbContextFactory<AppDbContext> contexts, GrantIssuer issuer, AuditLog audit, TimeProvider time)
{
    /// <summary>Longest memo: it is shown as the grant's label <c>Adjustment: {memo}</c>, a 200-character column.</summary>
    public const int MaxMemoLength = 180;

    public async Task<Result<IssuedGrant>> GrantAsync(AdjustmentRequest request, CancellationToken ct = default)
    {
        if (request.Amount <= 0) return LedgerErrors.InvalidAmount;
        if (request.ExpiresAt is { } expiry && expiry <= time.GetUtcNow().UtcDateTime) return WalletErrors.ExpiryInPast;
        if (request.Memo is { } memo && (memo.Length > MaxMemoLength || !TextRules.IsStorable(memo))) return WalletErrors.MemoTooLong(MaxMemoLength);
        if (request.Email.Length > Users.PlausibleEmailValidator.MaxLength) return Users.UserErrors.UserNotFound;

        await using var db = await contexts.CreateDbContextAsync(ct);
        var normalized = request.Email.Trim().ToUpperInvariant();
        var userId = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).FirstOrDefaultAsync(ct);
        if (userId is null) return UserErrors.UserNotFound;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var result = await issuer.IssueAsync(db, new GrantRequest(userId, request.BucketKey, request.Amount, GrantCategory.Promotional, GrantSource.Adjustment,
            SourceLabel: string.IsNullOrWhiteSpace(request.Memo) ? "Balance adjustment" : $"Adjustment: {request.Memo}",
            FundingAccountId: SystemAccounts.AdjustmentsId, Code: TransferCode.Adjust, ExpiresAt: request.ExpiresAt,
            SourceRef: request.Actor, Memo: request.Memo), ct: ct);
        if (!result.Succeeded)
        {
            await tx.RollbackAsync(ct);
            return result;
        }
        var grant = result.Value!;
        await audit.AppendAsync(db, new AuditEntry(request.Actor, "grant.adjust", $"user:{request.Email.Trim()}",
            After: new { grant.GrantId, grant.TransferId, Bucket = request.BucketKey, request.Amount, request.ExpiresAt, request.Memo }, Ip: request.Ip), ct);
        await tx.CommitAsync(ct);
        return result;
    }
}
