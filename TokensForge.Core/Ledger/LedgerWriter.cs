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
                if (!existing.TryGetValue(batch[i].Id, out var stored) || !SameRequest(batch[i], txId, stored))
                    return LedgerOutcome.Fail(LedgerErrors.ExistsWithDifferentFields, i);
            }
            return LedgerOutcome.AlreadyApplied;
        }

        var rows = new List<Transfer>(batch.Count);
        var resolved = new HashSet<Guid>();
        var reversed = new HashSet<Guid>();
        for (var i = 0; i < batch.Count; i++)
        {
            // The database checks below cannot see earlier rows of this batch (they are saved at the end).
            if (batch[i].PendingId is { } pid && !resolved.Add(pid)) return LedgerOutcome.Fail(LedgerErrors.PendingAlreadyResolved, i);
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
        if (spec.PendingId is { } pendingId)
            return await ResolvePendingAsync(db, txId, spec, pendingId, referenced, now, ct);
        if (spec.ReversalOf is { } originalId)
            return await ReverseAsync(db, txId, spec, originalId, referenced, now, ct);

        if (spec.Amount <= 0) return (null, LedgerErrors.InvalidAmount);
        if (spec.DebitAccountId == spec.CreditAccountId) return (null, LedgerErrors.SameAccount);
        var pending = spec.Flags == TransferFlags.Pending;
        if (spec.Flags is not (TransferFlags.None or TransferFlags.Pending)) return (null, LedgerErrors.InvalidAmount);

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
        if (await db.Transfers.AnyAsync(t => t.PendingId == pendingId, ct)) return (null, LedgerErrors.PendingAlreadyResolved);

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
            case TransferFlags.ExpirePending:
                if (hold.ExpiresAt is not { } due || due > now) return (null, LedgerErrors.PendingNotExpired);
                posted = 0;
                break;
            default:
                return (null, LedgerErrors.PendingNotFound);
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

    /// <summary>Whether a stored transfer is the one this spec would create (for idempotent replays).</summary>
    private static bool SameRequest(TransferSpec spec, Guid txId, Transfer stored)
    {
        if (stored.TxId != txId || stored.Flags != spec.Flags || stored.PendingId != spec.PendingId || stored.ReversalOf != spec.ReversalOf)
            return false;
        if (spec.Reference is not null && spec.Reference != stored.Reference) return false;
        return spec.Flags switch
        {
            TransferFlags.PostPending => spec.Amount == stored.Amount,
            TransferFlags.VoidPending or TransferFlags.ExpirePending => true,
            _ when spec.ReversalOf is not null => true,
            _ => spec.Amount == stored.Amount && spec.Code == stored.Code
                 && spec.DebitAccountId == stored.DebitAccountId && spec.CreditAccountId == stored.CreditAccountId
                 && (spec.Flags != TransferFlags.Pending || spec.ExpiresAt == stored.ExpiresAt),
        };
    }
}
