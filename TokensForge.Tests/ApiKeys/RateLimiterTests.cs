using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.ApiKeys;

/// <summary>
/// A key's requests-per-minute (a sliding window), tokens-per-minute (worst case held, lowered to the actual use) and
/// concurrent-requests limits, as the database decides them.
/// </summary>
public sealed class RateLimiterTests
{
    private static readonly DateTimeOffset Noon = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static async Task<(TestDatabase Db, KeyPrincipal Key)> KeyAsync(ApiKeyPolicy policy, TestProvider provider = TestProvider.Sqlite)
    {
        var db = await TestDatabase.CreateAsync(provider);
        var owner = await db.AddUserAsync();
        var created = (await db.Get<ApiKeyService>().CreateAsync(owner, "limited", policy)).Value!;
        var key = (await db.Get<ApiKeyAuthenticator>().AuthenticateAsync("Bearer " + created.Secret)).Value!;
        return (db, key);
    }

    private static DateTime LeaseEnd(TestDatabase db) => db.Time.GetUtcNow().UtcDateTime.AddMinutes(15);

    [Fact]
    public async Task RequestsPerMinute_IsASlidingWindow_LastMinutesRequestsFadeOut_AndTheRetryIsWhenOneFits()
    {
        var (db, key) = await KeyAsync(new ApiKeyPolicy(RequestsPerMinute: 2));
        await using var _ = db;
        var limiter = db.Get<ApiKeyRateLimiter>();
        db.Time.SetUtcNow(Noon.AddSeconds(10));

        var one = (await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict;
        var two = (await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict;
        var three = (await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict;

        Assert.Equal((true, 1L), (one.Allowed, one.Requests!.Remaining));
        Assert.Equal((true, 0L), (two.Allowed, two.Requests!.Remaining));
        Assert.False(three.Allowed);
        Assert.Null(three.Tokens);
        // At 12:01:00 both still weigh fully; a moment later one more fits, but the third of 60 s waits till 12:01:30.
        Assert.Equal(TimeSpan.FromMilliseconds(50_001), three.RetryAfter);
        db.Time.SetUtcNow(Noon.AddMinutes(1));
        Assert.False((await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict.Allowed);
        db.Time.SetUtcNow(Noon.AddMilliseconds(60_001));
        var fits = (await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict;
        Assert.Equal((true, 0L), (fits.Allowed, fits.Requests!.Remaining));
        var full = (await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict;
        Assert.False(full.Allowed);
        Assert.Equal(TimeSpan.FromMilliseconds(30_000), full.RetryAfter);
        db.Time.SetUtcNow(Noon.AddSeconds(90));
        Assert.False((await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict.Allowed);
        db.Time.SetUtcNow(Noon.AddMilliseconds(90_001));
        Assert.True((await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict.Allowed);
        // Two minutes on, the old window no longer counts at all.
        db.Time.SetUtcNow(Noon.AddMinutes(3));
        Assert.Equal(1L, (await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict.Requests!.Remaining);
        await using var read = db.NewContext();
        Assert.Equal((1, 0), await read.ApiKeys.Where(k => k.Id == key.KeyId).Select(k => ValueTuple.Create(k.RateWindowCount, k.RatePreviousCount)).SingleAsync());
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task TokensPerMinute_HoldsTheWorstCase_TheReceiptLowersItToTheActualUse_ATooLargeRequestIsToldSo(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        var (db, key) = await KeyAsync(new ApiKeyPolicy(TokensPerMinute: 1_000), provider);
        await using var _ = db;
        var limiter = db.Get<ApiKeyRateLimiter>();
        db.Time.SetUtcNow(Noon.AddSeconds(20));

        var (first, held) = await limiter.AdmitAsync(key, 600, LeaseEnd(db));
        var (second, _) = await limiter.AdmitAsync(key, 600, LeaseEnd(db));
        Assert.Equal((true, 400L), (first.Allowed, first.Tokens!.Remaining));
        Assert.False(second.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(40), second.RetryAfter);
        Assert.Contains("1000 tokens per minute, 600 used or held this minute and this request may use up to 600", second.Message);

        // The first request used 100 tokens after all: its receipt gives back the other 500.
        await db.Get<Core.Data.WriteTransaction>().RunAsync(async (ctx, token) =>
        {
            await ApiKeyRateLimiter.SettleAsync(ctx, held!, 100, token);
            return Core.Data.Write.Commit(true);
        });
        var (again, _) = await limiter.AdmitAsync(key, 600, LeaseEnd(db));
        Assert.Equal((true, 300L), (again.Allowed, again.Tokens!.Remaining));

        var (huge, _) = await limiter.AdmitAsync(key, 1_500, LeaseEnd(db));
        Assert.False(huge.Allowed);
        Assert.StartsWith("Request too large for this API key: it may use up to 1500 tokens", huge.Message);
        // Refusals counted nothing.
        await using var read = db.NewContext();
        var row = await read.ApiKeys.SingleAsync(k => k.Id == key.KeyId);
        Assert.Equal((2, 700L), (row.RateWindowCount, row.TokenWindowUsed));
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task ConcurrentRequests_UnderParallelAdmission_ExactlyTheLimitGetIn_AnEndedOrExpiredLeaseFreesASlot(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        var (db, key) = await KeyAsync(new ApiKeyPolicy(MaxConcurrentRequests: 3), provider);
        await using var _ = db;
        var limiter = db.Get<ApiKeyRateLimiter>();

        var admitted = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => limiter.AdmitAsync(key, 10, db.Time.GetUtcNow().UtcDateTime.AddMinutes(1))));

        Assert.Equal(3, admitted.Count(a => a.Verdict.Allowed));
        Assert.All(admitted.Where(a => !a.Verdict.Allowed), a => Assert.Equal(TimeSpan.FromSeconds(1), a.Verdict.RetryAfter));
        Assert.Contains("already has 3 requests in flight", admitted.First(a => !a.Verdict.Allowed).Verdict.Message);
        await using (var read = db.NewContext()) Assert.Equal(3, await read.ApiKeyLeases.CountAsync(l => l.KeyId == key.KeyId));

        await limiter.ReleaseAsync(admitted.First(a => a.Verdict.Allowed).Hold!);
        Assert.True((await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict.Allowed);
        Assert.False((await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict.Allowed);

        // A crashed instance's leases stop counting when they expire, and the sweep deletes them.
        db.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.True((await limiter.AdmitAsync(key, 10, LeaseEnd(db))).Verdict.Allowed);
        await db.Get<ApiKeySpendSweeper>().RunOnceAsync();
        await using (var read = db.NewContext()) Assert.Equal(2, await read.ApiKeyLeases.CountAsync(l => l.KeyId == key.KeyId));
    }

    [Fact]
    public async Task AKeyWithoutLimits_IsNeverCounted()
    {
        var (db, key) = await KeyAsync(new ApiKeyPolicy());
        await using var _ = db;

        var (verdict, hold) = await db.Get<ApiKeyRateLimiter>().AdmitAsync(key, 10, LeaseEnd(db));

        Assert.Same(RateLimitVerdict.Pass, verdict);
        Assert.Null(hold);
        await using var read = db.NewContext();
        Assert.Null((await read.ApiKeys.SingleAsync(k => k.Id == key.KeyId)).RateWindowStart);
    }
}
