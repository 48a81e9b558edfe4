using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Budgets;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.PriceGroups;
using TokensForge.Core.Routing;

namespace TokensForge.Core.ApiKeys;

/// <summary>A key that passed the check: who is calling and under which controls.</summary>
public sealed record KeyPrincipal(
    Guid KeyId,
    string UserId,
    string Name,
    string Prefix,
    DateTime? ExpiresAt,
    IReadOnlySet<string> AllowedModels,
    long? SpendLimit,
    RoutePreference RoutePreference,
    int? RequestsPerMinute,
    IReadOnlyList<BudgetLimit>? Budgets = null,
    int? TokensPerMinute = null,
    int? MaxConcurrentRequests = null,
    PriceTier? Tier = null)
{
    public bool MayUse(string model) => AllowedModels.Count == 0 || AllowedModels.Contains(model);

    /// <summary>Whether any request-rate, token-rate or concurrency limit applies (only then does admission touch the database).</summary>
    public bool HasRateLimits => RequestsPerMinute is not null || TokensPerMinute is not null || MaxConcurrentRequests is not null;
}

/// <summary>
/// Checks <c>Authorization: Bearer tf-…</c> without a database read per request: keys are cached by hash for
/// <see cref="ApiKeyOptions.CacheTtl"/>, and the whole cache is dropped whenever the global key-change stamp
/// moves (read at most once per <see cref="ApiKeyOptions.ChangePollInterval"/>), so revocations and policy
/// changes made by any instance or the CLI apply here within about a second. Disabling or enabling an account moves
/// the same stamp, and each key is read together with its owner's state.
/// </summary>
public sealed class ApiKeyAuthenticator(IDbContextFactory<AppDbContext> contexts, TimeProvider time, IOptions<ApiKeyOptions> options)
{
    private const int MaxEntries = 20_000;

    /// <param name="OwnerDisabled">Whether the key's account was disabled when the key was read.</param>
    private sealed record Entry(ApiKey? Key, bool OwnerDisabled, IReadOnlyList<BudgetLimit> Budgets, PriceTier Tier, long Generation, long LoadedAt)
    {
        public long LastUsedWrittenAt;
    }

    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private long _stamp = long.MinValue;
    private long _generation;
    private long _lastPoll;
    private int _polling;

    public async ValueTask<Result<KeyPrincipal>> AuthenticateAsync(string? authorization, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(authorization)) return ApiKeyErrors.Missing;
        var secret = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : authorization.Trim();
        if (!ApiKeySecret.LooksValid(secret)) return ApiKeyErrors.Invalid;

        await RefreshStampAsync(ct);
        var hash = ApiKeySecret.Hash(secret);
        var now = time.GetTimestamp();
        var generation = Interlocked.Read(ref _generation);
        if (!_cache.TryGetValue(hash, out var entry) || entry.Generation != generation
            || time.GetElapsedTime(entry.LoadedAt, now) >= options.Value.CacheTtl)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            // The owner's state, the owner's budgets and price tier come with the key in the same read: each of them
            // changes only with the key stamp.
            var loaded = await db.ApiKeys.AsNoTracking().Where(k => k.Hash == hash)
                .Select(k => new
                {
                    Key = k,
                    OwnerDisabled = db.Users.Any(u => u.Id == k.UserId && u.DisabledAt != null),
                    Tier = db.PriceGroupMembers.Where(m => m.UserId == k.UserId)
                        .Join(db.PriceGroups, m => m.GroupId, g => g.Id, (m, g) => new PriceTier(g.Name, g.RoutedMultiplier, g.OfficialMultiplier))
                        .FirstOrDefault(),
                    Budgets = db.Budgets.Where(b => b.UserId == k.UserId).Select(b => new { b.Id, b.Scope, b.OwnerId, b.Period, b.Limit }).ToList(),
                })
                .FirstOrDefaultAsync(ct);
            var key = loaded?.Key;
            // The user's budgets are read whole; those of the user's other keys are not this key's business.
            var budgets = key is null ? [] : loaded!.Budgets
                .Where(b => b.Scope == BudgetScope.User || b.OwnerId == Budget.OwnerOf(key.Id))
                .OrderBy(b => b.Scope).ThenBy(b => b.Period)
                .Select(b => new BudgetLimit(b.Id, b.Scope, b.Period, b.Limit)).ToList();
            if (_cache.Count >= MaxEntries) _cache.Clear();
            entry = new Entry(key, loaded?.OwnerDisabled ?? false, budgets, loaded?.Tier ?? PriceTier.None, generation, now)
            {
                LastUsedWrittenAt = entry?.Key?.Id == key?.Id ? entry?.LastUsedWrittenAt ?? 0 : 0,
            };
            _cache[hash] = entry;
        }

        var found = entry.Key;
        var utcNow = time.GetUtcNow().UtcDateTime;
        if (found is null) return ApiKeyErrors.Invalid;
        if (found.IsRevoked) return ApiKeyErrors.Revoked;
        if (found.IsExpiredAt(utcNow)) return ApiKeyErrors.Expired;
        if (entry.OwnerDisabled) return ApiKeyErrors.AccountDisabled;

        await TouchLastUsedAsync(entry, found.Id, utcNow, ct);
        return new KeyPrincipal(found.Id, found.UserId, found.Name, found.Prefix, found.ExpiresAt,
            found.AllowedModels.ToHashSet(StringComparer.Ordinal), found.SpendLimit, found.RoutePreference, found.RequestsPerMinute, entry.Budgets,
            found.TokensPerMinute, found.MaxConcurrentRequests, entry.Tier);
    }

    /// <summary>Drops every cached key at once (after a change made by this instance).</summary>
    public void Forget() => Interlocked.Increment(ref _generation);

    private async ValueTask RefreshStampAsync(CancellationToken ct)
    {
        var now = time.GetTimestamp();
        var first = Interlocked.Read(ref _stamp) == long.MinValue;
        if (!first && time.GetElapsedTime(Interlocked.Read(ref _lastPoll), now) < options.Value.ChangePollInterval) return;
        // One caller polls; the others go on with the cache they have, which is at most one interval old.
        if (Interlocked.CompareExchange(ref _polling, 1, 0) != 0 && !first) return;
        try
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var stamp = await ChangeStamp.ReadAsync(db, ChangeArea.Keys, ct);
            if (stamp != Interlocked.Exchange(ref _stamp, stamp)) Forget();
            Interlocked.Exchange(ref _lastPoll, now);
        }
        finally
        {
            Interlocked.Exchange(ref _polling, 0);
        }
    }

    private async ValueTask TouchLastUsedAsync(Entry entry, Guid keyId, DateTime utcNow, CancellationToken ct)
    {
        var now = time.GetTimestamp();
        var written = Interlocked.Read(ref entry.LastUsedWrittenAt);
        if (written != 0 && time.GetElapsedTime(written, now) < options.Value.LastUsedResolution) return;
        if (Interlocked.CompareExchange(ref entry.LastUsedWrittenAt, now, written) != written) return;
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.ApiKeys.Where(k => k.Id == keyId).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, utcNow), ct);
    }
}
