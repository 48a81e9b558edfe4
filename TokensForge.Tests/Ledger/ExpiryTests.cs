using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Ledger;

/// <summary>Grant and hold expiry at the exact boundary: a grant pays while <c>effective_at ≤ now &lt; expires_at</c>.</summary>
public sealed class ExpiryTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    /// <summary>An expiry with a sub-second part, so a one-tick difference is visible in storage too.</summary>
    private static DateTime ExpiryAfter(TestDatabase db, TimeSpan span) => db.Time.GetUtcNow().UtcDateTime + span + TimeSpan.FromTicks(1_234_567);

    [Fact]
    public async Task PlaceAsync_OneTickBeforeExpiry_UsesTheGrant_AtExpiry_RefusesIt()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var expiresAt = ExpiryAfter(db, TimeSpan.FromHours(1));
        var grant = await GrantAsync(db, userId, Bucket.Routed, 1_000, expiresAt: expiresAt);
        var holds = db.Get<HoldService>();

        db.Time.SetUtcNow(expiresAt - Tick);
        var before = await holds.PlaceAsync(userId, RouteKind.Routed, 100, TimeSpan.FromMinutes(5), "req-1");
        db.Time.SetUtcNow(expiresAt);
        var at = await holds.PlaceAsync(userId, RouteKind.Routed, 100, TimeSpan.FromMinutes(5), "req-2");

        Assert.True(before.Succeeded, before.Error?.ToString());
        Assert.Equal(grant.GrantId, Assert.Single(before.Value!.Parts).GrantId);
        Assert.Equal(LedgerErrors.InsufficientBalance, at.Error);
        Assert.Equal(new AccountCounters(0, 1_000, 100, 0), await CountersAsync(db, grant.AccountId));
    }

    [Fact]
    public async Task PlaceAsync_BeforeEffectiveAt_IgnoresTheGrant_FromEffectiveAt_UsesIt()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var effectiveAt = ExpiryAfter(db, TimeSpan.FromMinutes(10));
        await GrantAsync(db, userId, Bucket.Routed, 1_000, effectiveAt: effectiveAt);
        var holds = db.Get<HoldService>();

        db.Time.SetUtcNow(effectiveAt - Tick);
        var before = await holds.PlaceAsync(userId, RouteKind.Routed, 100, TimeSpan.FromMinutes(5), "req-1");
        db.Time.SetUtcNow(effectiveAt);
        var at = await holds.PlaceAsync(userId, RouteKind.Routed, 100, TimeSpan.FromMinutes(5), "req-2");

        Assert.Equal(LedgerErrors.InsufficientBalance, before.Error);
        Assert.True(at.Succeeded, at.Error?.ToString());
    }

    [Fact]
    public async Task RunOnceAsync_GrantExpirer_OneTickBefore_DoesNothing_AtExpiry_PostsExactlyTheRemainder()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var expiresAt = ExpiryAfter(db, TimeSpan.FromDays(3));
        var expiring = await GrantAsync(db, userId, Bucket.Routed, 1_000, expiresAt: expiresAt);
        var later = await GrantAsync(db, userId, Bucket.Routed, 2_000, expiresAt: expiresAt + Tick);
        var never = await GrantAsync(db, userId, Bucket.Routed, 500);
        await db.Get<LedgerService>().SubmitAsync(TransferSpec.Single(Guid.CreateVersion7(), expiring.AccountId, SystemAccounts.RevenueRoutedId, 300, TransferCode.Charge));
        var expirer = db.Get<GrantExpirer>();

        db.Time.SetUtcNow(expiresAt - Tick);
        Assert.Equal(0, await expirer.RunOnceAsync());
        db.Time.SetUtcNow(expiresAt);
        Assert.Equal(1, await expirer.RunOnceAsync());
        Assert.Equal(0, await expirer.RunOnceAsync());

        Assert.Equal(new AccountCounters(1_000, 1_000, 0, 0), await CountersAsync(db, expiring.AccountId));
        Assert.Equal(new AccountCounters(0, 700, 0, 0), await CountersAsync(db, SystemAccounts.BreakageId));
        Assert.Equal(new AccountCounters(0, 2_000, 0, 0), await CountersAsync(db, later.AccountId));
        Assert.Equal(new AccountCounters(0, 500, 0, 0), await CountersAsync(db, never.AccountId));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task RunOnceAsync_GrantExpirer_OpenHoldAtExpiry_KeepsTheHeldPart_UntilTheHoldIsVoided()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var expiresAt = ExpiryAfter(db, TimeSpan.FromHours(1));
        var grant = await GrantAsync(db, userId, Bucket.Routed, 1_000, expiresAt: expiresAt);
        var holds = db.Get<HoldService>();
        var expirer = db.Get<GrantExpirer>();
        var hold = (await holds.PlaceAsync(userId, RouteKind.Routed, 300, TimeSpan.FromHours(2), "req-1")).Value!;

        db.Time.SetUtcNow(expiresAt);
        Assert.Equal(1, await expirer.RunOnceAsync());
        Assert.Equal(new AccountCounters(700, 1_000, 300, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(0, await expirer.RunOnceAsync());

        Assert.Equal(LedgerStatus.Created, (await holds.ReleaseAsync(hold)).Status);
        Assert.Equal(new AccountCounters(700, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(1, await expirer.RunOnceAsync());

        Assert.Equal(new AccountCounters(1_000, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(new AccountCounters(0, 1_000, 0, 0), await CountersAsync(db, SystemAccounts.BreakageId));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task RunOnceAsync_GrantExpirer_HoldPartlySettledAfterExpiry_ExpiresOnlyWhatSettlementReturned()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var expiresAt = ExpiryAfter(db, TimeSpan.FromHours(1));
        var grant = await GrantAsync(db, userId, Bucket.Routed, 1_000, expiresAt: expiresAt);
        var holds = db.Get<HoldService>();
        var expirer = db.Get<GrantExpirer>();
        var hold = (await holds.PlaceAsync(userId, RouteKind.Routed, 300, TimeSpan.FromHours(2), "req-1")).Value!;

        db.Time.SetUtcNow(expiresAt);
        await expirer.RunOnceAsync();
        // The request that reserved before expiry still completes and pays from its hold.
        Assert.True((await holds.SettleAsync(hold, 120)).Succeeded);
        Assert.Equal(1, await expirer.RunOnceAsync());

        Assert.Equal(new AccountCounters(1_000, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(new AccountCounters(0, 880, 0, 0), await CountersAsync(db, SystemAccounts.BreakageId));
        Assert.Equal(new AccountCounters(0, 120, 0, 0), await CountersAsync(db, SystemAccounts.RevenueRoutedId));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task PostAndSweep_HoldTimeoutBoundary_PostableOneTickBefore_ExpiredAt()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var sweeper = db.Get<HoldSweeper>();
        var due = ExpiryAfter(db, TimeSpan.FromMinutes(5));
        var first = Guid.CreateVersion7();
        var second = Guid.CreateVersion7();
        await ledger.SubmitAsync(TransferSpec.Pending(first, grant.AccountId, SystemAccounts.RevenueRoutedId, 200, TransferCode.Charge, due));
        await ledger.SubmitAsync(TransferSpec.Pending(second, grant.AccountId, SystemAccounts.RevenueRoutedId, 300, TransferCode.Charge, due));

        db.Time.SetUtcNow(due - Tick);
        Assert.Equal(0, await sweeper.RunOnceAsync());
        Assert.Equal(LedgerErrors.PendingNotExpired, (await ledger.SubmitAsync(TransferSpec.ExpireHold(Guid.CreateVersion7(), second))).Error);
        Assert.Equal(LedgerStatus.Created, (await ledger.SubmitAsync(TransferSpec.Post(Guid.CreateVersion7(), first, 150))).Status);

        db.Time.SetUtcNow(due);
        Assert.Equal(LedgerErrors.PendingExpired, (await ledger.SubmitAsync(TransferSpec.Post(Guid.CreateVersion7(), second, 300))).Error);
        Assert.Equal(1, await sweeper.RunOnceAsync());
        Assert.Equal(0, await sweeper.RunOnceAsync());

        Assert.Equal(new AccountCounters(150, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(new AccountCounters(0, 150, 0, 0), await CountersAsync(db, SystemAccounts.RevenueRoutedId));
        await AssertVerifiedAsync(db);
    }
}
