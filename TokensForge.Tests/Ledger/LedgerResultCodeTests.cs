using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Ledger;

/// <summary>The ledger says why it refused, as precisely as TigerBeetle's result codes; a refusal moves nothing.</summary>
public sealed class LedgerResultCodeTests
{
    private static readonly Guid Revenue = SystemAccounts.RevenueRoutedId;

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task AFreshIdBatch_SkipsTheRead_ButAReusedIdIsStillRefusedByTheDatabase_AndMovesNothing(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var writer = db.Get<LedgerWriter>();
        var expiry = db.Time.GetUtcNow().UtcDateTime.AddMinutes(5);
        var hold = TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, Revenue, 100, TransferCode.Charge, expiry);

        async Task<LedgerOutcome> ApplyFreshAsync(TransferSpec spec)
        {
            await using var ctx = db.NewContext();
            await using var tx = await ctx.Database.BeginTransactionAsync();
            var outcome = await writer.ApplyAsync(ctx, Guid.CreateVersion7(), [spec], freshIds: true);
            await tx.CommitAsync();
            return outcome;
        }

        Assert.Equal(LedgerStatus.Created, (await ApplyFreshAsync(hold)).Status);
        // The same id again: without the read there is no "already applied" answer, so the primary key refuses it, as a race.
        var duplicate = await Assert.ThrowsAnyAsync<Exception>(() => ApplyFreshAsync(hold with { Amount = 200 }));
        Assert.True(DbRaces.IsRace(duplicate), duplicate.ToString());
        await using (var ctx = db.NewContext())
        {
            await using var tx = await ctx.Database.BeginTransactionAsync();
            await Assert.ThrowsAsync<ArgumentException>(() => writer.ApplyAsync(ctx, Guid.CreateVersion7(), [TransferSpec.Void(Guid.CreateVersion7(), hold.Id)], freshIds: true));
        }

        Assert.Equal(new AccountCounters(0, 1_000, 100, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(2, await TransferCountAsync(db));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task SubmitAsync_FlagsThatMakeNoTransfer_AreInvalidFlags_NotInvalidAmount()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var expiry = db.Time.GetUtcNow().UtcDateTime.AddMinutes(5);
        var hold = TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, Revenue, 100, TransferCode.Charge, expiry);
        await ledger.SubmitAsync(hold);
        var charge = TransferSpec.Single(Guid.CreateVersion7(), grant.AccountId, Revenue, 50, TransferCode.Charge);
        await ledger.SubmitAsync(charge);

        TransferSpec[] invalid =
        [
            charge with { Id = Guid.CreateVersion7(), Flags = TransferFlags.PostPending },
            charge with { Id = Guid.CreateVersion7(), Flags = TransferFlags.Pending | TransferFlags.VoidPending },
            TransferSpec.Post(Guid.CreateVersion7(), hold.Id, 10) with { Flags = TransferFlags.Pending },
            TransferSpec.Void(Guid.CreateVersion7(), hold.Id) with { Flags = TransferFlags.None },
            TransferSpec.Reverse(Guid.CreateVersion7(), charge.Id) with { Flags = TransferFlags.Pending },
            TransferSpec.Reverse(Guid.CreateVersion7(), charge.Id) with { PendingId = hold.Id, Flags = TransferFlags.VoidPending },
        ];
        foreach (var spec in invalid)
            Assert.Equal(LedgerErrors.InvalidFlags, (await ledger.SubmitAsync(spec)).Error);

        Assert.Equal(new AccountCounters(50, 1_000, 100, 0), await CountersAsync(db, grant.AccountId));
        Assert.Equal(3, await TransferCountAsync(db));
    }

    [Fact]
    public async Task SubmitAsync_ResolvingAResolvedHold_SaysHowItWasResolved()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var expiry = db.Time.GetUtcNow().UtcDateTime.AddMinutes(5);
        var posted = TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, Revenue, 100, TransferCode.Charge, expiry);
        var voided = TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, Revenue, 100, TransferCode.Charge, expiry);
        var expired = TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, Revenue, 100, TransferCode.Charge, expiry);
        await ledger.SubmitAsync(Guid.CreateVersion7(), [posted, voided, expired]);
        Assert.Equal(LedgerStatus.Created, (await ledger.SubmitAsync(TransferSpec.Post(Guid.CreateVersion7(), posted.Id, 60))).Status);
        Assert.Equal(LedgerStatus.Created, (await ledger.SubmitAsync(TransferSpec.Void(Guid.CreateVersion7(), voided.Id))).Status);
        db.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(LedgerStatus.Created, (await ledger.SubmitAsync(TransferSpec.ExpireHold(Guid.CreateVersion7(), expired.Id))).Status);

        foreach (var (hold, expected) in new[]
                 {
                     (posted, LedgerErrors.PendingAlreadyPosted),
                     (voided, LedgerErrors.PendingAlreadyVoided),
                     (expired, LedgerErrors.PendingAlreadyExpired),
                 })
        {
            Assert.Equal(expected, (await ledger.SubmitAsync(TransferSpec.Void(Guid.CreateVersion7(), hold.Id))).Error);
            Assert.Equal(expected, (await ledger.SubmitAsync(TransferSpec.Post(Guid.CreateVersion7(), hold.Id, 1))).Error);
            Assert.Equal(expected, (await ledger.SubmitAsync(TransferSpec.ExpireHold(Guid.CreateVersion7(), hold.Id))).Error);
            // A caller that only wants the hold closed takes each of the three as done.
            Assert.True(LedgerErrors.IsAlreadyResolved(expected));
        }
        Assert.False(LedgerErrors.IsAlreadyResolved(LedgerErrors.PendingNotFound));
        Assert.Equal(new AccountCounters(60, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
        await AssertVerifiedAsync(db);
    }

    [Fact]
    public async Task SubmitAsync_ReplayThatNamesAnotherHold_IsExistsWithDifferentPendingId()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var expiry = db.Time.GetUtcNow().UtcDateTime.AddMinutes(5);
        var first = TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, Revenue, 100, TransferCode.Charge, expiry);
        var second = TransferSpec.Pending(Guid.CreateVersion7(), grant.AccountId, Revenue, 100, TransferCode.Charge, expiry);
        await ledger.SubmitAsync(Guid.CreateVersion7(), [first, second]);
        var voiding = TransferSpec.Void(Guid.CreateVersion7(), first.Id);
        await ledger.SubmitAsync(voiding);

        var replay = await ledger.SubmitAsync(voiding with { PendingId = second.Id });

        Assert.Equal(LedgerErrors.ExistsWithDifferentPendingId, replay.Error);
        Assert.Equal(new AccountCounters(0, 1_000, 100, 0), await CountersAsync(db, grant.AccountId));
    }

    [Fact]
    public async Task SubmitAsync_ReplayOfPartOfABatchWithANewTransfer_IsExistsWithDifferentBatch()
    {
        await using var db = await TestDatabase.CreateAsync();
        var grant = await GrantAsync(db, await db.AddUserAsync(), Bucket.Routed, 1_000);
        var ledger = db.Get<LedgerService>();
        var txId = Guid.CreateVersion7();
        var charge = TransferSpec.Single(Guid.CreateVersion7(), grant.AccountId, Revenue, 100, TransferCode.Charge);
        await ledger.SubmitAsync(txId, [charge]);

        var longer = await ledger.SubmitAsync(txId, [charge, TransferSpec.Single(Guid.CreateVersion7(), grant.AccountId, Revenue, 200, TransferCode.Charge)]);

        Assert.Equal((LedgerErrors.ExistsWithDifferentBatch, 1), (longer.Error, longer.FailedIndex));
        Assert.Equal(new AccountCounters(100, 1_000, 0, 0), await CountersAsync(db, grant.AccountId));
    }
}
