using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Data;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.ApiKeys;

public sealed class ApiKeyAuthenticatorTests
{
    [Fact]
    public async Task Authenticate_ValidKey_ReturnsPrincipalWithPolicy()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var created = await db.Get<ApiKeyService>().CreateAsync(userId, "ci", new ApiKeyPolicy(RequestsPerMinute: 10, SpendLimit: 5_000_000));

        var result = await db.Get<ApiKeyAuthenticator>().AuthenticateAsync("Bearer " + created.Value!.Secret);

        Assert.True(result.Succeeded);
        Assert.Equal(userId, result.Value!.UserId);
        Assert.Equal(10, result.Value.RequestsPerMinute);
        Assert.Equal(5_000_000, result.Value.SpendLimit);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer sk-not-ours")]
    [InlineData("Bearer tf-short")]
    public async Task Authenticate_MissingOrMalformed_IsInvalidApiKey(string? header)
    {
        await using var db = await TestDatabase.CreateAsync();

        var result = await db.Get<ApiKeyAuthenticator>().AuthenticateAsync(header);

        Assert.Equal("invalid_api_key", result.Error!.Code);
    }

    [Fact]
    public async Task Authenticate_UnknownWellFormedKey_IsInvalid()
    {
        await using var db = await TestDatabase.CreateAsync();

        var result = await db.Get<ApiKeyAuthenticator>().AuthenticateAsync("Bearer " + ApiKeySecret.Generate());

        Assert.Equal(ApiKeyErrors.Invalid, result.Error);
    }

    [Fact]
    public async Task Authenticate_ServesFromCache_UntilTheChangeStampMoves()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var created = await db.Get<ApiKeyService>().CreateAsync(userId, "ci", new ApiKeyPolicy());
        var authenticator = db.Get<ApiKeyAuthenticator>();
        Assert.True((await authenticator.AuthenticateAsync("Bearer " + created.Value!.Secret)).Succeeded);

        // Revoke behind the cache's back: the row changes but the stamp does not.
        await using (var context = db.NewContext())
            await context.ApiKeys.Where(k => k.Id == created.Value.Key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, DateTime.UtcNow));
        db.Time.Advance(TimeSpan.FromSeconds(2));
        var cached = await authenticator.AuthenticateAsync("Bearer " + created.Value.Secret);

        await using (var context = db.NewContext())
            await context.ChangeStamps.Where(s => s.Area == ChangeArea.Keys).ExecuteUpdateAsync(s => s.SetProperty(x => x.Version, x => x.Version + 1));
        var beforePoll = await authenticator.AuthenticateAsync("Bearer " + created.Value.Secret);
        db.Time.Advance(TimeSpan.FromSeconds(1));
        var afterPoll = await authenticator.AuthenticateAsync("Bearer " + created.Value.Secret);

        Assert.True(cached.Succeeded, "the key should have come from the cache");
        Assert.True(beforePoll.Succeeded, "the stamp is read at most once a second");
        Assert.Equal(ApiKeyErrors.Revoked, afterPoll.Error);
    }

    [Fact]
    public async Task Authenticate_CachedEntry_IsReadAgainAfterItsTtl()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var created = await db.Get<ApiKeyService>().CreateAsync(userId, "ci", new ApiKeyPolicy());
        var authenticator = db.Get<ApiKeyAuthenticator>();
        await authenticator.AuthenticateAsync("Bearer " + created.Value!.Secret);
        await using (var context = db.NewContext())
            await context.ApiKeys.Where(k => k.Id == created.Value.Key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, DateTime.UtcNow));

        db.Time.Advance(new ApiKeyOptions().CacheTtl);
        var result = await authenticator.AuthenticateAsync("Bearer " + created.Value.Secret);

        Assert.Equal(ApiKeyErrors.Revoked, result.Error);
    }

    [Fact]
    public async Task Authenticate_KeyPastItsExpiry_IsExpired_WithoutAnyChange()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var expires = db.Time.GetUtcNow().UtcDateTime.AddMinutes(5);
        var created = await db.Get<ApiKeyService>().CreateAsync(userId, "ci", new ApiKeyPolicy(ExpiresAt: expires));
        var authenticator = db.Get<ApiKeyAuthenticator>();
        var before = await authenticator.AuthenticateAsync("Bearer " + created.Value!.Secret);

        db.Time.Advance(TimeSpan.FromMinutes(5));
        var after = await authenticator.AuthenticateAsync("Bearer " + created.Value.Secret);

        Assert.True(before.Succeeded);
        Assert.Equal(ApiKeyErrors.Expired, after.Error);
    }

    [Fact]
    public async Task Authenticate_RecordsLastUsed_AtMostOncePerResolution()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        var created = await db.Get<ApiKeyService>().CreateAsync(userId, "ci", new ApiKeyPolicy());
        var authenticator = db.Get<ApiKeyAuthenticator>();
        var first = db.Time.GetUtcNow().UtcDateTime;

        await authenticator.AuthenticateAsync("Bearer " + created.Value!.Secret);
        db.Time.Advance(TimeSpan.FromSeconds(10));
        await authenticator.AuthenticateAsync("Bearer " + created.Value.Secret);
        var listed = (await db.Get<ApiKeyService>().ListAsync(userId)).Single();

        Assert.Equal(first, listed.LastUsedAt);
    }
}
