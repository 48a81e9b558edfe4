using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.ApiKeys;

/// <summary>Refusal of a rate limit, with when to try again.</summary>
public sealed record RateLimitVerdict(bool Allowed, TimeSpan RetryAfter)
{
    public static readonly RateLimitVerdict Pass = new(true, TimeSpan.Zero);
}

/// <summary>
/// Per-key requests-per-minute limit in fixed one-minute windows, counted on the key's row with a conditional
/// update so every instance shares one count. Keys without a limit never touch the database here.
/// </summary>
public sealed class ApiKeyRateLimiter(WriteTransaction writes, TimeProvider time)
{
    public async Task<RateLimitVerdict> TryAcquireAsync(KeyPrincipal key, CancellationToken ct = default)
    {
        if (key.RequestsPerMinute is not { } limit) return RateLimitVerdict.Pass;
        var now = time.GetUtcNow().UtcDateTime;
        var window = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var counted = await writes.RunAsync(async (db, token) => Write.Commit(await db.ApiKeys
            .Where(k => k.Id == key.KeyId && (k.RateWindowStart == null || k.RateWindowStart != window || k.RateWindowCount < limit))
            .ExecuteUpdateAsync(s => s
                .SetProperty(k => k.RateWindowCount, k => k.RateWindowStart == window ? k.RateWindowCount + 1 : 1)
                .SetProperty(k => k.RateWindowStart, window), token)), ct);
        if (counted == 1) return RateLimitVerdict.Pass;
        var retry = window.AddMinutes(1) - now;
        return new RateLimitVerdict(false, retry < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retry);
    }
}

/// <summary>
/// A key's spend limit, enforced like a ledger balance: requests reserve their worst case with a conditional
/// update (<c>Spent + SpendReserved + amount ≤ SpendLimit</c>) and settle it in the same transaction that
/// posts their charge. Each reservation is also a row (<see cref="ApiKeyReservation"/>) that expires with the hold:
/// whoever deletes the row (the receipt, a release, or <see cref="ApiKeySpendSweeper"/> after a crash) moves the
/// counter, so a reservation is given back exactly once.
/// </summary>
public static class ApiKeySpend
{
    /// <summary>Reserves <paramref name="amount"/> on the key until <paramref name="expiresAt"/>; false when the limit would be passed.</summary>
    public static async Task<bool> TryReserveAsync(AppDbContext db, Guid keyId, Guid reservationId, long amount, DateTime expiresAt, CancellationToken ct)
    {
        var reserved = await RawSql.Command(db, """
                UPDATE api_keys SET "SpendReserved" = "SpendReserved" + @amount
                WHERE "Id" = @id AND ("SpendLimit" IS NULL OR "Spent" + "SpendReserved" + @amount <= "SpendLimit")
                """)
            .With<ApiKey>(db, "@amount", nameof(ApiKey.SpendReserved), amount)
            .With<ApiKey>(db, "@id", nameof(ApiKey.Id), keyId)
            .ExecuteAsync(ct) == 1;
        if (!reserved) return false;
        await RawSql.Command(db, """INSERT INTO api_key_reservations ("Id", "KeyId", "Amount", "ExpiresAt") VALUES (@id, @key, @amount, @expires)""")
            .With<ApiKeyReservation>(db, "@id", nameof(ApiKeyReservation.Id), reservationId)
            .With<ApiKeyReservation>(db, "@key", nameof(ApiKeyReservation.KeyId), keyId)
            .With<ApiKeyReservation>(db, "@amount", nameof(ApiKeyReservation.Amount), amount)
            .With<ApiKeyReservation>(db, "@expires", nameof(ApiKeyReservation.ExpiresAt), expiresAt)
            .ExecuteAsync(ct);
        return true;
    }

    /// <summary>
    /// Inside the caller's transaction: gives back the reservation (if it is still there: the sweeper may have given it
    /// back already) and adds <paramref name="spent"/> to the key's spend. With <paramref name="refuseOverLimit"/> a spend
    /// the limit no longer covers is refused (false) instead of breaking it: for a charge made after the hold expired.
    /// </summary>
    public static async Task<bool> SettleAsync(AppDbContext db, Guid keyId, Guid? reservationId, long spent, CancellationToken ct, bool refuseOverLimit = false)
    {
        var reserved = reservationId is { } id ? await TakeAsync(db, id, ct) : 0;
        if (reserved == 0 && spent == 0) return true;
        return await MoveAsync(db, keyId, reserved, spent, refuseOverLimit, ct) || !refuseOverLimit;
    }

    /// <summary>Gives back a reservation inside the caller's transaction; what it held, or 0 when someone else gave it back first.</summary>
    public static async Task<long> ReleaseAsync(AppDbContext db, Guid keyId, Guid reservationId, CancellationToken ct)
    {
        var reserved = await TakeAsync(db, reservationId, ct);
        if (reserved > 0) await MoveAsync(db, keyId, reserved, spent: 0, refuseOverLimit: false, ct);
        return reserved;
    }

    /// <summary>The key's counters: <paramref name="reserved"/> leaves the reservation, <paramref name="spent"/> joins the spend.</summary>
    private static async Task<bool> MoveAsync(AppDbContext db, Guid keyId, long reserved, long spent, bool refuseOverLimit, CancellationToken ct) =>
        await RawSql.Command(db, $"""
                UPDATE api_keys SET "SpendReserved" = "SpendReserved" - @reserved, "Spent" = "Spent" + @spent
                WHERE "Id" = @id{(refuseOverLimit ? """ AND ("SpendLimit" IS NULL OR "Spent" + @spent + "SpendReserved" - @reserved <= "SpendLimit")""" : "")}
                """)
            .With<ApiKey>(db, "@reserved", nameof(ApiKey.SpendReserved), reserved)
            .With<ApiKey>(db, "@spent", nameof(ApiKey.Spent), spent)
            .With<ApiKey>(db, "@id", nameof(ApiKey.Id), keyId)
            .ExecuteAsync(ct) == 1;

    /// <summary>Deletes a reservation row and says how much it held (0 when someone else gave it back first).</summary>
    private static async Task<long> TakeAsync(AppDbContext db, Guid reservationId, CancellationToken ct)
    {
        var command = RawSql.Command(db, """DELETE FROM api_key_reservations WHERE "Id" = @id RETURNING "Amount" """)
            .With<ApiKeyReservation>(db, "@id", nameof(ApiKeyReservation.Id), reservationId);
        return await command.ScalarAsync(ct) is { } amount and not DBNull ? Convert.ToInt64(amount, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}

/// <summary>
/// Gives back key reservations whose hold has expired without a receipt (the instance serving the request was killed):
/// the hold sweeper returns the money, this returns the key's headroom.
/// </summary>
public sealed class ApiKeySpendSweeper(IDbContextFactory<AppDbContext> contexts, WriteTransaction writes, TimeProvider time) : IPeriodicSweep
{
    public string Name => "key reservations";

    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        List<(Guid Id, Guid KeyId)> due;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            due = (await db.ApiKeyReservations.AsNoTracking().Where(r => r.ExpiresAt <= now).Select(r => new { r.Id, r.KeyId }).ToListAsync(ct))
                .Select(r => (r.Id, r.KeyId)).ToList();
        }
        var released = 0;
        foreach (var (id, keyId) in due)
        {
            // A receipt written meanwhile took the row first: then there is nothing left to give back.
            if (await writes.RunAsync(async (db, token) => Write.Commit(await ApiKeySpend.ReleaseAsync(db, keyId, id, token)), ct) > 0) released++;
        }
        return released;
    }
}
