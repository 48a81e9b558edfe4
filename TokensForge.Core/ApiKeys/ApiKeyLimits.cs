using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.ApiKeys;

/// <summary>
/// A key's rate limits as the caller is told them on every answer (OpenAI's <c>x-ratelimit-*</c> headers): the limit,
/// what is left in the current minute after this request, and how long until the window frees up.
/// </summary>
public sealed record RateLimitState(int Limit, long Remaining, TimeSpan Reset);

/// <summary>What admission said: the request and token state for the headers, and when refused why and when to retry.</summary>
public sealed record RateLimitVerdict(bool Allowed, TimeSpan RetryAfter, RateLimitState? Requests = null, RateLimitState? Tokens = null,
    string? Message = null)
{
    public static readonly RateLimitVerdict Pass = new(true, TimeSpan.Zero);
}

/// <summary>What an admitted request holds until its receipt: its share of the minute's tokens and its concurrency lease.</summary>
public sealed record RateLimitHold(Guid KeyId, DateTime Window, long Tokens, Guid? Lease);

/// <summary>
/// A key's requests-per-minute, tokens-per-minute and concurrent-requests limits, decided by the database so every
/// instance shares one count: one conditional update of the key's row admits a request (the sliding request window —
/// this minute's count plus the last minute's weighed by how much of it still overlaps — and this minute's tokens at
/// the request's worst case), and a lease row counts it in flight. The receipt lowers the tokens to the actual use and
/// ends the lease in its own transaction. Keys without any of these limits never touch the database here.
/// </summary>
public sealed class ApiKeyRateLimiter(WriteTransaction writes, IDbContextFactory<AppDbContext> contexts, TimeProvider time)
{
    private const long MinuteMs = 60_000;

    /// <summary>
    /// The key's request and token state as of now, without counting anything: for the answers that are not model
    /// requests (models, receipts, quotes, refusals before admission), so every answer carries the headers.
    /// </summary>
    public async Task<RateLimitVerdict> PeekAsync(KeyPrincipal key, CancellationToken ct = default)
    {
        if (key.RequestsPerMinute is null && key.TokensPerMinute is null) return RateLimitVerdict.Pass;
        var now = time.GetUtcNow().UtcDateTime;
        var (window, elapsedMs) = MinuteOf(now);
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        var counters = (await ReadCountersAsync(db, key.KeyId, window, ct)).SingleOrDefault() ?? new Counters(0, 0, 0);
        var (requests, tokens) = States(key, counters, elapsedMs);
        return new RateLimitVerdict(true, TimeSpan.Zero, requests, tokens);
    }

    /// <summary>Admits one request that may use up to <paramref name="tokens"/> tokens; a concurrency lease lives until <paramref name="leaseExpiresAt"/> at most.</summary>
    public async Task<(RateLimitVerdict Verdict, RateLimitHold? Hold)> AdmitAsync(KeyPrincipal key, long tokens, DateTime leaseExpiresAt, CancellationToken ct = default)
    {
        if (!key.HasRateLimits) return (RateLimitVerdict.Pass, null);
        var now = time.GetUtcNow().UtcDateTime;
        var (window, elapsedMs) = MinuteOf(now);
        Guid? lease = key.MaxConcurrentRequests is null ? null : Guid.CreateVersion7();

        var (counted, refused, leaseRefused) = await writes.RunAsync(async (db, token) =>
        {
            var counters = await RawSql.Command(db, AdmitSql)
                .With<ApiKey>(db, "@id", nameof(ApiKey.Id), key.KeyId)
                .With<ApiKey>(db, "@window", nameof(ApiKey.RateWindowStart), window)
                .With<ApiKey>(db, "@previous", nameof(ApiKey.RateWindowStart), window.AddMinutes(-1))
                .With<ApiKey>(db, "@rest", nameof(ApiKey.TokenWindowUsed), MinuteMs - elapsedMs)
                .With<ApiKey>(db, "@tokens", nameof(ApiKey.TokenWindowUsed), tokens)
                .With<ApiKey>(db, "@rpm", nameof(ApiKey.RequestsPerMinute), key.RequestsPerMinute)
                .With<ApiKey>(db, "@tpm", nameof(ApiKey.TokensPerMinute), key.TokensPerMinute)
                .ReadAllAsync(r => new Counters(r.GetInt32(0), r.GetInt32(1), r.GetInt64(2)), token);
            if (counters.Count == 0)
            {
                // Refused: nothing changed; read the counters to say which limit and when to retry.
                var state = await ReadCountersAsync(db, key.KeyId, window, token);
                return Write.Commit<(Counters?, Counters?, bool)>((null, state.SingleOrDefault() ?? new Counters(0, 0, 0), false));
            }
            if (lease is { } id)
            {
                // The key's row is locked by the update above (PostgreSQL), so two instances cannot both see room for one more.
                var leased = await RawSql.Command(db, """
                        INSERT INTO api_key_leases ("Id", "KeyId", "ExpiresAt")
                        SELECT @lease, @key, @expires WHERE (SELECT COUNT(*) FROM api_key_leases WHERE "KeyId" = @key AND "ExpiresAt" > @now) < @max
                        """)
                    .With<ApiKeyLease>(db, "@lease", nameof(ApiKeyLease.Id), id)
                    .With<ApiKeyLease>(db, "@key", nameof(ApiKeyLease.KeyId), key.KeyId)
                    .With<ApiKeyLease>(db, "@expires", nameof(ApiKeyLease.ExpiresAt), leaseExpiresAt)
                    .With<ApiKeyLease>(db, "@now", nameof(ApiKeyLease.ExpiresAt), now)
                    .With<ApiKey>(db, "@max", nameof(ApiKey.MaxConcurrentRequests), key.MaxConcurrentRequests)
                    .ExecuteAsync(token) == 1;
                if (!leased) return Write.Rollback<(Counters?, Counters?, bool)>((null, counters[0] with { Current = counters[0].Current - 1, Tokens = counters[0].Tokens - tokens }, true));
            }
            return Write.Commit<(Counters?, Counters?, bool)>((counters[0], null, false));
        }, ct);

        var rest = TimeSpan.FromMilliseconds(MinuteMs - elapsedMs);
        var (requests, tokenState) = States(key, (counted ?? refused)!, elapsedMs);
        if (counted is not null) return (new RateLimitVerdict(true, TimeSpan.Zero, requests, tokenState), new RateLimitHold(key.KeyId, window, tokens, lease));

        if (leaseRefused)
            return (new RateLimitVerdict(false, TimeSpan.FromSeconds(1), requests, tokenState,
                $"This API key already has {key.MaxConcurrentRequests} requests in flight, its limit. Retry when one finishes."), null);
        if (key.RequestsPerMinute is { } limit && IsFull(refused!, limit, elapsedMs))
            return (new RateLimitVerdict(false, AtLeastASecond(RequestsFreeIn(refused!, limit, elapsedMs)), requests, tokenState,
                $"Rate limit reached for this API key: {limit} requests per minute. Retry after the time in the Retry-After header."), null);
        var tpmLimit = key.TokensPerMinute!.Value;
        return (new RateLimitVerdict(false, AtLeastASecond(rest), requests, tokenState, tokens > tpmLimit
            ? $"Request too large for this API key: it may use up to {tokens} tokens (prompt and max output), more than its limit of {tpmLimit} tokens per minute. Lower max_tokens or shorten the prompt."
            : $"Rate limit reached for this API key: {tpmLimit} tokens per minute, {refused!.Tokens} used or held this minute and this request may use up to {tokens}. Retry after the time in the Retry-After header."), null);
    }

    /// <summary>
    /// Inside the receipt's transaction: lowers the minute's tokens from the worst case held to <paramref name="used"/>
    /// (when the minute has not passed already) and ends the concurrency lease.
    /// </summary>
    public static async Task SettleAsync(AppDbContext db, RateLimitHold hold, long used, CancellationToken ct)
    {
        var unused = hold.Tokens - used;
        if (unused > 0)
        {
            await RawSql.Command(db, """
                    UPDATE api_keys SET "TokenWindowUsed" = CASE WHEN "TokenWindowUsed" > @unused THEN "TokenWindowUsed" - @unused ELSE 0 END
                    WHERE "Id" = @id AND "RateWindowStart" = @window
                    """)
                .With<ApiKey>(db, "@unused", nameof(ApiKey.TokenWindowUsed), unused)
                .With<ApiKey>(db, "@id", nameof(ApiKey.Id), hold.KeyId)
                .With<ApiKey>(db, "@window", nameof(ApiKey.RateWindowStart), hold.Window)
                .ExecuteOrQueueAsync(ct);
        }
        if (hold.Lease is { } lease) await EndLeaseAsync(db, lease, ct);
    }

    /// <summary>
    /// A request that ended without a receipt (an idempotent replay, a refused claim): it used no tokens, so the minute
    /// gets its worst case back, and its concurrency lease ends, in one transaction.
    /// </summary>
    public async Task ReleaseAsync(RateLimitHold hold, CancellationToken ct = default)
    {
        if (hold.Tokens == 0 && hold.Lease is null) return;
        await writes.RunAsync(async (db, token) =>
        {
            await SettleAsync(db, hold, used: 0, token);
            return Write.Commit(true);
        }, ct);
    }

    private static Task EndLeaseAsync(AppDbContext db, Guid lease, CancellationToken ct) =>
        RawSql.Command(db, """DELETE FROM api_key_leases WHERE "Id" = @lease""")
            .With<ApiKeyLease>(db, "@lease", nameof(ApiKeyLease.Id), lease)
            .ExecuteOrQueueAsync(ct);

    // Every right-hand side reads the row as it was, so the window's roll-over and the checks agree.
    private const string WindowCount = """CASE WHEN "RateWindowStart" = @window THEN "RateWindowCount" ELSE 0 END""";
    private const string PreviousCount = """CASE WHEN "RateWindowStart" = @window THEN "RatePreviousCount" WHEN "RateWindowStart" = @previous THEN "RateWindowCount" ELSE 0 END""";
    private const string WindowTokens = """CASE WHEN "RateWindowStart" = @window THEN "TokenWindowUsed" ELSE 0 END""";

    private const string AdmitSql = $"""
        UPDATE api_keys SET
            "RatePreviousCount" = {PreviousCount},
            "RateWindowCount" = {WindowCount} + 1,
            "TokenWindowUsed" = {WindowTokens} + @tokens,
            "RateWindowStart" = @window
        WHERE "Id" = @id
            AND (@rpm IS NULL OR ({PreviousCount}) * @rest + ({WindowCount}) * CAST(60000 AS BIGINT) < CAST(@rpm AS BIGINT) * 60000)
            AND (@tpm IS NULL OR {WindowTokens} + @tokens <= @tpm)
        RETURNING "RateWindowCount", "RatePreviousCount", "TokenWindowUsed"
        """;

    /// <summary>The minute <paramref name="now"/> falls in, and how far into it <paramref name="now"/> is.</summary>
    private static (DateTime Window, long ElapsedMs) MinuteOf(DateTime now)
    {
        var window = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        return (window, (long)(now - window).TotalMilliseconds);
    }

    /// <summary>A key's counters as of <paramref name="window"/>: what an older window counted has rolled over or out.</summary>
    private sealed record Counters(int Current, int Previous, long Tokens);

    private static Task<List<Counters>> ReadCountersAsync(AppDbContext db, Guid keyId, DateTime window, CancellationToken ct) =>
        RawSql.Command(db, """SELECT "RateWindowStart", "RateWindowCount", "RatePreviousCount", "TokenWindowUsed" FROM api_keys WHERE "Id" = @id""")
            .With<ApiKey>(db, "@id", nameof(ApiKey.Id), keyId)
            .ReadAllAsync(r => Current(r.GetUtcOrNull(0), r.GetInt32(1), r.GetInt32(2), r.GetInt64(3), window), ct);

    /// <summary>What the headers say for these counters: the limits the key has, what is left of them, and when the minute ends.</summary>
    private static (RateLimitState? Requests, RateLimitState? Tokens) States(KeyPrincipal key, Counters counters, long elapsedMs)
    {
        var rest = TimeSpan.FromMilliseconds(MinuteMs - elapsedMs);
        return (key.RequestsPerMinute is { } rpm ? new RateLimitState(rpm, RemainingRequests(counters, rpm, elapsedMs), rest) : null,
            key.TokensPerMinute is { } tpm ? new RateLimitState(tpm, Math.Max(0, tpm - counters.Tokens), rest) : null);
    }

    private static Counters Current(DateTime? start, int count, int previous, long tokens, DateTime window) =>
        start == window ? new Counters(count, previous, tokens)
        : start == window.AddMinutes(-1) ? new Counters(0, count, 0)
        : new Counters(0, 0, 0);

    // The sliding window (as Cloudflare's): the requests of the last 60 s are estimated as this minute's plus the last
    // minute's weighed by the part of it still inside them, in exact integer arithmetic (×60,000 ms) as the SQL does.
    private static long WeighedMs(Counters c, long elapsedMs) => c.Previous * (MinuteMs - elapsedMs) + c.Current * MinuteMs;

    private static bool IsFull(Counters c, int limit, long elapsedMs) => WeighedMs(c, elapsedMs) >= limit * MinuteMs;

    /// <summary>How many more requests fit right now.</summary>
    private static long RemainingRequests(Counters c, int limit, long elapsedMs) =>
        Math.Max(0, (limit * MinuteMs - WeighedMs(c, elapsedMs) + MinuteMs - 1) / MinuteMs);

    /// <summary>How long until the sliding window has room for one more request.</summary>
    private static TimeSpan RequestsFreeIn(Counters c, int limit, long elapsedMs)
    {
        // Later in this minute, as the last minute's weight fades: previous × (60 s − t) + current × 60 s < limit × 60 s.
        if (c.Previous > 0 && c.Current < limit)
        {
            var at = MinuteMs - (limit - c.Current) * MinuteMs / c.Previous;
            if (at < MinuteMs) return TimeSpan.FromMilliseconds(Math.Max(at - elapsedMs, 0) + 1);
        }
        // In the next minute, this one's requests weigh as the previous ones.
        var next = c.Current == 0 ? 0 : Math.Max(0, MinuteMs - limit * MinuteMs / c.Current);
        return TimeSpan.FromMilliseconds(MinuteMs - elapsedMs + next + 1);
    }

    private static TimeSpan AtLeastASecond(TimeSpan wait) => wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
}

/// <summary>A request of a key with a concurrency limit, counted in flight until its receipt (or until it expires, after a crash).</summary>
public sealed class ApiKeyLease
{
    private ApiKeyLease() { }

    public Guid Id { get; private set; }
    public Guid KeyId { get; private set; }
    public DateTime ExpiresAt { get; private set; }
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
    /// <remarks>Without <paramref name="refuseOverLimit"/> nothing reads the count, so the update may travel with the unit's next round trip.</remarks>
    private static async Task<bool> MoveAsync(AppDbContext db, Guid keyId, long reserved, long spent, bool refuseOverLimit, CancellationToken ct)
    {
        var command = RawSql.Command(db, $"""
                UPDATE api_keys SET "SpendReserved" = "SpendReserved" - @reserved, "Spent" = "Spent" + @spent
                WHERE "Id" = @id{(refuseOverLimit ? """ AND ("SpendLimit" IS NULL OR "Spent" + @spent + "SpendReserved" - @reserved <= "SpendLimit")""" : "")}
                """)
            .With<ApiKey>(db, "@reserved", nameof(ApiKey.SpendReserved), reserved)
            .With<ApiKey>(db, "@spent", nameof(ApiKey.Spent), spent)
            .With<ApiKey>(db, "@id", nameof(ApiKey.Id), keyId);
        if (refuseOverLimit) return await command.ExecuteAsync(ct) == 1;
        await command.ExecuteOrQueueAsync(ct);
        return true;
    }

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
        // Expired leases already count for nothing; deleting them only keeps the table small.
        await writes.RunAsync(async (db, token) => Write.Commit(await RawSql.Command(db, """DELETE FROM api_key_leases WHERE "ExpiresAt" <= @now""")
            .With<ApiKeyLease>(db, "@now", nameof(ApiKeyLease.ExpiresAt), now).ExecuteAsync(token)), ct);
        var released = 0;
        foreach (var (id, keyId) in due)
        {
            // A receipt written meanwhile took the row first: then there is nothing left to give back.
            if (await writes.RunAsync(async (db, token) => Write.Commit(await ApiKeySpend.ReleaseAsync(db, keyId, id, token)), ct) > 0) released++;
        }
        return released;
    }
}
