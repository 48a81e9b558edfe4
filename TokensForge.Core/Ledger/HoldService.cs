using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;

namespace TokensForge.Core.Ledger;

/// <summary>One grant's share of a hold.</summary>
public sealed record HoldPart(Guid GrantId, Guid AccountId, string BucketKey, string SourceLabel, Guid PendingTransferId, long Amount);

/// <summary>Funds reserved for one request across the grants that will pay it.</summary>
public sealed record Hold(Guid TxId, string UserId, RouteKind Kind, long Amount, IReadOnlyList<HoldPart> Parts, DateTime ExpiresAt)
{
    public static readonly Hold Empty = new(Guid.Empty, "", RouteKind.Routed, 0, [], DateTime.MinValue);
}

/// <summary>What one grant finally paid of a settled hold.</summary>
public sealed record ChargePart(Guid GrantId, string BucketKey, string SourceLabel, Guid TransferId, long Amount);

/// <summary>
/// Two-phase charging of a wallet: reserve the worst case across grants in consumption order, then post the
/// actual cost (the rest returns) or void. Eligibility, allocation and the pending transfers happen in one
/// transaction, with the wallet's rows locked (PostgreSQL) or the database write-locked (SQLite).
/// </summary>
public sealed class HoldService(WriteTransaction writes, LedgerWriter writer, LedgerService ledger, TimeProvider time,
    IDbContextFactory<AppDbContext> contexts)
{
    /// <summary>
    /// Which grants would pay <paramref name="amount"/> on a route of <paramref name="kind"/> right now, in consumption
    /// order, without reserving anything (a quote); null when the wallet cannot pay it all. The hold itself decides again.
    /// </summary>
    public async Task<IReadOnlyList<Allocation>?> PlanAsync(string userId, RouteKind kind, long amount, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        var plan = ConsumptionOrder.Allocate(await EligibleAsync(db, userId, kind, time.GetUtcNow().UtcDateTime, ct), amount);
        return plan.Sum(p => p.Amount) < amount ? null : plan;
    }

    /// <summary>
    /// The grants of a user that may pay a route of this kind right now (<see cref="GrantEligibility.UsableAt"/> in SQL),
    /// with their available amounts: raw SQL, since the LINQ form cost more to translate on every hold than to run.
    /// </summary>
    private static Task<List<GrantBalance>> EligibleAsync(AppDbContext db, string userId, RouteKind kind, DateTime now, CancellationToken ct) =>
        Eligible(RawSql.Command(db, kind == RouteKind.Official ? EligibleOfficialSql : EligibleRoutedSql), db, userId, now, ct);

    private static Task<List<GrantBalance>> Eligible(RawCommand command, AppDbContext db, string userId, DateTime now, CancellationToken ct,
        int skipResults = 0) =>
        command.With<CreditGrant>(db, "@user", nameof(CreditGrant.UserId), userId)
            .With<CreditGrant>(db, "@now", nameof(CreditGrant.EffectiveAt), now)
            .ReadAllAsync(reader => new GrantBalance(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), Enum.Parse<GrantCategory>(reader.GetString(3)),
                reader.GetInt32(4), reader.GetUtcOrNull(5), reader.GetUtc(6), reader.GetString(7), reader.GetInt64(8)), ct, skipResults);

    // PostgreSQL: the wallet's accounts and the credit account are locked in id order, as every ledger batch locks them,
    // in the same round trip as the read of what the grants have left.
    private const string LockWalletSql = """SELECT "Id" FROM ledger_accounts WHERE "UserId" = @user OR "Id" = @credit ORDER BY "Id" FOR UPDATE;""" + "\n";
    private const string LockedEligibleOfficialSql = LockWalletSql + EligibleOfficialSql;
    private const string LockedEligibleRoutedSql = LockWalletSql + EligibleRoutedSql;

    private const string EligibleSql = """
        SELECT g."Id", g."AccountId", g."BucketKey", g."Category", g."Priority", g."ExpiresAt", g."CreatedAt", g."SourceLabel",
               a."CreditsPosted" - a."DebitsPosted" - a."DebitsPending"
        FROM credit_grants AS g
        JOIN ledger_accounts AS a ON a."Id" = g."AccountId"
        JOIN buckets AS b ON b."Key" = g."BucketKey"
        WHERE g."UserId" = @user AND g."EffectiveAt" <= @now AND (g."ExpiresAt" IS NULL OR g."ExpiresAt" > @now)
        """;

    private const string EligibleOfficialSql = EligibleSql + """ AND b."PaysOfficial" """;
    private const string EligibleRoutedSql = EligibleSql + """ AND b."PaysRouted" """;

    /// <summary>
    /// Reserves <paramref name="amount"/> for a request; fails with insufficient balance and reserves nothing when the wallet
    /// cannot pay it all. <paramref name="reserveFirst"/>, when given, runs first in the same transaction (a key's spend
    /// reservation, say) and is told when the hold will expire: its error refuses the hold and undoes it too.
    /// </summary>
    public async Task<Result<Hold>> PlaceAsync(string userId, RouteKind kind, long amount, TimeSpan timeout, string reference,
        Guid? creditAccountId = null, CancellationToken ct = default, Func<AppDbContext, DateTime, CancellationToken, Task<Error?>>? reserveFirst = null)
    {
        if (amount <= 0) return LedgerErrors.InvalidAmount;
        var credit = creditAccountId ?? SystemAccounts.RevenueFor(kind);

        return await writes.RunAsync(async (db, token) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var expiresAt = now + timeout;
            if (reserveFirst is not null && await reserveFirst(db, expiresAt, token) is { } refused) return Write.Rollback<Result<Hold>>(refused);
            if (await AllocateAsync(db, userId, kind, amount, credit, now, token) is not { } plan) return Write.Rollback<Result<Hold>>(LedgerErrors.InsufficientBalance);

            var txId = Guid.CreateVersion7();
            var parts = plan.Select(p => new HoldPart(p.Grant.GrantId, p.Grant.AccountId, p.Grant.BucketKey, p.Grant.SourceLabel, Guid.CreateVersion7(), p.Amount)).ToList();
            // Fresh ids on accounts AllocateAsync has locked: nothing to read first.
            var outcome = await writer.ApplyAsync(db, txId,
                parts.Select(p => TransferSpec.Pending(p.PendingTransferId, p.AccountId, credit, p.Amount, TransferCode.Charge, expiresAt, reference)).ToList(), token,
                freshIds: true);
            if (!outcome.Succeeded) return Write.Rollback<Result<Hold>>(outcome.Error!);
            return Write.Commit<Result<Hold>>(new Hold(txId, userId, kind, amount, parts, expiresAt));
        }, ct);
    }

    /// <summary>
    /// Charges <paramref name="amount"/> at once — single-phase transfers from the grants that pay <paramref name="kind"/>, in
    /// consumption order — inside the caller's transaction: for an answer that outlived its hold, which the sweeper
    /// already gave back. Fails with insufficient balance when the wallet cannot pay it all; the caller must then roll back.
    /// </summary>
    public async Task<Result<IReadOnlyList<ChargePart>>> ChargeNowAsync(AppDbContext db, Guid txId, string userId, RouteKind kind, long amount, string reference,
        CancellationToken ct = default)
    {
        if (amount <= 0) return LedgerErrors.InvalidAmount;
        var credit = SystemAccounts.RevenueFor(kind);
        if (await AllocateAsync(db, userId, kind, amount, credit, time.GetUtcNow().UtcDateTime, ct) is not { } plan) return LedgerErrors.InsufficientBalance;
        var charges = plan.Select(p => new ChargePart(p.Grant.GrantId, p.Grant.BucketKey, p.Grant.SourceLabel, Guid.CreateVersion7(), p.Amount)).ToList();
        var outcome = await writer.ApplyAsync(db, txId,
            charges.Select((c, i) => TransferSpec.Single(c.TransferId, plan[i].Grant.AccountId, credit, c.Amount, TransferCode.Charge, reference)).ToList(), ct,
            freshIds: true);
        return outcome.Succeeded ? charges : outcome.Error!;
    }

    /// <summary>
    /// Which grants pay <paramref name="amount"/>, in consumption order, with the wallet's accounts and the credit account
    /// locked first (PostgreSQL); null when the wallet cannot pay it all.
    /// </summary>
    private static async Task<IReadOnlyList<Allocation>?> AllocateAsync(AppDbContext db, string userId, RouteKind kind, long amount, Guid credit, DateTime now,
        CancellationToken ct)
    {
        var eligible = db.IsPostgres
            ? await Eligible(RawSql.Command(db, kind == RouteKind.Official ? LockedEligibleOfficialSql : LockedEligibleRoutedSql)
                .With<LedgerAccount>(db, "@credit", nameof(LedgerAccount.Id), credit), db, userId, now, ct, skipResults: 1)
            : await EligibleAsync(db, userId, kind, now, ct);
        var plan = ConsumptionOrder.Allocate(eligible, amount);
        return plan.Sum(p => p.Amount) < amount ? null : plan;
    }

    /// <summary>
    /// Posts <paramref name="actual"/> against the hold, drawing on its parts in the order they were reserved,
    /// and voids what is left. An actual of zero voids everything.
    /// </summary>
    public async Task<Result<IReadOnlyList<ChargePart>>> SettleAsync(Hold hold, long actual, string? reference = null, CancellationToken ct = default)
    {
        if (actual < 0 || actual > hold.Amount) return LedgerErrors.AmountExceedsPending;
        var (specs, charges) = Settlement(hold, actual, reference);
        if (specs.Count == 0) return charges;
        var outcome = await ledger.SubmitAsync(Guid.CreateVersion7(), specs, ct);
        return outcome.Succeeded ? charges : outcome.Error!;
    }

    /// <summary>
    /// <see cref="SettleAsync(Hold, long, string?, CancellationToken)"/> inside the caller's open transaction, so the
    /// caller can write its business record (a receipt) atomically with the charge. On failure the caller must roll back.
    /// </summary>
    public async Task<Result<IReadOnlyList<ChargePart>>> SettleAsync(AppDbContext db, Guid txId, Hold hold, long actual, string? reference = null,
        CancellationToken ct = default)
    {
        if (actual < 0 || actual > hold.Amount) return LedgerErrors.AmountExceedsPending;
        var (specs, charges) = Settlement(hold, actual, reference);
        if (specs.Count == 0) return charges;
        var outcome = await writer.ApplyAsync(db, txId, specs, ct);
        return outcome.Succeeded ? charges : outcome.Error!;
    }

    private static (List<TransferSpec> Specs, List<ChargePart> Charges) Settlement(Hold hold, long actual, string? reference)
    {
        var remaining = actual;
        var specs = new List<TransferSpec>();
        var charges = new List<ChargePart>();
        foreach (var part in hold.Parts)
        {
            var take = Math.Min(part.Amount, remaining);
            remaining -= take;
            var id = Guid.CreateVersion7();
            if (take > 0)
            {
                specs.Add(TransferSpec.Post(id, part.PendingTransferId, take, reference));
                charges.Add(new ChargePart(part.GrantId, part.BucketKey, part.SourceLabel, id, take));
            }
            else
            {
                specs.Add(TransferSpec.Void(id, part.PendingTransferId, reference));
            }
        }
        return (specs, charges);
    }

    /// <summary>Voids the whole hold: nothing is charged.</summary>
    public async Task<LedgerOutcome> ReleaseAsync(Hold hold, string? reference = null, CancellationToken ct = default)
    {
        if (hold.Parts.Count == 0) return LedgerOutcome.AlreadyApplied;
        return await ledger.SubmitAsync(Guid.CreateVersion7(), Voids(hold, reference), ct);
    }

    /// <summary><see cref="ReleaseAsync(Hold, string?, CancellationToken)"/> inside the caller's open transaction; on failure the caller must roll back.</summary>
    public async Task<LedgerOutcome> ReleaseAsync(AppDbContext db, Hold hold, string? reference, CancellationToken ct)
    {
        if (hold.Parts.Count == 0) return LedgerOutcome.AlreadyApplied;
        return await writer.ApplyAsync(db, Guid.CreateVersion7(), Voids(hold, reference), ct);
    }

    private static List<TransferSpec> Voids(Hold hold, string? reference) =>
        hold.Parts.Select(p => TransferSpec.Void(Guid.CreateVersion7(), p.PendingTransferId, reference)).ToList();
}
