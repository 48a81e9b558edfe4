using TokensForge.Core.Gateway.Responses;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Gateway.Responses;

/// <summary>Stored responses are their owner's, until they expire.</summary>
public sealed class ResponseStoreTests
{
    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task Find_OwnersUntilRetentionEnds_ThenNotFound_AndExpiredRowsAreDeletedOnTheNextSave(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var database = await TestDatabase.CreateAsync(provider);
        var store = database.Get<ResponseStore>();
        var owner = await database.AddUserAsync();
        var other = await database.AddUserAsync();
        // As the receipt keeps it: inside a write transaction.
        Task SaveAsync(string id) => database.Get<Core.Data.WriteTransaction>().RunAsync(async (db, ct) =>
        {
            await store.SaveAsync(db, id, owner, Guid.NewGuid(), "{}", "[]", ct);
            return Core.Data.Write.Commit(true);
        });

        await SaveAsync("resp_one");
        var found = await store.FindAsync("resp_one", owner, CancellationToken.None);
        var strangers = await store.FindAsync("resp_one", other, CancellationToken.None);
        database.Time.Advance(TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1));
        var lastSecond = await store.FindAsync("resp_one", owner, CancellationToken.None);
        database.Time.Advance(TimeSpan.FromSeconds(1));
        var expired = await store.FindAsync("resp_one", owner, CancellationToken.None);
        await SaveAsync("resp_two");

        Assert.NotNull(found);
        Assert.Null(strangers);
        Assert.NotNull(lastSecond);
        Assert.Null(expired);
        await using var db = database.NewContext();
        Assert.Equal(["resp_two"], db.StoredResponses.Select(r => r.Id).ToList());
    }
}
