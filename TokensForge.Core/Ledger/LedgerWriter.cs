using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;

namespace TokensForge.Core.Ledger;

/// <summary>
/// Applies a batch of linked transfers inside the caller's open database transaction: every balance rule is
/// a conditional UPDATE whose rows-affected count decides, so the database, not this process, prevents
/// overdrafts. The statements are raw SQL (<see cref="RawSql"/>): this is every request's hot path.
/// </summary>
/// <remarks>
/// On a failed outcome some counters of the batch may already have changed inside the transaction:
/// the caller must roll it back (<see cref="LedgerService.SubmitAsync"/> does).
/// </remarks>
public sealed class LedgerWriter(TimeProvider time)
{
    /// <param name="freshIds">
    /// The batch only creates transfers, under ids its caller made for it just now, and (on PostgreSQL) the caller has
    /// locked their accounts already: a hold. Nothing stored can share those ids, so the read of stored transfers is
    /// skipped (a statement of every hold); the primary key would still refuse a duplicate.
    /// </param>
    public async Task<LedgerOutcome> ApplyAsync(AppDbContext db, Guid txId, IReadOnlyList<TransferSpec> batch, CancellationToken ct = default,
        bool freshIds = false)
    {
        ArgumentOutOfRangeException.ThrowIfZero(batch.Count);
        if (freshIds && batch.Any(s => s.PendingId is not null || s.ReversalOf is not null))
            throw new ArgumentException("Only a batch that creates transfers can skip the read of stored ones.", nameof(freshIds));
        var now = time.GetUtcNow().UtcDateTime;

        // One read finds the transfers the post/void/expire/reversal specs refer to (and whether each is resolved or
        // reversed already) and any transfer of this batch that exists (a replay); on PostgreSQL it follows the lock of
        // every account the batch touches, in the same round trip.
        var referencedIds = batch.Select(s => s.PendingId ?? s.ReversalOf).OfType<Guid>().ToList();
        var ids = batch.Select(s => s.Id).ToList();
        var known = freshIds ? []
            : db.IsPostgres ? await LockAndReadAsync(db, batch, [.. ids, .. referencedIds], ct) : await ReadAsync(db, [.. ids, .. referencedIds], ct);
        if (ids.Any(known.ContainsKey))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (!known.TryGetValue(batch[i].Id, out var stored)) return LedgerOutcome.Fail(LedgerErrors.ExistsWithDifferentBatch, i);
                if (Difference(batch[i], txId, stored.Transfer) is { } difference) return LedgerOutcome.Fail(difference, i);
            }
            return LedgerOutcome.AlreadyApplied;
        }

        var rows = new List<Transfer>(batch.Count);
        var resolved = new Dictionary<Guid, TransferFlags>();
        var reversed = new HashSet<Guid>();
        for (var i = 0; i < batch.Count; i++)
        {
            // The checks below cannot see earlier rows of this batch (they are inserted at the end).
            if (batch[i].PendingId is { } pid && !resolved.TryAdd(pid, batch[i].Flags)) return LedgerOutcome.Fail(LedgerErrors.AlreadyResolvedBy(resolved[pid]), i);
            if (batch[i].ReversalOf is { } rid && !reversed.Add(rid)) return LedgerOutcome.Fail(LedgerErrors.AlreadyReversed, i);
            var (row, error) = await ApplyOneAsync(db, txId, batch[i], known, now, ct);
            if (error is not null) return LedgerOutcome.Fail(error, i);
            rows.Add(row!);
        }

        await InsertAsync(db, rows, ct);
        // Business rows a caller added before handing over are saved with the transfers, as they always were.
        if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(ct);
        return LedgerOutcome.Created;
    }

    /// <summary>
    /// PostgreSQL: locks every account the batch touches, in one canonical order so concurrent batches cannot deadlock
    /// (the accounts of new transfers, and those of the transfers it resolves or reverses, found in the same statement),
    /// then reads the transfers, in one round trip. Read after the locks: a concurrent duplicate or resolution that held
    /// them has committed by now and is seen here (PostgreSQL reads committed rows per statement), so it answers
    /// AlreadyApplied or already-resolved instead of failing on the balance it already moved. SQLite's IMMEDIATE
    /// transaction already excludes other writers.
    /// </summary>
    private static async Task<Dictionary<Guid, Stored>> LockAndReadAsync(AppDbContext db, IReadOnlyList<TransferSpec> batch, List<Guid> ids, CancellationToken ct)
    {
        if (ids.Count > RowsPerStatement * 8)
        {
            // Too many for one read: find the accounts, lock them, read again.
            var first = await ReadAsync(db, ids, ct);
            await LockAccountsAsync(db, batch.SelectMany(s => AccountsOf(s, first)).Distinct().ToArray(), ct);
            return await ReadAsync(db, ids, ct);
        }
        var direct = batch.Where(s => s.PendingId is null && s.ReversalOf is null).SelectMany(s => new[] { s.DebitAccountId, s.CreditAccountId }).Distinct().ToArray();
        var referenced = batch.Select(s => s.PendingId ?? s.ReversalOf).OfType<Guid>().ToArray();
        var command = RawSql.Command(db, LockSql + ReadSql.GetOrAdd(ids.Count, ReadText));
        command.With(new Npgsql.NpgsqlParameter("@accounts", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid) { Value = direct });
        command.With(new Npgsql.NpgsqlParameter("@refs", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid) { Value = referenced });
        var found = new Dictionary<Guid, Stored>();
        await ReadRowsAsync(db, command, ids, found, ct, skipResults: 1);
        return found;
    }

    private const string LockSql = """
        SELECT "Id" FROM ledger_accounts
        WHERE "Id" = ANY(@accounts)
           OR "Id" IN (SELECT "DebitAccountId" FROM transfers WHERE "Id" = ANY(@refs))
           OR "Id" IN (SELECT "CreditAccountId" FROM transfers WHERE "Id" = ANY(@refs))
        ORDER BY "Id" FOR UPDATE;

        """;

    /// <summary>Takes row locks on the given accounts in id order (PostgreSQL); SQLite's IMMEDIATE transaction already excludes other writers.</summary>
    internal static async Task LockAccountsAsync(AppDbContext db, Guid[] accountIds, CancellationToken ct)
    {
        if (!db.IsPostgres || accountIds.Length == 0) return;
        await db.Database.SqlQueryRaw<Guid>(
                "SELECT \"Id\" AS \"Value\" FROM ledger_accounts WHERE \"Id\" = ANY({0}) ORDER BY \"Id\" FOR UPDATE", [accountIds])
            .ToListAsync(ct);
    }

    /// <summary>A stored transfer, with the flags of the transfer that resolved it (if any) and whether it was reversed.</summary>
    private sealed record Stored(Transfer Transfer, TransferFlags? ResolvedBy, bool Reversed);

    /// <summary>Rows per statement: SQLite builds may cap a statement at 999 parameters.</summary>
    private const int RowsPerStatement = 64;

    /// <summary>The texts of the read and the insert per row count, built once: they are the keys of the kept commands.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> ReadSql = new(), InsertSql = new();

    private static async Task<Dictionary<Guid, Stored>> ReadAsync(AppDbContext db, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var found = new Dictionary<Guid, Stored>();
        foreach (var chunk in ids.Chunk(RowsPerStatement * 8)) await ReadAsync(db, chunk, found, ct);
        return found;
    }

    private static Task ReadAsync(AppDbContext db, Guid[] ids, Dictionary<Guid, Stored> found, CancellationToken ct) =>
        ReadRowsAsync(db, RawSql.Command(db, ReadSql.GetOrAdd(ids.Length, ReadText)), ids, found, ct);

    private static string ReadText(int n) => $"""
        SELECT t."Id", t."TxId", t."DebitAccountId", t."CreditAccountId", t."Amount", t."Code", t."Flags", t."PendingId", t."ExpiresAt",
               t."ReversalOf", t."Reference", t."Memo", t."CreatedAt",
               (SELECT r."Flags" FROM transfers AS r WHERE r."PendingId" = t."Id"),
               (SELECT COUNT(*) FROM transfers AS v WHERE v."ReversalOf" = t."Id")
        FROM transfers AS t WHERE t."Id" IN ({string.Join(", ", Enumerable.Range(0, n).Select(i => "@id" + i))})
        """;

    private static async Task ReadRowsAsync(AppDbContext db, RawCommand command, IReadOnlyList<Guid> ids, Dictionary<Guid, Stored> found,
        CancellationToken ct, int skipResults = 0)
    {
        for (var i = 0; i < ids.Count; i++) command.With<Transfer>(db, "@id" + i, nameof(Transfer.Id), ids[i]);
        var rows = await command.ReadAllAsync(reader => new Stored(
            new Transfer(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetInt64(4),
                Enum.Parse<TransferCode>(reader.GetString(5)), (TransferFlags)reader.GetInt32(6), reader.GetGuidOrNull(7), reader.GetUtcOrNull(8),
                reader.GetGuidOrNull(9), reader.GetStringOrNull(10), reader.GetStringOrNull(11), reader.GetUtc(12)),
            reader.IsDBNull(13) ? null : (TransferFlags)reader.GetInt32(13), reader.GetInt64(14) > 0), ct, skipResults);
        foreach (var stored in rows) found[stored.Transfer.Id] = stored;
    }

    private static async Task InsertAsync(AppDbContext db, List<Transfer> all, CancellationToken ct)
    {
        foreach (var chunk in all.Chunk(RowsPerStatement)) await InsertAsync(db, chunk, ct);
    }

    private static async Task InsertAsync(AppDbContext db, Transfer[] rows, CancellationToken ct)
    {
        var command = RawSql.Command(db, InsertSql.GetOrAdd(rows.Length, static n => $"""
            INSERT INTO transfers ("Id", "TxId", "DebitAccountId", "CreditAccountId", "Amount", "Code", "Flags", "PendingId", "ExpiresAt",
                                   "ReversalOf", "Reference", "Memo", "CreatedAt")
            VALUES {string.Join(", ", Enumerable.Range(0, n).Select(i => $"(@i{i}, @x{i}, @d{i}, @c{i}, @a{i}, @k{i}, @f{i}, @p{i}, @e{i}, @r{i}, @ref{i}, @m{i}, @t{i})"))}
            """));
        for (var i = 0; i < rows.Length; i++)
        {
            var t = rows[i];
            command.With<Transfer>(db, $"@i{i}", nameof(Transfer.Id), t.Id)
                .With<Transfer>(db, $"@x{i}", nameof(Transfer.TxId), t.TxId)
                .With<Transfer>(db, $"@d{i}", nameof(Transfer.DebitAccountId), t.DebitAccountId)
                .With<Transfer>(db, $"@c{i}", nameof(Transfer.CreditAccountId), t.CreditAccountId)
                .With<Transfer>(db, $"@a{i}", nameof(Transfer.Amount), t.Amount)
                .With<Transfer>(db, $"@k{i}", nameof(Transfer.Code), t.Code)
                .With<Transfer>(db, $"@f{i}", nameof(Transfer.Flags), t.Flags)
                .With<Transfer>(db, $"@p{i}", nameof(Transfer.PendingId), t.PendingId)
                .With<Transfer>(db, $"@e{i}", nameof(Transfer.ExpiresAt), t.ExpiresAt)
                .With<Transfer>(db, $"@r{i}", nameof(Transfer.ReversalOf), t.ReversalOf)
                .With<Transfer>(db, $"@ref{i}", nameof(Transfer.Reference), t.Reference)
                .With<Transfer>(db, $"@m{i}", nameof(Transfer.Memo), t.Memo)
                .With<Transfer>(db, $"@t{i}", nameof(Transfer.CreatedAt), t.CreatedAt);
        }
        // A refused insert (a reused id) throws where the queue is sent, still inside this batch's unit.
        await command.ExecuteOrQueueAsync(ct);
    }

    private static IEnumerable<Guid> AccountsOf(TransferSpec spec, Dictionary<Guid, Stored> known)
    {
        var source = spec.PendingId ?? spec.ReversalOf;
        if (source is { } id)
            return known.TryGetValue(id, out var t) ? [t.Transfer.DebitAccountId, t.Transfer.CreditAccountId] : [];
        return [spec.DebitAccountId, spec.CreditAccountId];
    }

    private static async Task<(Transfer?, Error?)> ApplyOneAsync(AppDbContext db, Guid txId, TransferSpec spec,
        Dictionary<Guid, Stored> known, DateTime now, CancellationToken ct)
    {
        if (!ValidFlags(spec)) return (null, LedgerErrors.InvalidFlags);
        if (spec.PendingId is { } pendingId)
            return await ResolvePendingAsync(db, txId, spec, pendingId, known, now, ct);
        if (spec.ReversalOf is { } originalId)
            return await ReverseAsync(db, txId, spec, originalId, known, now, ct);

        if (spec.Amount <= 0) return (null, LedgerErrors.InvalidAmount);
        if (spec.DebitAccountId == spec.CreditAccountId) return (null, LedgerErrors.SameAccount);
        var pending = spec.Flags == TransferFlags.Pending;

        if (await MoveAsync(db, spec.DebitAccountId, spec.CreditAccountId, spec.Amount, pending, ct) is { } error) return (null, error);

        return (new Transfer(spec.Id, txId, spec.DebitAccountId, spec.CreditAccountId, spec.Amount, spec.Code, spec.Flags,
            null, pending ? spec.ExpiresAt : null, null, spec.Reference, spec.Memo, now), null);
    }

    private static async Task<(Transfer?, Error?)> ResolvePendingAsync(AppDbContext db, Guid txId, TransferSpec spec, Guid pendingId,
        Dictionary<Guid, Stored> known, DateTime now, CancellationToken ct)
    {
        if (!known.TryGetValue(pendingId, out var stored) || !stored.Transfer.IsPending) return (null, LedgerErrors.PendingNotFound);
        // The unique index on PendingId is the real guard; this check only gives the clear error first.
        if (stored.ResolvedBy is { } flags) return (null, LedgerErrors.AlreadyResolvedBy(flags));
        var hold = stored.Transfer;

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

        // Both sides in one statement: the debit account's pending amount becomes posted (or goes back), and the credit's.
        var moved = await RawSql.Command(db, ResolveSql)
            .With<LedgerAccount>(db, "@held", nameof(LedgerAccount.DebitsPending), hold.Amount)
            .With<LedgerAccount>(db, "@posted", nameof(LedgerAccount.DebitsPosted), posted)
            .With<LedgerAccount>(db, "@debit", nameof(LedgerAccount.Id), hold.DebitAccountId)
            .With<LedgerAccount>(db, "@credit", nameof(LedgerAccount.Id), hold.CreditAccountId)
            .ExecuteAsync(ct);
        if (moved != 2) return (null, LedgerErrors.AccountNotFound);

        return (new Transfer(spec.Id, txId, hold.DebitAccountId, hold.CreditAccountId, posted > 0 ? posted : hold.Amount, hold.Code,
            spec.Flags, pendingId, null, null, spec.Reference ?? hold.Reference, spec.Memo, now), null);
    }

    private static async Task<(Transfer?, Error?)> ReverseAsync(AppDbContext db, Guid txId, TransferSpec spec, Guid originalId,
        Dictionary<Guid, Stored> known, DateTime now, CancellationToken ct)
    {
        if (!known.TryGetValue(originalId, out var stored)) return (null, LedgerErrors.TransferNotFound);
        var original = stored.Transfer;
        if (original.Flags is not (TransferFlags.None or TransferFlags.PostPending)) return (null, LedgerErrors.NotReversible);
        if (stored.Reversed) return (null, LedgerErrors.AlreadyReversed);

        if (await MoveAsync(db, original.CreditAccountId, original.DebitAccountId, original.Amount, pending: false, ct) is { } error) return (null, error);

        return (new Transfer(spec.Id, txId, original.CreditAccountId, original.DebitAccountId, original.Amount, TransferCode.Reversal,
            TransferFlags.None, null, null, originalId, spec.Reference ?? original.Reference, spec.Memo, now), null);
    }

    // One statement moves both sides of a transfer: two rows change, or the debit was refused (its balance rule) or an
    // account does not exist. The balance rule reads the debit row as it was, like the single-account form did.
    private static readonly string MovePendingSql = MoveSql("Pending"), MovePostedSql = MoveSql("Posted");

    /// <summary>The move of a transfer's amount into both accounts' <paramref name="side"/> (Pending or Posted) counters.</summary>
    private static string MoveSql(string side) => $"""
        UPDATE ledger_accounts SET
            "Debits{side}" = "Debits{side}" + CASE WHEN "Id" = @debit THEN @amount ELSE 0 END,
            "Credits{side}" = "Credits{side}" + CASE WHEN "Id" = @credit THEN @amount ELSE 0 END,
            "Version" = "Version" + 1
        WHERE "Id" = @credit
           OR ("Id" = @debit AND (NOT "DebitsMustNotExceedCredits" OR "CreditsPosted" - "DebitsPosted" - "DebitsPending" >= @amount))
        """;

    /// <summary>A hold's resolution on both its accounts: <c>@held</c> leaves pending, <c>@posted</c> of it becomes posted.</summary>
    private const string ResolveSql = """
        UPDATE ledger_accounts SET
            "DebitsPending" = "DebitsPending" - CASE WHEN "Id" = @debit THEN @held ELSE 0 END,
            "DebitsPosted" = "DebitsPosted" + CASE WHEN "Id" = @debit THEN @posted ELSE 0 END,
            "CreditsPending" = "CreditsPending" - CASE WHEN "Id" = @credit THEN @held ELSE 0 END,
            "CreditsPosted" = "CreditsPosted" + CASE WHEN "Id" = @credit THEN @posted ELSE 0 END,
            "Version" = "Version" + 1
        WHERE "Id" IN (@debit, @credit)
        """;

    /// <summary>Debits one account and credits another (pending or posted) in one statement; the error when it cannot.</summary>
    private static async Task<Error?> MoveAsync(AppDbContext db, Guid debit, Guid credit, long amount, bool pending, CancellationToken ct)
    {
        var rows = await RawSql.Command(db, pending ? MovePendingSql : MovePostedSql)
            .With<LedgerAccount>(db, "@amount", nameof(LedgerAccount.DebitsPosted), amount)
            .With<LedgerAccount>(db, "@debit", nameof(LedgerAccount.Id), debit)
            .With<LedgerAccount>(db, "@credit", nameof(LedgerAccount.Id), credit)
            .ExecuteAsync(ct);
        if (rows == 2) return null;
        // Refused or missing: which, in the words of the single-account checks. The caller rolls the batch back.
        var existing = await db.LedgerAccounts.CountAsync(a => a.Id == debit || a.Id == credit, ct);
        return existing == 2 ? LedgerErrors.InsufficientBalance : LedgerErrors.AccountNotFound;
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
