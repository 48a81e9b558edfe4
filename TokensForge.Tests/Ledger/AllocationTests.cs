using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Ledger;

/// <summary>
/// Which grants pay (DESIGN §3), checked against an oracle written from the design's words alone:
/// eligible = bucket pays the kind, effective and not expired, something available; order = priority ascending,
/// soonest expiry (never-expiring last), promotional before paid, oldest, id; drained greedily.
/// </summary>
public sealed class AllocationTests
{
    private static readonly DateTime Start = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Allocate_RandomGrantSets_MatchTheOracle()
    {
        var random = new Random(20261130);
        for (var round = 0; round < 2_000; round++)
        {
            // Few distinct values per field, so ties are common and every tie-break is exercised.
            var grants = Enumerable.Range(0, random.Next(1, 12)).Select(_ => new OracleGrant(
                Guid.NewGuid(),
                Bucket.Routed,
                random.Next(2) == 0 ? GrantCategory.Promotional : GrantCategory.Paid,
                random.Next(3) * 10,
                Start,
                random.Next(3) == 0 ? null : Start.AddDays(random.Next(1, 4)),
                Start.AddSeconds(random.Next(3)),
                random.Next(4) == 0 ? 0 : random.Next(1, 500))).ToList();
            var balances = grants.Select(g => new GrantBalance(g.GrantId, Guid.NewGuid(), g.Bucket, g.Category, g.Priority, g.ExpiresAt, g.CreatedAt, "", g.Available)).ToList();
            var total = grants.Sum(g => g.Available);
            var amount = random.Next(1, (int)total + 50);

            var order = ConsumptionOrder.Order(balances).Select(b => b.GrantId).ToList();
            var allocation = ConsumptionOrder.Allocate(balances, amount).Select(a => (a.Grant.GrantId, a.Amount)).ToList();

            Assert.Equal(AllocationOracle.Sort(grants).Select(g => g.GrantId).ToList(), order);
            var expected = AllocationOracle.Allocate(grants, RouteKind.Routed, Start, Math.Min(amount, total));
            Assert.NotNull(expected);
            Assert.Equal(expected, allocation);
            Assert.Equal(Math.Min(amount, total), allocation.Sum(a => a.Amount));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task PlaceAsync_RandomWallets_PickGrantsExactlyLikeTheOracle(int seed)
    {
        await using var db = await TestDatabase.CreateAsync();
        var random = new Random(seed);
        var holds = db.Get<HoldService>();
        var ledger = db.Get<LedgerService>();
        var sources = new[] { GrantSource.Starter, GrantSource.Campaign, GrantSource.TopUp, GrantSource.Adjustment };
        int multiPart = 0, refused = 0;

        for (var wallet = 0; wallet < 8; wallet++)
        {
            var userId = await db.AddUserAsync();
            var grants = new List<OracleGrant>();
            var accounts = new Dictionary<Guid, Guid>();
            var issuedAt = db.Time.GetUtcNow().UtcDateTime;
            for (var i = random.Next(3, 11); i > 0; i--)
            {
                var bucket = AllBuckets[random.Next(3)];
                var category = random.Next(2) == 0 ? GrantCategory.Promotional : GrantCategory.Paid;
                var source = category == GrantCategory.Paid ? GrantSource.TopUp : sources[random.Next(sources.Length)];
                int? priority = random.Next(5) == 0 ? random.Next(2) * 50 : null;
                var expiresAt = random.Next(4) switch
                {
                    0 => (DateTime?)null,
                    1 => issuedAt.AddMinutes(30), // shared expiry: ties on it are common
                    2 => issuedAt.AddMinutes(random.Next(1, 5)), // some expire before the holds below
                    _ => issuedAt.AddHours(random.Next(1, 48)),
                };
                DateTime? effectiveAt = random.Next(8) == 0 ? issuedAt.AddMinutes(random.Next(20, 40)) : null;
                var amount = random.Next(1, 2_000);
                var now = db.Time.GetUtcNow().UtcDateTime;
                var issued = await GrantAsync(db, userId, bucket, amount, category, source, expiresAt, priority, effectiveAt);
                var available = (long)amount;
                if (random.Next(4) == 0)
                {
                    var spent = random.Next(1, amount + 1);
                    await ledger.SubmitAsync(TransferSpec.Single(Guid.CreateVersion7(), issued.AccountId, SystemAccounts.RevenueRoutedId, spent, TransferCode.Charge));
                    available -= spent;
                }
                grants.Add(new OracleGrant(issued.GrantId, bucket, category, priority ?? AllocationOracle.DefaultPriority(bucket, category, source),
                    effectiveAt ?? now, expiresAt, now, available));
                accounts[issued.GrantId] = issued.AccountId;
                // Same-instant grants tie on age and fall back to id; others are ordered by age.
                if (random.Next(2) == 0) db.Time.Advance(TimeSpan.FromMilliseconds(random.Next(1, 5)));
            }

            db.Time.Advance(TimeSpan.FromMinutes(random.Next(0, 45)));
            foreach (var kind in new[] { RouteKind.Official, RouteKind.Routed })
            {
                var now = db.Time.GetUtcNow().UtcDateTime;
                var payable = grants.Where(g => AllocationOracle.Pays(g.Bucket, kind) && g.EffectiveAt <= now && (g.ExpiresAt is null || now < g.ExpiresAt)).Sum(g => g.Available);
                foreach (var amount in new[] { 1L, Math.Max(1, payable / 2), Math.Max(1, payable), payable + 1 })
                {
                    var expected = AllocationOracle.Allocate(grants, kind, now, amount);
                    var placed = await holds.PlaceAsync(userId, kind, amount, TimeSpan.FromMinutes(1), "oracle");
                    if (expected is null)
                    {
                        Assert.Equal(LedgerErrors.InsufficientBalance, placed.Error);
                        refused++;
                        continue;
                    }
                    Assert.True(placed.Succeeded, $"wallet {wallet} {kind} {amount}: {placed.Error}");
                    Assert.Equal(expected, placed.Value!.Parts.Select(p => (p.GrantId, p.Amount)).ToList());
                    Assert.All(placed.Value.Parts, p => Assert.Equal(accounts[p.GrantId], p.AccountId));
                    if (expected.Count > 1) multiPart++;
                    Assert.Equal(LedgerStatus.Created, (await holds.ReleaseAsync(placed.Value)).Status);
                }
            }
        }
        Assert.True(multiPart > 5 && refused > 5, $"too few interesting cases: {multiPart} split holds, {refused} refusals");
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task PlaceAsync_RoutedCharge_SpendsOfficialCreditOnlyWhenNothingNarrowerIsLeft()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        // Issued in the reverse of their consumption order, so age cannot explain the result.
        var official = await GrantAsync(db, userId, Bucket.Official, 1_000, GrantCategory.Paid, GrantSource.TopUp);
        var routed = await GrantAsync(db, userId, Bucket.Routed, 300, GrantCategory.Paid, GrantSource.TopUp);
        var promo = await GrantAsync(db, userId, Bucket.Routed, 200, GrantCategory.Promotional, GrantSource.Campaign);
        var starter = await GrantAsync(db, userId, Bucket.Starter, 100, GrantCategory.Promotional, GrantSource.Starter);
        var holds = db.Get<HoldService>();

        var narrow = (await holds.PlaceAsync(userId, RouteKind.Routed, 600, TimeSpan.FromMinutes(5), "r-1")).Value!;
        Assert.Equal([(starter.GrantId, 100L), (promo.GrantId, 200L), (routed.GrantId, 300L)], narrow.Parts.Select(p => (p.GrantId, p.Amount)).ToArray());
        Assert.Equal(new AccountCounters(0, 1_000, 0, 0), await CountersAsync(db, official.AccountId));
        await holds.ReleaseAsync(narrow);

        var wide = (await holds.PlaceAsync(userId, RouteKind.Routed, 650, TimeSpan.FromMinutes(5), "r-2")).Value!;
        Assert.Equal([(starter.GrantId, 100L), (promo.GrantId, 200L), (routed.GrantId, 300L), (official.GrantId, 50L)],
            wide.Parts.Select(p => (p.GrantId, p.Amount)).ToArray());
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task PlaceAsync_OfficialCharge_NeverTouchesRoutedOrStarterGrants()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var starter = await GrantAsync(db, userId, Bucket.Starter, 5_000, GrantCategory.Promotional, GrantSource.Starter);
        var routed = await GrantAsync(db, userId, Bucket.Routed, 5_000, GrantCategory.Paid, GrantSource.TopUp);
        var promoRouted = await GrantAsync(db, userId, Bucket.Routed, 5_000, GrantCategory.Promotional, GrantSource.Campaign);
        var official = await GrantAsync(db, userId, Bucket.Official, 400, GrantCategory.Paid, GrantSource.TopUp);
        var holds = db.Get<HoldService>();

        var fits = await holds.PlaceAsync(userId, RouteKind.Official, 400, TimeSpan.FromMinutes(5), "o-1");
        var tooMuch = await holds.PlaceAsync(userId, RouteKind.Official, 1, TimeSpan.FromMinutes(5), "o-2");

        Assert.Equal(official.GrantId, Assert.Single(fits.Value!.Parts).GrantId);
        Assert.Equal(LedgerErrors.InsufficientBalance, tooMuch.Error);
        foreach (var g in new[] { starter, routed, promoRouted })
            Assert.Equal(new AccountCounters(0, 5_000, 0, 0), await CountersAsync(db, g.AccountId));
    }

    [Fact]
    public async Task PlaceAsync_OfficialChargeWithoutOfficialCredit_IsInsufficientAndReservesNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var routed = await GrantAsync(db, userId, Bucket.Routed, 5_000);

        var placed = await db.Get<HoldService>().PlaceAsync(userId, RouteKind.Official, 10, TimeSpan.FromMinutes(5), "o-1");

        Assert.Equal(LedgerErrors.InsufficientBalance, placed.Error);
        Assert.Equal(new AccountCounters(0, 5_000, 0, 0), await CountersAsync(db, routed.AccountId));
        Assert.Equal(1, await TransferCountAsync(db));
    }

    [Fact]
    public async Task PlaceAsync_EqualPriority_SoonestExpiryThenNeverExpiringLastThenPromotionalThenOldest()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var now = db.Time.GetUtcNow().UtcDateTime;
        var neverPaid = await GrantAsync(db, userId, Bucket.Routed, 10, GrantCategory.Paid, priority: 50);
        var neverPromo = await GrantAsync(db, userId, Bucket.Routed, 10, GrantCategory.Promotional, priority: 50);
        db.Time.Advance(TimeSpan.FromSeconds(1));
        var lateOld = await GrantAsync(db, userId, Bucket.Routed, 10, GrantCategory.Paid, expiresAt: now.AddDays(9), priority: 50);
        db.Time.Advance(TimeSpan.FromSeconds(1));
        var lateNew = await GrantAsync(db, userId, Bucket.Routed, 10, GrantCategory.Paid, expiresAt: now.AddDays(9), priority: 50);
        var soon = await GrantAsync(db, userId, Bucket.Routed, 10, GrantCategory.Paid, expiresAt: now.AddDays(1), priority: 50);
        var first = await GrantAsync(db, userId, Bucket.Routed, 10, GrantCategory.Paid, expiresAt: now.AddDays(30), priority: 40);

        var hold = (await db.Get<HoldService>().PlaceAsync(userId, RouteKind.Routed, 60, TimeSpan.FromMinutes(5), "t")).Value!;

        Assert.Equal([first.GrantId, soon.GrantId, lateOld.GrantId, lateNew.GrantId, neverPromo.GrantId, neverPaid.GrantId],
            hold.Parts.Select(p => p.GrantId).ToArray());
    }
}
