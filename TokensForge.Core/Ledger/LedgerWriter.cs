using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;

namespace TokensForge.Core.Ledger;

/// <summary>
/// Applies a batch of linked transfers inside the caller's open database transaction: every balance rule is
/// a conditional UPDATE whose rows-affected count decides, so the database, not this process, prevents
/// overdrafts. The batch is the unit a future group-committing writer would merge with others.
/// </summary>
/// <remarks>
/// On a failed outcome some counters of the batch may already have changed inside the transaction:
/// the caller must roll it back (<see cref="LedgerService.SubmitAsync"/> does).
/// </remarks>
public sealed class LedgerWriter(TimeProvider time)
{
    public async Task<LedgerOutcome> ApplyAsync(AppDbContext db, Guid txId, IReadOnlyList<TransferSpec> batch, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(batch.Count);
        var now = time.GetUtcNow().UtcDateTime;

        // Resolve the transfers that post/void/expire/reversal specs refer to, then lock every account the
        // batch touches in one canonical order so concurrent batches on PostgreSQL cannot deadlock.
        var referencedIds = batch.Select(s => s.PendingId ?? s.ReversalOf).OfType<Guid>().ToList();
        var referenced = referencedIds.Count == 0
            ? []
            : await db.Transfers.AsNoTracking().Where(t => referencedIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        var accountIds = batch.SelectMany(s => AccountsOf(s, referenced)).Distinct().ToArray();
        await LockAccountsAsync(db, accountIds, ct);

        // Looked up only once the accounts are locked: a concurrent duplicate that held the locks has committed by
        // now and is seen here (PostgreSQL reads committed rows per statement), so it answers AlreadyApplied
        // instead of failing on the balance it already moved.
        var ids = batch.Select(s => s.Id).ToList();
        var existing = await db.Transfers.AsNoTracking().Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        if (existing.Count > 0)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (!existing.TryGetValue(batch[i].Id, out var stored)) return LedgerOutcome.Fail(LedgerErrors.ExistsWithDifferentBatch, i);
                if (Difference(batch[i], txId, stored) is { } difference) return LedgerOutcome.Fail(difference, i);
            }
            return LedgerOutcome.AlreadyApplied;
        }

        var rows = new List<Transfer>(batch.Count);
        var resolved = new Dictionary<Guid, TransferFlags>();
        var reversed = new HashSet<Guid>();
        for (var i = 0; i < batch.Count; i++)
        {
            // The database checks below cannot see earlier rows of this batch (they are saved at the end).
            if (batch[i].PendingId is { } pid && !resolved.TryAdd(pid, batch[i].Flags)) return LedgerOutcome.Fail(LedgerErrors.AlreadyResolvedBy(resolved[pid]), i);
            if (batch[i].ReversalOf is { } rid && !reversed.Add(rid)) return LedgerOutcome.Fail(LedgerErrors.AlreadyReversed, i);
            var (row, error) = await ApplyOneAsync(db, txId, batch[i], referenced, now, ct);
            if (error is not null) return LedgerOutcome.Fail(error, i);
            rows.Add(row!);
        }

        db.Transfers.AddRange(rows);
        await db.SaveChangesAsync(ct);
        foreach (var row in rows) db.Entry(row).State = EntityState.Detached;
        return LedgerOutcome.Created;
    }

    /// <summary>Takes row locks on the given accounts in id order (PostgreSQL); SQLite's IMMEDIATE transaction already excludes other writers.</summary>
    internal static async Task LockAccountsAsync(AppDbContext db, Guid[] accountIds, CancellationToken ct)
    {
        if (!db.IsPostgres || accountIds.Length == 0) return;
        await db.Database.SqlQueryRaw<Guid>(
                "SELECT \"Id\" AS \"Value\" FROM ledger_accounts WHERE \"Id\" = ANY({0}) ORDER BY \"Id\" FOR UPDATE", [accountIds])
            .ToListAsync(ct);
    }

    private static IEnumerable<Guid> AccountsOf(TransferSpec spec, Dictionary<Guid, Transfer> referenced)
    {
        var source = spec.PendingId ?? spec.ReversalOf;
        if (source is { } id)
            return referenced.TryGetValue(id, out var t) ? [t.DebitAccountId, t.CreditAccountId] : [];
        return [spec.DebitAccountId, spec.CreditAccountId];
    }

    private async Task<(Transfer?, Error?)> ApplyOneAsync(AppDbContext db, Guid txId, TransferSpec spec,
        Dictionary<Guid, Transfer> referenced, DateTime now, CancellationToken ct)
    {
        if (!ValidFlags(spec)) return (null, LedgerErrors.InvalidFlags);
        if (spec.PendingId is { } pendingId)
            return await ResolvePendingAsync(db, txId, spec, pendingId, referenced, now, ct);
        if (spec.ReversalOf is { } originalId)
            return await ReverseAsync(db, txId, spec, originalId, referenced, now, ct);

        if (spec.Amount <= 0) return (null, LedgerErrors.InvalidAmount);
        if (spec.DebitAccountId == spec.CreditAccountId) return (null, LedgerErrors.SameAccount);
        var pending = spec.Flags == TransferFlags.Pending;

        if (await DebitAsync(db, spec.DebitAccountId, spec.Amount, pending, ct) is { } debitError) return (null, debitError);
        if (!await CreditAsync(db, spec.CreditAccountId, spec.Amount, pending, ct)) return (null, LedgerErrors.AccountNotFound);

        return (new Transfer(spec.Id, txId, spec.DebitAccountId, spec.CreditAccountId, spec.Amount, spec.Code, spec.Flags,
            null, pending ? spec.ExpiresAt : null, null, spec.Reference, spec.Memo, now), null);
    }

    private static async Task<(Transfer?, Error?)> ResolvePendingAsync(AppDbContext db, Guid txId, TransferSpec spec, Guid pendingId,
        Dictionary<Guid, Transfer> referenced, DateTime now, CancellationToken ct)
    {
        if (!referenced.TryGetValue(pendingId, out var hold) || !hold.IsPending) return (null, LedgerErrors.PendingNotFound);
        // The unique index on PendingId is the real guard; this check only gives the clear error first.
        var resolvedBy = await db.Transfers.Where(t => t.PendingId == pendingId).Select(t => (TransferFlags?)t.Flags).FirstOrDefaultAsync(ct);
        if (resolvedBy is { } flags) return (null, LedgerErrors.AlreadyResolvedBy(flags));

        long posted;
        switch (spec.Flags)
        {
            case TransferFlags.PostPending:
                if (spec.Amount <= 0) return (null, LedgerErrors.InvalidAmount);
                if (spec.Amount > hold.Amount) return (null, LedgerErrors.AmountExceedsPending);
                if (hold.ExpiresAt is { } expiry && expiry <= now) return (null, LedgerErrors.PendingExpired);
                posted = spec.Amount;
                break;
            case TransferFlags.VoidPending:
                posted = 0;
                break;
            default: // ExpirePending; ValidFlags admits nothing else with a pending id
                if (hold.ExpiresAt is not { } due || due > now) return (null, LedgerErrors.PendingNotExpired);
                posted = 0;
                break;
        }

        var debited = await db.LedgerAccounts.Where(a => a.Id == hold.DebitAccountId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(a => a.DebitsPending, a => a.DebitsPending - hold.Amount)
                .SetProperty(a => a.DebitsPosted, a => a.DebitsPosted + posted)
                .SetProperty(a => a.Version, a => a.Version + 1), ct);
        var credited = await db.LedgerAccounts.Where(a => a.Id == hold.CreditAccountId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(a => a.CreditsPending, a => a.CreditsPending - hold.Amount)
                .SetProperty(a => a.CreditsPosted, a => a.CreditsPosted + posted)
                .SetProperty(a => a.Version, a => a.Version + 1), ct);
        if (debited != 1 || credited != 1) return (null, LedgerErrors.AccountNotFound);

        return (new Transfer(spec.Id, txId, hold.DebitAccountId, hold.CreditAccountId, posted > 0 ? posted : hold.Amount, hold.Code,
            spec.Flags, pendingId, null, null, spec.Reference ?? hold.Reference, spec.Memo, now), null);
    }

    private static async Task<(Transfer?, Error?)> ReverseAsync(AppDbContext db, Guid txId, TransferSpec spec, Guid originalId,
        Dictionary<Guid, Transfer> referenced, DateTime now, CancellationToken ct)
    {
        if (!referenced.TryGetValue(originalId, out var original)) return (null, LedgerErrors.TransferNotFound);
        if (original.Flags is not (TransferFlags.None or TransferFlags.PostPending)) return (null, LedgerErrors.NotReversible);
        if (await db.Transfers.AnyAsync(t => t.ReversalOf == originalId, ct)) return (null, LedgerErrors.AlreadyReversed);

        if (await DebitAsync(db, original.CreditAccountId, original.Amount, pending: false, ct) is { } error) return (null, error);
        if (!await CreditAsync(db, original.DebitAccountId, original.Amount, pending: false, ct)) return (null, LedgerErrors.AccountNotFound);

        return (new Transfer(spec.Id, txId, original.CreditAccountId, original.DebitAccountId, original.Amount, TransferCode.Reversal,
            TransferFlags.None, null, null, originalId, spec.Reference ?? original.Reference, spec.Memo, now), null);
    }

    private static async Task<Error?> DebitAsync(AppDbContext db, Guid accountId, long amount, bool pending, CancellationToken ct)
    {
        var query = db.LedgerAccounts.Where(a => a.Id == accountId
            && (!a.DebitsMustNotExceedCredits || a.CreditsPosted - a.DebitsPosted - a.DebitsPending >= amount));
        var rows = pending
            ? await query.ExecuteUpdateAsync(s => s
                .SetProperty(a => a.DebitsPending, a => a.DebitsPending + amount)
                .SetProperty(a => a.Version, a => a.Version + 1), ct)
            : await query.ExecuteUpdateAsync(s => s
                .SetProperty(a => a.DebitsPosted, a => a.DebitsPosted + amount)
                .SetProperty(a => a.Version, a => a.Version + 1), ct);
        if (rows == 1) return null;
        return await db.LedgerAccounts.AnyAsync(a => a.Id == accountId, ct) ? LedgerErrors.InsufficientBalance : LedgerErrors.AccountNotFound;
    }

    private static async Task<bool> CreditAsync(AppDbContext db, Guid accountId, long amount, bool pending, CancellationToken ct)
    {
        var query = db.LedgerAccounts.Where(a => a.Id == accountId);
        var rows = pending
            ? await query.ExecuteUpdateAsync(s => s
                .SetProperty(a => a.CreditsPending, a => a.CreditsPending + amount)
                .SetProperty(a => a.Version, a => a.Version + 1), ct)
            : await query.ExecuteUpdateAsync(s => s
                .SetProperty(a => a.CreditsPosted, a => a.CreditsPosted + amount)
                .SetProperty(a => a.Version, a => a.Version + 1), ct);
        return rows == 1;
    }

    /// <summary>
    /// The combinations the ledger knows: a new transfer is single-phase or pending; a resolution names its hold and
    /// posts, voids or expires it; a reversal names its transfer and has no flags.
    /// </summary>
    private static bool ValidFlags(TransferSpec spec) => (spec.PendingId, spec.ReversalOf) switch
    {
        (null, null) => spec.Flags is TransferFlags.None or TransferFlags.Pending,
        (not null, null) => spec.Flags is TransferFlags.PostPending or TransferFlags.VoidPending or TransferFlags.ExpirePending,
        (null, not null) => spec.Flags == TransferFlags.None,
        _ => false,
    };

    /// <summary>
    /// The first field in which a stored transfer differs from the one this spec would create, or null for a true replay.
    /// Fields a spec leaves to the ledger (a resolution's accounts and code, a reversal's amount) are not compared.
    /// </summary>
    private static Error? Difference(TransferSpec spec, Guid txId, Transfer stored)
    {
        if (stored.Flags != spec.Flags) return LedgerErrors.ExistsWithDifferentFlags;
        if (stored.PendingId != spec.PendingId) return LedgerErrors.ExistsWithDifferentPendingId;
        if (stored.ReversalOf != spec.ReversalOf) return LedgerErrors.ExistsWithDifferentReversal;
        if (spec.PendingId is null && spec.ReversalOf is null)
        {
            if (spec.DebitAccountId != stored.DebitAccountId) return LedgerErrors.ExistsWithDifferentDebitAccount;
            if (spec.CreditAccountId != stored.CreditAccountId) return LedgerErrors.ExistsWithDifferentCreditAccount;
            if (spec.Amount != stored.Amount) return LedgerErrors.ExistsWithDifferentAmount;
            if (spec.Flags == TransferFlags.Pending && spec.ExpiresAt != stored.ExpiresAt) return LedgerErrors.ExistsWithDifferentExpiry;
            if (spec.Code != stored.Code) return LedgerErrors.ExistsWithDifferentCode;
        }
        else if (spec.Flags == TransferFlags.PostPending && spec.Amount != stored.Amount) return LedgerErrors.ExistsWithDifferentAmount;
        if (spec.Reference is not null && spec.Reference != stored.Reference) return LedgerErrors.ExistsWithDifferentReference;
        if (stored.TxId != txId) return LedgerErrors.ExistsWithDifferentTransaction;
        return null;
    }
}
