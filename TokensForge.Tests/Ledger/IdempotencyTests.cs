using TokensForge.Core.Common;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Ledger;

/// <summary>DESIGN §3 invariant 8: the same id never moves money twice; the same id with a different body is refused.</summary>
public sealed class IdempotencyTests
{
    private static readonly Guid Revenue = SystemAccounts.RevenueRoutedId;

    [Fact]
    public async Task SubmitAsync_SameSingleSpecTwice_MovesMoneyOnce()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var spec = TransferSpec.Single(Guid.CreateVersion7(), grant.AccountId, Revenue, 300, TransferCode.Charge, "receipt-1");

        var first = await ledger.SubmitAsync(spec);
        var second = await ledger.SubmitAsync(spec);

        Assert.Equal(LedgerStatus.Created, first.Status);
        Assert.Equal(LedgerStatus.AlreadyApplied, second.Status);
        Assert.Equal(new AccountCounters(300, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(2, await TransferCountAsync(db));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task SubmitAsync_SameBatchTwice_MovesMoneyOnce()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var txId = Guid.CreateVersion7();
        TransferSpec[] batch =
        [
            TransferSpec.Single(Guid.CreateVersion7(), grant.AccountId, Revenue, 100, TransferCode.Charge),
            TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, Revenue, 200, TransferCode.Charge, db.Time.GetUtcNow().UtcDateTime.AddMinutes(5)),
        ];

        Assert.Equal(LedgerStatus.Created, (await ledger.SubmitAsync(txId, batch)).Status);
        Assert.Equal(LedgerStatus.AlreadyApplied, (await ledger.SubmitAsync(txId, batch)).Status);
        Assert.Equal(LedgerStatus.AlreadyApplied, (await ledger.SubmitAsync(txId, [batch[1]])).Status);

        Assert.Equal(new AccountCounters(100, 1_000, 200, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(3, await TransferCountAsync(db));
    }

    [Fact]
    public async Task SubmitAsync_SameIdWithDifferentBody_IsRefusedAndMovesNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var grant = await GrantAsync(db, userId, Bucket.Routed, 1_000);
        var other = await GrantAsync(db, userId, Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var id = Guid.CreateVersion7();
        var txId = Guid.CreateVersion7();
        var original = TransferSpec.Single(id, grant.AccountId, Revenue, 300, TransferCode.Charge, "receipt-1");
        Assert.Equal(LedgerStatus.Created, (await ledger.SubmitAsync(txId, [original])).Status);
        var expiry = db.Time.GetUtcNow().UtcDateTime.AddMinutes(5);

        (TransferSpec Variant, Error Expected)[] variants =
        [
            (original with { Amount = 301 }, LedgerErrors.ExistsWithDifferentAmount),
            (original with { CreditAccountId = SystemAccounts.ResearchId }, LedgerErrors.ExistsWithDifferentCreditAccount),
            (original with { DebitAccountId = other.AccountId }, LedgerErrors.ExistsWithDifferentDebitAccount),
            (original with { Code = TransferCode.Refund }, LedgerErrors.ExistsWithDifferentCode),
            (original with { Reference = "receipt-2" }, LedgerErrors.ExistsWithDifferentReference),
            (TransferSpec.Pending(id, grant.AccountId, Revenue, 300, TransferCode.Charge, expiry, "receipt-1"), LedgerErrors.ExistsWithDifferentFlags),
        ];
        foreach (var (variant, expected) in variants)
        {
            var outcome = await ledger.SubmitAsync(txId, [variant]);
            Assert.Equal(LedgerStatus.Failed, outcome.Status);
            Assert.Equal(expected, outcome.Error);
        }
        // The same body under another transaction id is another request too.
        Assert.Equal(LedgerErrors.ExistsWithDifferentTransaction, (await ledger.SubmitAsync(Guid.CreateVersion7(), [original])).Error);

        Assert.Equal(new AccountCounters(300, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(new AccountCounters(0, 1_000, 0, 0), await CountersAsync(db, other.AccountId));
        Assert.Equal(3, await TransferCountAsync(db));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task SubmitAsync_HoldWithSameIdButOtherTimeout_IsRefused()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var now = db.Time.GetUtcNow().UtcDateTime;
        var hold = TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, Revenue, 400, TransferCode.Charge, now.AddMinutes(5));
        Assert.Equal(LedgerStatus.Created, (await ledger.SubmitAsync(hold)).Status);

        Assert.Equal(LedgerStatus.AlreadyApplied, (await ledger.SubmitAsync(hold)).Status);
        var longer = await ledger.SubmitAsync(hold with { ExpiresAt = now.AddHours(5) });

        Assert.Equal(LedgerErrors.ExistsWithDifferentExpiry, longer.Error);
        Assert.Equal(new AccountCounters(0, 1_000, 400, 0), await CountersAsync(db, grant.AccountId));
    }

    [Fact]
    public async Task SubmitAsync_PostAndVoidReplays_ResolveTheHoldOnce()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var holdId = Guid.CreateVersion7();
        await ledger.SubmitAsync(TransferSpec.Pending(holdId, grant.AccountId, Revenue, 400, TransferCode.Charge, db.Time.GetUtcNow().UtcDateTime.AddMinutes(5)));
        var post = TransferSpec.Post(Guid.CreateVersion7(), holdId, 250, "receipt-9");

        Assert.Equal(LedgerStatus.Created, (await ledger.SubmitAsync(post)).Status);
        Assert.Equal(LedgerStatus.AlreadyApplied, (await ledger.SubmitAsync(post)).Status);
        Assert.Equal(LedgerErrors.ExistsWithDifferentAmount, (await ledger.SubmitAsync(post with { Amount = 300 })).Error);
        Assert.Equal(LedgerErrors.ExistsWithDifferentFlags, (await ledger.SubmitAsync(TransferSpec.Void(post.Id, holdId))).Error);
        Assert.Equal(LedgerErrors.PendingAlreadyPosted, (await ledger.SubmitAsync(TransferSpec.Void(Guid.CreateVersion7(), holdId))).Error);
        Assert.Equal(LedgerErrors.PendingAlreadyPosted, (await ledger.SubmitAsync(TransferSpec.Post(Guid.CreateVersion7(), holdId, 100))).Error);

        Assert.Equal(new AccountCounters(250, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(new AccountCounters(0, 250, 0, 0), await CountersAsync(db, Revenue));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task SubmitAsync_ReversalReplays_ReverseOnce()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var charge = TransferSpec.Single(Guid.CreateVersion7(), grant.AccountId, Revenue, 600, TransferCode.Charge);
        await ledger.SubmitAsync(charge);
        var reversal = TransferSpec.Reverse(Guid.CreateVersion7(), charge.Id, "refund-1");

        Assert.Equal(LedgerStatus.Created, (await ledger.SubmitAsync(reversal)).Status);
        Assert.Equal(LedgerStatus.AlreadyApplied, (await ledger.SubmitAsync(reversal)).Status);
        Assert.Equal(LedgerErrors.ExistsWithDifferentReference, (await ledger.SubmitAsync(reversal with { Reference = "refund-2" })).Error);
        Assert.Equal(LedgerErrors.AlreadyReversed, (await ledger.SubmitAsync(TransferSpec.Reverse(Guid.CreateVersion7(), charge.Id))).Error);

        Assert.Equal(new AccountCounters(600, 1_600, 0, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(new AccountCounters(600, 600, 0, 0), await CountersAsync(db, Revenue));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task IssueAsync_SameTransferIdTwice_IssuesOneGrant()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var transferId = Guid.CreateVersion7();
        var request = new GrantRequest(userId, Bucket.Starter, 5_000, GrantCategory.Promotional, GrantSource.Starter, "Welcome credit",
            SystemAccounts.AdjustmentsId, TransferCode.Grant);

        var first = await TryGrantAsync(db, request, transferId);
        var replay = await TryGrantAsync(db, request, transferId);
        var different = await TryGrantAsync(db, request with { Amount = 6_000 }, transferId);
        var otherBucket = await TryGrantAsync(db, request with { BucketKey = Bucket.Official }, transferId);
        var otherExpiry = await TryGrantAsync(db, request with { ExpiresAt = db.Time.GetUtcNow().UtcDateTime.AddDays(1) }, transferId);

        Assert.True(first.Succeeded);
        Assert.True(replay.Succeeded);
        Assert.Equal(first.Value!.GrantId, replay.Value!.GrantId);
        Assert.Equal(first.Value.TxId, replay.Value.TxId);
        Assert.Equal(LedgerErrors.ExistsWithDifferentAmount, different.Error);
        Assert.Equal(LedgerErrors.ExistsWithDifferentBucket, otherBucket.Error);
        Assert.Equal(LedgerErrors.ExistsWithDifferentExpiry, otherExpiry.Error);
        await using var ctx = db.NewContext();
        Assert.Equal(1, ctx.CreditGrants.Count(g => g.UserId == userId));
        Assert.Equal(new AccountCounters(5_000, 0, 0, 0), await CountersAsync(db, SystemAccounts.AdjustmentsId));
        await AssertVerifiedAsync(db);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task SubmitAsync_TwentyConcurrentDuplicates_MoveMoneyOnce(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var spec = TransferSpec.Single(Guid.CreateVersion7(), grant.AccountId, Revenue, 700, TransferCode.Charge, "receipt-1");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => ledger.SubmitAsync(spec))));

        Assert.Single(outcomes, o => o.Status == LedgerStatus.Created);
        Assert.All(outcomes.Where(o => o.Status != LedgerStatus.Created), o => Assert.Equal(LedgerStatus.AlreadyApplied, o.Status));
        Assert.Equal(new AccountCounters(700, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(2, await TransferCountAsync(db));
        await AssertVerifiedAsync(db);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task SubmitAsync_TwentyConcurrentResolutionsOfOneHold_ResolveItOnce(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var holdId = Guid.CreateVersion7();
        await ledger.SubmitAsync(TransferSpec.Pending(holdId, grant.AccountId, Revenue, 500, TransferCode.Charge, db.Time.GetUtcNow().UtcDateTime.AddMinutes(5)));

        // Different ids, so none is a replay: half try to post 400, half try to void.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => ledger.SubmitAsync(
            i % 2 == 0 ? TransferSpec.Post(Guid.CreateVersion7(), holdId, 400) : TransferSpec.Void(Guid.CreateVersion7(), holdId)))));

        Assert.Single(outcomes, o => o.Status == LedgerStatus.Created);
        var counters = await CountersAsync(db, grant.AccountId);
        // Every loser is told how the winner resolved the hold.
        var won = counters.DebitsPosted == 400 ? LedgerErrors.PendingAlreadyPosted : LedgerErrors.PendingAlreadyVoided;
        Assert.All(outcomes.Where(o => o.Status != LedgerStatus.Created), o => Assert.Equal(won, o.Error));
        Assert.Equal(0, counters.DebitsPending);
        Assert.Contains(counters.DebitsPosted, new long[] { 0, 400 });
        Assert.Equal(3, await TransferCountAsync(db));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task PlaceAsync_Replay_OfHoldPartsIsAlreadyApplied()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        await GrantAsync(db, userId, Bucket.Starter, 300, GrantCategory.Promotional, GrantSource.Starter);
        await GrantAsync(db, userId, Bucket.Routed, 1_000);
        var placed = await db.Get<HoldService>().PlaceAsync(userId, RouteKind.Routed, 800, TimeSpan.FromMinutes(5), "req-1");
        Assert.True(placed.Succeeded);
        var hold = placed.Value!;
        var specs = hold.Parts.Select(p => TransferSpec.Pending(p.PendingTransferId, p.AccountId, Revenue, p.Amount, TransferCode.Charge, hold.ExpiresAt, "req-1")).ToList();

        var replay = await db.Get<LedgerService>().SubmitAsync(hold.TxId, specs);

        Assert.Equal(LedgerStatus.AlreadyApplied, replay.Status);
        Assert.Equal(new AccountCounters(0, 0, 0, 800), await CountersAsync(db, Revenue));
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task IssueAsync_TenConcurrentIssuesWithOneTransferId_FundOneGrant(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var userId = await db.AddUserAsync();
        var transferId = Guid.CreateVersion7();
        var request = new GrantRequest(userId, Bucket.Routed, 9_000, GrantCategory.Paid, GrantSource.TopUp, "Top-up #1",
            SystemAccounts.PaymentsClearingId, TransferCode.TopUp);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => TryGrantAsync(db, request, transferId))));

        await using var ctx = db.NewContext();
        var grant = Assert.Single(ctx.CreditGrants.Where(g => g.UserId == userId).ToList());
        Assert.Contains(results, r => r.Succeeded);
        // A loser either sees the winner's grant or (PostgreSQL, when both got past the replay check) is refused because the
        // winner's transfer credits another grant account than its own; never a second grant.
        Assert.All(results, r => Assert.True(r.Succeeded ? r.Value!.GrantId == grant.Id : r.Error == LedgerErrors.ExistsWithDifferentCreditAccount, r.Error?.ToString()));
        Assert.Equal(new AccountCounters(0, 9_000, 0, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(new AccountCounters(9_000, 0, 0, 0), await CountersAsync(db, SystemAccounts.PaymentsClearingId));
        Assert.Equal(1, await TransferCountAsync(db));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task SubmitAsync_OneBatchResolvingAHoldTwice_IsRefusedAndMovesNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var expiry = db.Time.GetUtcNow().UtcDateTime.AddMinutes(5);
        var holdId = Guid.CreateVersion7();
        await ledger.SubmitAsync(TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, Revenue, 300, TransferCode.Charge, expiry));
        await ledger.SubmitAsync(TransferSpec.Pending(holdId, grant.AccountId, Revenue, 200, TransferCode.Charge, expiry));
        var charge = TransferSpec.Single(Guid.CreateVersion7(), grant.AccountId, Revenue, 100, TransferCode.Charge);
        await ledger.SubmitAsync(charge);

        var twice = await ledger.SubmitAsync(Guid.CreateVersion7(), [TransferSpec.Post(Guid.CreateVersion7(), holdId, 150), TransferSpec.Void(Guid.CreateVersion7(), holdId)]);
        var reverseTwice = await ledger.SubmitAsync(Guid.CreateVersion7(), [TransferSpec.Reverse(Guid.CreateVersion7(), charge.Id), TransferSpec.Reverse(Guid.CreateVersion7(), charge.Id)]);

        Assert.Equal((LedgerErrors.PendingAlreadyPosted, 1), (twice.Error, twice.FailedIndex));
        Assert.Equal((LedgerErrors.AlreadyReversed, 1), (reverseTwice.Error, reverseTwice.FailedIndex));
        Assert.Equal(new AccountCounters(100, 1_000, 500, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(4, await TransferCountAsync(db));
        await AssertVerifiedAsync(db);
    }
}
