using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

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
/// posts their charge.
/// </summary>
public static class ApiKeySpend
{
    /// <summary>Reserves <paramref name="amount"/> on the key; false when the limit would be passed.</summary>
    public static async Task<bool> TryReserveAsync(AppDbContext db, Guid keyId, long amount, CancellationToken ct) =>
        await RawSql.Command(db, """
                UPDATE api_keys SET "SpendReserved" = "SpendReserved" + @amount
                WHERE "Id" = @id AND ("SpendLimit" IS NULL OR "Spent" + "SpendReserved" + @amount <= "SpendLimit")
                """)
            .With<ApiKey>(db, "@amount", nameof(ApiKey.SpendReserved), amount)
            .With<ApiKey>(db, "@id", nameof(ApiKey.Id), keyId)
            .ExecuteAsync(ct) == 1;

    /// <summary>Turns a reservation into spend (inside the caller's transaction): <paramref name="reserved"/> returns, <paramref name="spent"/> is added.</summary>
    public static Task SettleAsync(AppDbContext db, Guid keyId, long reserved, long spent, CancellationToken ct) =>
        reserved == 0 && spent == 0
            ? Task.CompletedTask
            : RawSql.Command(db, """UPDATE api_keys SET "SpendReserved" = "SpendReserved" - @reserved, "Spent" = "Spent" + @spent WHERE "Id" = @id""")
                .With<ApiKey>(db, "@reserved", nameof(ApiKey.SpendReserved), reserved)
                .With<ApiKey>(db, "@spent", nameof(ApiKey.Spent), spent)
                .With<ApiKey>(db, "@id", nameof(ApiKey.Id), keyId)
                .ExecuteAsync(ct);

    public static async Task ReleaseAsync(WriteTransaction writes, Guid keyId, long reserved, CancellationToken ct)
    {
        if (reserved == 0) return;
        await writes.RunAsync(async (db, token) =>
        {
            await SettleAsync(db, keyId, reserved, 0, token);
            return Write.Commit(true);
        }, ct);
    }
}
