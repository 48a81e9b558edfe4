using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Routing;
using TokensForge.Core.Users;

namespace TokensForge.Core.ApiKeys;

/// <summary>A key as its owner sees it in the list; never the secret.</summary>
public sealed record ApiKeyView(
    Guid Id,
    string Name,
    string Prefix,
    DateTime CreatedAt,
    DateTime? LastUsedAt,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    ApiKeyStatus Status,
    IReadOnlyList<string> AllowedModels,
    long? SpendLimit,
    long Spent,
    long SpendReserved,
    RoutePreference RoutePreference,
    int? RequestsPerMinute,
    int? TokensPerMinute = null,
    int? MaxConcurrentRequests = null);

/// <summary>A freshly created key: the secret is in <see cref="Secret"/> and is never shown again.</summary>
public sealed record CreatedApiKey(ApiKeyView Key, string Secret);

/// <summary>Creating, changing, listing and revoking keys. Every change bumps the global key stamp in the same transaction.</summary>
public sealed class ApiKeyService(IDbContextFactory<AppDbContext> contexts, TimeProvider time, ApiKeyAuthenticator authenticator)
{
    public async Task<Result<CreatedApiKey>> CreateAsync(string userId, string name, ApiKeyPolicy policy, CancellationToken ct = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > 100) return ApiKeyErrors.NameRequired;
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await ValidateAsync(db, policy, now, ct) is { } error) return error;
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct)) return UserErrors.UserNotFound;

        var secret = ApiKeySecret.Generate();
        var key = new ApiKey(Guid.CreateVersion7(), userId, name, ApiKeySecret.PrefixOf(secret), ApiKeySecret.Hash(secret), policy, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        await ChangeStamp.BumpAsync(db, ChangeArea.Keys, ct);
        await tx.CommitAsync(ct);
        // This instance applies its own change at once; the others see the stamp move within a second.
        authenticator.Forget();
        return new CreatedApiKey(ToView(key, now), secret);
    }

    /// <summary>Replaces the controls of an active key (the owner's, or any key when <paramref name="ownerUserId"/> is null).</summary>
    public async Task<Result<ApiKeyView>> ChangePolicyAsync(Guid keyId, string? ownerUserId, ApiKeyPolicy policy, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await ValidateAsync(db, policy, now, ct) is { } error) return error;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && (ownerUserId == null || k.UserId == ownerUserId), ct);
        if (key is null) return ApiKeyErrors.NotFound;
        if (key.IsRevoked) return ApiKeyErrors.AlreadyRevoked;
        key.ChangePolicy(policy, now);
        await db.SaveChangesAsync(ct);
        await ChangeStamp.BumpAsync(db, ChangeArea.Keys, ct);
        await tx.CommitAsync(ct);
        // This instance applies its own change at once; the others see the stamp move within a second.
        authenticator.Forget();
        return ToView(key, now);
    }

    /// <summary>Revokes a key for good (the owner's, or any key when <paramref name="ownerUserId"/> is null).</summary>
    public async Task<Result<ApiKeyView>> RevokeAsync(Guid keyId, string? ownerUserId, string actor, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && (ownerUserId == null || k.UserId == ownerUserId), ct);
        if (key is null) return ApiKeyErrors.NotFound;
        if (key.IsRevoked) return ApiKeyErrors.AlreadyRevoked;
        key.Revoke(actor, now);
        await db.SaveChangesAsync(ct);
        await ChangeStamp.BumpAsync(db, ChangeArea.Keys, ct);
        await tx.CommitAsync(ct);
        // This instance applies its own change at once; the others see the stamp move within a second.
        authenticator.Forget();
        return ToView(key, now);
    }

    /// <summary>The one key whose prefix starts with <paramref name="prefix"/> (for the CLI).</summary>
    public async Task<Result<ApiKeyView>> FindByPrefixAsync(string prefix, CancellationToken ct = default)
    {
        prefix = prefix.Trim();
        if (prefix.Length < 4) return ApiKeyErrors.NotFound;
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.Prefix.StartsWith(prefix)).Take(2).ToListAsync(ct);
        return keys.Count switch
        {
            0 => ApiKeyErrors.NotFound,
            1 => ToView(keys[0], now),
            _ => ApiKeyErrors.PrefixAmbiguous,
        };
    }

    public async Task<IReadOnlyList<ApiKeyView>> ListAsync(string userId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.UserId == userId).OrderByDescending(k => k.CreatedAt).ToListAsync(ct);
        return keys.Select(k => ToView(k, now)).ToList();
    }

    private static async Task<Error?> ValidateAsync(AppDbContext db, ApiKeyPolicy policy, DateTime now, CancellationToken ct)
    {
        if (policy.ExpiresAt is { } expiry && expiry <= now) return ApiKeyErrors.ExpiryInPast;
        if (policy.SpendLimit is <= 0) return ApiKeyErrors.InvalidSpendLimit;
        if (policy.RequestsPerMinute is < 1 or > 100_000) return ApiKeyErrors.InvalidRateLimit;
        if (policy.TokensPerMinute is < 1 or > 100_000_000) return ApiKeyErrors.InvalidTokenLimit;
        if (policy.MaxConcurrentRequests is < 1 or > 10_000) return ApiKeyErrors.InvalidConcurrencyLimit;
        var models = policy.AllowedModels.Select(m => m.Trim()).Where(m => m.Length > 0).Distinct().ToList();
        if (models.Count == 0) return null;
        var known = await db.Models.Where(m => models.Contains(m.Id)).Select(m => m.Id).ToListAsync(ct);
        var unknown = models.Except(known).ToList();
        return unknown.Count > 0 ? RoutingErrors.UnknownModels(unknown) : null;
    }

    private static ApiKeyView ToView(ApiKey k, DateTime now) => new(k.Id, k.Name, k.Prefix, k.CreatedAt, k.LastUsedAt, k.ExpiresAt, k.RevokedAt,
        k.StatusAt(now), k.AllowedModels, k.SpendLimit, k.Spent, k.SpendReserved, k.RoutePreference, k.RequestsPerMinute, k.TokensPerMinute, k.MaxConcurrentRequests);
}
