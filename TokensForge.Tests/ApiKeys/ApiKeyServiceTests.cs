using TokensForge.Core.ApiKeys;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.ApiKeys;

public sealed class ApiKeyServiceTests
{
    [Fact]
    public void Generate_MakesDistinctBase62SecretsOfFixedLength()
    {
        var secrets = Enumerable.Range(0, 200).Select(_ => ApiKeySecret.Generate()).ToList();

        Assert.All(secrets, s => Assert.Matches("^tf-[0-9A-Za-z]{43}$", s));
        Assert.All(secrets, s => Assert.True(ApiKeySecret.LooksValid(s)));
        Assert.Equal(200, secrets.Distinct().Count());
    }

    [Fact]
    public async Task Create_ListsTheKeyWithPrefixAndPolicy_NeverTheSecret()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var userId = await db.AddUserAsync();

        var created = await db.Get<ApiKeyService>().CreateAsync(userId, "  laptop  ",
            new ApiKeyPolicy(Models: ["gpt-4o"], SpendLimit: 5_000_000, RoutePreference: RoutePreference.Routed, RequestsPerMinute: 60));
        var listed = Assert.Single(await db.Get<ApiKeyService>().ListAsync(userId));

        Assert.True(created.Succeeded);
        Assert.Equal("laptop", listed.Name);
        Assert.Equal(created.Value!.Secret[..11], listed.Prefix);
        Assert.Equal(["gpt-4o"], listed.AllowedModels);
        Assert.Equal(5_000_000, listed.SpendLimit);
        Assert.Equal(RoutePreference.Routed, listed.RoutePreference);
        Assert.Equal(60, listed.RequestsPerMinute);
        Assert.Equal(ApiKeyStatus.Active, listed.Status);
        Assert.Equal(0, listed.Spent);
    }

    [Fact]
    public async Task Create_InvalidPolicies_AreRefused()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var keys = db.Get<ApiKeyService>();
        var past = db.Time.GetUtcNow().UtcDateTime.AddMinutes(-1);

        Assert.Equal(ApiKeyErrors.NameRequired, (await keys.CreateAsync(userId, " ", new ApiKeyPolicy())).Error);
        Assert.Equal(ApiKeyErrors.ExpiryInPast, (await keys.CreateAsync(userId, "k", new ApiKeyPolicy(ExpiresAt: past))).Error);
        Assert.Equal(ApiKeyErrors.InvalidSpendLimit, (await keys.CreateAsync(userId, "k", new ApiKeyPolicy(SpendLimit: 0))).Error);
        Assert.Equal(ApiKeyErrors.InvalidRateLimit, (await keys.CreateAsync(userId, "k", new ApiKeyPolicy(RequestsPerMinute: 0))).Error);
        Assert.Equal("unknown_model", (await keys.CreateAsync(userId, "k", new ApiKeyPolicy(Models: ["nope"]))).Error!.Code);
        Assert.Empty(await keys.ListAsync(userId));
    }

    [Fact]
    public async Task Revoke_InThisInstance_IsRefusedAtOnce()
    {
        await using var db = await TestDatabase.CreateAsync();
        var owner = await db.AddUserAsync();
        var created = (await db.Get<ApiKeyService>().CreateAsync(owner, "k", new ApiKeyPolicy())).Value!;
        var authenticator = db.Get<ApiKeyAuthenticator>();
        Assert.True((await authenticator.AuthenticateAsync("Bearer " + created.Secret)).Succeeded);

        await db.Get<ApiKeyService>().RevokeAsync(created.Key.Id, owner, "owner");

        Assert.Equal(ApiKeyErrors.Revoked, (await authenticator.AuthenticateAsync("Bearer " + created.Secret)).Error);
    }

    [Fact]
    public async Task Revoke_OnlyTheOwner_AndOnlyOnce()
    {
        await using var db = await TestDatabase.CreateAsync();
        var owner = await db.AddUserAsync();
        var stranger = await db.AddUserAsync();
        var keys = db.Get<ApiKeyService>();
        var created = (await keys.CreateAsync(owner, "k", new ApiKeyPolicy())).Value!;

        var byStranger = await keys.RevokeAsync(created.Key.Id, stranger, "stranger");
        var byOwner = await keys.RevokeAsync(created.Key.Id, owner, "owner");
        var again = await keys.RevokeAsync(created.Key.Id, owner, "owner");

        Assert.Equal(ApiKeyErrors.NotFound, byStranger.Error);
        Assert.Equal(ApiKeyStatus.Revoked, byOwner.Value!.Status);
        Assert.Equal(ApiKeyErrors.AlreadyRevoked, again.Error);
    }

    [Fact]
    public async Task ChangePolicy_ReachesTheAuthenticatorOfAnotherInstance_WithinAPollInterval()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tf-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "keys.db");
        try
        {
            // Two instances on one database: this one changes the key, the other one only authenticates.
            await using var db = await TestDatabase.CreateAsync(sqliteFile: file);
            await using var other = await TestDatabase.CreateAsync(sqliteFile: file);
            var owner = await db.AddUserAsync();
            var keys = db.Get<ApiKeyService>();
            var created = (await keys.CreateAsync(owner, "k", new ApiKeyPolicy())).Value!;
            var elsewhere = other.Get<ApiKeyAuthenticator>();
            Assert.Null((await elsewhere.AuthenticateAsync("Bearer " + created.Secret)).Value!.RequestsPerMinute);

            var changed = await keys.ChangePolicyAsync(created.Key.Id, owner, new ApiKeyPolicy(RequestsPerMinute: 5));
            // Well inside the cache's lifetime: only the change stamp can make the other instance read the key again.
            other.Time.Advance(new ApiKeyOptions().ChangePollInterval);
            var seen = await elsewhere.AuthenticateAsync("Bearer " + created.Secret);

            Assert.Equal(5, changed.Value!.RequestsPerMinute);
            Assert.True(new ApiKeyOptions().ChangePollInterval < new ApiKeyOptions().CacheTtl);
            Assert.Equal(5, seen.Value!.RequestsPerMinute);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public Task SpendReservation_NeverPassesTheLimit_UnderConcurrency_Sqlite() => SpendReservationAsync(TestProvider.Sqlite);

    [SkippableFact]
    public async Task SpendReservation_NeverPassesTheLimit_UnderConcurrency_Postgres()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await SpendReservationAsync(TestProvider.Postgres);
    }

    private static async Task SpendReservationAsync(TestProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var owner = await db.AddUserAsync();
        var created = (await db.Get<ApiKeyService>().CreateAsync(owner, "k", new ApiKeyPolicy(SpendLimit: 1_000))).Value!;
        var writes = db.Get<Core.Data.WriteTransaction>();

        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => writes.RunAsync(async (ctx, token) =>
            Core.Data.Write.Commit(await ApiKeySpend.TryReserveAsync(ctx, created.Key.Id, Guid.CreateVersion7(), 100, DateTime.UtcNow.AddMinutes(5), token)))));

        Assert.Equal(10, results.Count(r => r));
        var listed = (await db.Get<ApiKeyService>().ListAsync(owner)).Single();
        Assert.Equal(1_000, listed.SpendReserved);
    }
}
