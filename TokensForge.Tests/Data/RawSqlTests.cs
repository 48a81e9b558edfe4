using Microsoft.EntityFrameworkCore;
using Npgsql;
using TokensForge.Core.Data;
using TokensForge.Core.Gateway;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Data;

/// <summary>
/// Kept commands (the group committer's connection reuses its statements): every use binds its own values, also when the
/// server has prepared the statement, where Npgsql binds the parameter objects it saw when preparing.
/// </summary>
public sealed class RawSqlTests
{
    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task AKeptCommand_WritesEachUsesOwnValues_AlsoOnceTheServerHasPreparedIt(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var user = await db.AddUserAsync();
        var now = db.Time.GetUtcNow().UtcDateTime;
        var records = Enumerable.Range(0, 4).Select(i => new IdempotencyRecord(Guid.CreateVersion7(), user, $"key-{i}", "hash", Guid.CreateVersion7(), false, now)).ToList();
        await using (var seed = db.NewContext())
        {
            seed.IdempotencyRecords.AddRange(records);
            await seed.SaveChangesAsync();
        }

        await using (var ctx = db.NewContext())
        {
            // Prepared from its first use on, as a connection string with Max Auto Prepare would have it.
            if (provider == TestProvider.Postgres)
                ctx.Database.SetConnectionString(new NpgsqlConnectionStringBuilder(db.ConnectionString) { MaxAutoPrepare = 16, AutoPrepareMinUsages = 1 }.ToString());
            await ctx.Database.OpenConnectionAsync();
            var connection = ctx.Database.GetDbConnection();
            RawSql.KeepCommands(connection);
            try
            {
                await using var tx = await ctx.Database.BeginTransactionAsync();
                // The same statement four times on one connection; a null status between values, so a kept parameter goes null and back.
                for (var i = 0; i < records.Count; i++)
                    await IdempotencyStore.CompleteAsync(ctx, records[i].Id, i == 2 ? null : 200 + i, $"body-{i}", 1_000 * (i + 1), now.AddSeconds(i), default);
                await tx.CommitAsync();
            }
            finally
            {
                RawSql.ForgetCommands(connection);
            }
        }

        await using var read = db.NewContext();
        var stored = await read.IdempotencyRecords.Where(r => r.UserId == user).OrderBy(r => r.Key).ToListAsync();
        Assert.Equal(records.Count, stored.Count);
        for (var i = 0; i < stored.Count; i++)
        {
            Assert.Equal(IdempotencyState.Completed, stored[i].State);
            Assert.Equal(i == 2 ? null : 200 + i, stored[i].StatusCode);
            Assert.Equal($"body-{i}", stored[i].ResponseBody);
            Assert.Equal(1_000 * (i + 1), stored[i].Cost);
            Assert.Equal(now.AddSeconds(i), stored[i].CompletedAt);
        }
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task QueuedWrites_AreSeenByLaterQueries_FailWhereTheyAreSent_AndAreCommitted(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var user = await db.AddUserAsync();
        var now = db.Time.GetUtcNow().UtcDateTime;
        var records = Enumerable.Range(0, 3).Select(i => new IdempotencyRecord(Guid.CreateVersion7(), user, $"key-{i}", "hash", Guid.CreateVersion7(), false, now)).ToList();
        await using (var seed = db.NewContext())
        {
            seed.IdempotencyRecords.AddRange(records);
            await seed.SaveChangesAsync();
        }

        await using (var ctx = db.NewContext())
        {
            await ctx.Database.OpenConnectionAsync();
            var connection = ctx.Database.GetDbConnection();
            RawSql.KeepCommands(connection);
            try
            {
                // PostgreSQL queues the write (SQLite runs it at once); EF's next query on the connection must see it all the same.
                await using (var tx = await ctx.Database.BeginTransactionAsync())
                {
                    await IdempotencyStore.CompleteAsync(ctx, records[0].Id, 200, "body-0", 10, now, default);
                    Assert.Equal(provider == TestProvider.Postgres, RawSql.Queues(ctx));
                    Assert.Equal(IdempotencyState.Completed, await ctx.IdempotencyRecords.Where(r => r.Id == records[0].Id).Select(r => r.State).SingleAsync());

                    // A queued insert the primary key refuses fails where the queue is sent, as a race, like a direct one.
                    var duplicate = new IdempotencyRecord(records[1].Id, user, "key-dup", "hash", Guid.CreateVersion7(), false, now);
                    var refused = await Record.ExceptionAsync(async () =>
                    {
                        await BulkInsert.InsertAsync(ctx, [duplicate]);
                        await RawSql.FlushAsync(ctx, default);
                    });
                    Assert.NotNull(refused);
                    Assert.True(DbRaces.IsRace(refused), refused.ToString());
                    await tx.RollbackAsync();
                }

                // A write still queued when the transaction commits is sent before the commit.
                await using (var tx = await ctx.Database.BeginTransactionAsync())
                {
                    await IdempotencyStore.CompleteAsync(ctx, records[2].Id, 202, "body-2", 30, now, default);
                    await tx.CommitAsync();
                }
            }
            finally
            {
                RawSql.ForgetCommands(connection);
            }
        }

        await using var read = db.NewContext();
        var stored = await read.IdempotencyRecords.Where(r => r.UserId == user).OrderBy(r => r.Key).ToListAsync();
        Assert.Equal(["key-0", "key-1", "key-2"], stored.Select(r => r.Key));
        // The first transaction rolled back (with its completed record); the second committed its queued write.
        Assert.Equal([IdempotencyState.InFlight, IdempotencyState.InFlight, IdempotencyState.Completed], stored.Select(r => r.State));
        Assert.Equal("body-2", stored[2].ResponseBody);
    }
}
