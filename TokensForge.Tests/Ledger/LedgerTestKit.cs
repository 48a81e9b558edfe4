using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Ledger;

/// <summary>The four counters of an account as the database holds them.</summary>
public sealed record AccountCounters(long DebitsPosted, long CreditsPosted, long DebitsPending, long CreditsPending)
{
    public long Available => CreditsPosted - DebitsPosted - DebitsPending;
}

/// <summary>Small helpers shared by the ledger tests: grants funded from <c>sys:adjustments</c> and counter reads.</summary>
public static class LedgerTestKit
{
    /// <summary>Issues a grant in its own transaction, as an admin adjustment or top-up would.</summary>
    public static async Task<IssuedGrant> GrantAsync(TestDatabase db, string userId, string bucket, long amount,
        GrantCategory category = GrantCategory.Paid, GrantSource? source = null, DateTime? expiresAt = null,
        int? priority = null, DateTime? effectiveAt = null, Guid? transferId = null)
    {
        var result = await TryGrantAsync(db, new GrantRequest(userId, bucket, amount, category,
            source ?? (category == GrantCategory.Paid ? GrantSource.TopUp : GrantSource.Campaign), "test grant",
            SystemAccounts.AdjustmentsId, TransferCode.Adjust, ExpiresAt: expiresAt, Priority: priority, EffectiveAt: effectiveAt), transferId);
        Assert.True(result.Succeeded, result.Error?.ToString());
        return result.Value!;
    }

    public static async Task<Core.Common.Result<IssuedGrant>> TryGrantAsync(TestDatabase db, GrantRequest request, Guid? transferId = null)
    {
        await using var ctx = db.NewContext();
        await using var tx = await ctx.Database.BeginTransactionAsync();
        var result = await db.Get<GrantIssuer>().IssueAsync(ctx, request, transferId);
        if (result.Succeeded) await tx.CommitAsync();
        else await tx.RollbackAsync();
        return result;
    }

    public static async Task<AccountCounters> CountersAsync(TestDatabase db, Guid accountId)
    {
        await using var ctx = db.NewContext();
        return await ctx.LedgerAccounts.AsNoTracking().Where(a => a.Id == accountId)
            .Select(a => new AccountCounters(a.DebitsPosted, a.CreditsPosted, a.DebitsPending, a.CreditsPending))
            .SingleAsync();
    }

    public static async Task<int> TransferCountAsync(TestDatabase db)
    {
        await using var ctx = db.NewContext();
        return await ctx.Transfers.CountAsync();
    }

    public static async Task AssertVerifiedAsync(TestDatabase db)
    {
        var verification = await db.Get<LedgerVerifier>().VerifyAsync();
        Assert.True(verification.Ok, string.Join(Environment.NewLine, verification.Discrepancies));
    }

    public static string[] AllBuckets => [Bucket.Official, Bucket.Routed, Bucket.Starter];
}
