using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Data;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Data;

/// <summary>
/// Group commit: units of work of many callers share one transaction, each behind its own savepoint, so a unit that
/// rolls back or throws undoes only its own writes and the others commit; nobody is answered before the commit.
/// </summary>
public sealed class WriteTransactionTests
{
    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task OneBatch_UnitsThatRollBackOrThrowLeaveNothing_TheOthersCommit(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var user = await db.AddUserAsync();
        var writes = db.Get<WriteTransaction>();
        var now = db.Time.GetUtcNow().UtcDateTime;

        // The first unit holds the writer until the others are queued, so they all land in the next batch.
        var (gate, blocker) = await WriterGate.HoldAsync(writes);
        var units = Enumerable.Range(0, 20).Select(i => writes.RunAsync(async (ctx, token) =>
        {
            ctx.IdempotencyRecords.Add(new IdempotencyRecord(Guid.CreateVersion7(), user, $"key-{i}", "hash", Guid.CreateVersion7(), false, now));
            await ctx.SaveChangesAsync(token);
            if (i == 7) throw new InvalidOperationException("unit 7 breaks after writing");
            return i % 5 == 3 ? Write.Rollback(i) : Write.Commit(i);
        })).ToList();
        gate.SetResult();
        await blocker;
        var broken = await Assert.ThrowsAsync<InvalidOperationException>(() => units[7]);
        var answered = await Task.WhenAll(units.Where((_, i) => i != 7));

        Assert.Equal("unit 7 breaks after writing", broken.Message);
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i != 7), answered);
        Assert.True(writes.LargestBatch >= 19, $"largest batch {writes.LargestBatch}");
        await using var read = db.NewContext();
        var kept = await read.IdempotencyRecords.Where(r => r.UserId == user).Select(r => r.Key).ToListAsync();
        var expected = Enumerable.Range(0, 20).Where(i => i != 7 && i % 5 != 3).Select(i => $"key-{i}");
        Assert.Equal(expected.Order(), kept.Order());
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task OneBatch_AUnitWhoseQueuedInsertIsRefused_IsUndoneAlone_AndARollbackLeavesNothingOfIt(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var user = await db.AddUserAsync();
        var writes = db.Get<WriteTransaction>();
        var now = db.Time.GetUtcNow().UtcDateTime;
        var taken = new IdempotencyRecord(Guid.CreateVersion7(), user, "taken", "hash", Guid.CreateVersion7(), false, now);
        await using (var seed = db.NewContext())
        {
            seed.IdempotencyRecords.Add(taken);
            await seed.SaveChangesAsync();
        }
        IdempotencyRecord NewRecord(string key, Guid? id = null) => new(id ?? Guid.CreateVersion7(), user, key, "hash", Guid.CreateVersion7(), false, now);

        var (gate, blocker) = await WriterGate.HoldAsync(writes);
        // Raw inserts, which the PostgreSQL writer queues until the unit's end; unit 4's second one reuses a stored id.
        var units = Enumerable.Range(0, 10).Select(i => writes.RunAsync(async (ctx, token) =>
        {
            await BulkInsert.InsertAsync(ctx, [NewRecord($"key-{i}")], token);
            if (i == 4) await BulkInsert.InsertAsync(ctx, [NewRecord("key-4-dup", taken.Id)], token);
            return i == 6 ? Write.Rollback(i) : Write.Commit(i);
        }, attempts: 1)).ToList();
        gate.SetResult();
        await blocker;
        var refused = await Record.ExceptionAsync(() => units[4]);
        var answered = await Task.WhenAll(units.Where((_, i) => i != 4));

        Assert.NotNull(refused);
        Assert.True(DbRaces.IsRace(refused), refused.ToString());
        Assert.Equal(Enumerable.Range(0, 10).Where(i => i != 4), answered);
        Assert.True(writes.LargestBatch >= 9, $"largest batch {writes.LargestBatch}");
        await using var read = db.NewContext();
        var kept = await read.IdempotencyRecords.Where(r => r.UserId == user).Select(r => r.Key).ToListAsync();
        var expected = Enumerable.Range(0, 10).Where(i => i is not (4 or 6)).Select(i => $"key-{i}").Append("taken");
        Assert.Equal(expected.Order(), kept.Order());
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task HoldsInOneBatch_ThoseTheWalletCannotPayAreRefused_NothingOfThemRemains_TheOthersAreHeld(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var email = $"batch-{Guid.NewGuid():N}@test.local";
        var user = await db.AddUserAsync(email);
        var granted = await db.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest(email, Bucket.Routed, 10_000, null, "test", "test"));
        Assert.True(granted.Succeeded, granted.Error?.ToString());
        var writes = db.Get<WriteTransaction>();
        var holds = db.Get<HoldService>();

        var (gate, blocker) = await WriterGate.HoldAsync(writes);
        // 3 + 4 + 3 fit the 10,000 µ in order; the 4 between them each ask for more than what is left at their turn.
        long[] asks = [3_000, 4_000, 9_000, 9_000, 3_000, 5_000, 4_000];
        var placed = asks.Select((a, i) => holds.PlaceAsync(user, RouteKind.Routed, a, TimeSpan.FromMinutes(5), $"batch-{i}")).ToList();
        gate.SetResult();
        await blocker;
        var results = await Task.WhenAll(placed);

        Assert.Equal([true, true, false, false, true, false, false], results.Select(r => r.Succeeded));
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(LedgerErrors.InsufficientBalance, r.Error));
        Assert.True(writes.LargestBatch >= asks.Length);
        await using var read = db.NewContext();
        var pending = await read.Transfers.Where(t => t.Flags == TransferFlags.Pending && t.Reference!.StartsWith("batch-")).Select(t => t.Reference).ToListAsync();
        Assert.Equal(["batch-0", "batch-1", "batch-4"], pending.Order());
        var verified = await db.Get<LedgerVerifier>().VerifyAsync();
        Assert.True(verified.Ok, string.Join("\n", verified.Discrepancies));
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task KeySpendReservationsInOneBatch_NeverPassTheKeysLimit_TheRefusedLeaveNoRow(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var user = await db.AddUserAsync();
        var created = await db.Get<ApiKeyService>().CreateAsync(user, "limited", new ApiKeyPolicy(SpendLimit: 10_000));
        var keyId = created.Value!.Key.Id;
        var writes = db.Get<WriteTransaction>();
        var expires = db.Time.GetUtcNow().UtcDateTime.AddMinutes(5);

        var (gate, blocker) = await WriterGate.HoldAsync(writes);
        var reserved = Enumerable.Range(0, 12).Select(_ => writes.RunAsync(async (ctx, token) =>
        {
            var ok = await ApiKeySpend.TryReserveAsync(ctx, keyId, Guid.CreateVersion7(), 3_000, expires, token);
            return ok ? Write.Commit(true) : Write.Rollback(false);
        })).ToList();
        gate.SetResult();
        await blocker;
        var answers = await Task.WhenAll(reserved);

        Assert.True(writes.LargestBatch >= 12, $"largest batch {writes.LargestBatch}");
        Assert.Equal(3, answers.Count(a => a));
        await using var read = db.NewContext();
        var key = await read.ApiKeys.SingleAsync(k => k.Id == keyId);
        Assert.Equal(9_000, key.SpendReserved);
        Assert.Equal(3, await read.ApiKeyReservations.CountAsync(r => r.KeyId == keyId));
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task IdempotencyClaimsInOneBatch_TheFirstClaims_TheOthersAreToldItIsInUse(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var user = await db.AddUserAsync();
        var writes = db.Get<WriteTransaction>();
        var store = db.Get<IdempotencyStore>();

        var (gate, blocker) = await WriterGate.HoldAsync(writes);
        var claims = Enumerable.Range(0, 10).Select(_ => store.ClaimAsync(user, "retry-1", "same-body", Guid.CreateVersion7(), false, CancellationToken.None)).ToList();
        gate.SetResult();
        await blocker;
        var answers = await Task.WhenAll(claims);

        Assert.True(writes.LargestBatch >= 10, $"largest batch {writes.LargestBatch}");
        Assert.Single(answers.OfType<IdempotencyClaim.Claimed>());
        Assert.All(answers.OfType<IdempotencyClaim.Refused>(), r => Assert.Equal(GatewayErrors.IdempotencyKeyInUse, r.Error));
        Assert.Equal(9, answers.OfType<IdempotencyClaim.Refused>().Count());
        await using var read = db.NewContext();
        Assert.Equal(1, await read.IdempotencyRecords.CountAsync(r => r.UserId == user && r.Key == "retry-1"));
    }
}
