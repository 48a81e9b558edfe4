using TokensForge.Core.Routing;

namespace TokensForge.Core.ApiKeys;

/// <summary>
/// A key for the <c>/v1</c> gateway. Only the SHA-256 hash of the secret is stored, with a short visible prefix
/// so people can tell their keys apart. Policy changes bump <see cref="Version"/> and the global
/// the keys' <see cref="Data.ChangeStamp"/> so every instance drops its cached copy within a second.
/// </summary>
public sealed class ApiKey
{
    private ApiKey() { }

    internal ApiKey(Guid id, string userId, string name, string prefix, string hash, ApiKeyPolicy policy, DateTime createdAt)
    {
        Id = id;
        UserId = userId;
        Name = name;
        Prefix = prefix;
        Hash = hash;
        CreatedAt = createdAt;
        ChangedAt = createdAt;
        Apply(policy);
    }

    public Guid Id { get; private set; }
    public string UserId { get; private set; } = "";
    public string Name { get; private set; } = "";

    /// <summary>The first characters of the secret (<c>tf-</c> and eight more), shown in lists.</summary>
    public string Prefix { get; private set; } = "";

    /// <summary>Lower-case hex SHA-256 of the whole secret.</summary>
    public string Hash { get; private set; } = "";

    public DateTime CreatedAt { get; private set; }
    public DateTime? LastUsedAt { get; private set; }

    /// <summary>Null means the key never expires; otherwise it works while <c>now &lt; ExpiresAt</c>.</summary>
    public DateTime? ExpiresAt { get; private set; }

    public DateTime? RevokedAt { get; private set; }
    public string? RevokedBy { get; private set; }

    /// <summary>Public model ids the key may call; empty means every model.</summary>
    public string[] AllowedModels { get; private set; } = [];

    /// <summary>Total spend allowed over the key's life in µ; null means no limit.</summary>
    public long? SpendLimit { get; private set; }

    /// <summary>µ charged to requests made with this key (posted charges only).</summary>
    public long Spent { get; private set; }

    /// <summary>µ reserved by requests in flight; counted against <see cref="SpendLimit"/> until they settle.</summary>
    public long SpendReserved { get; private set; }

    public RoutePreference RoutePreference { get; private set; }

    /// <summary>Requests allowed per minute; null means no limit.</summary>
    public int? RequestsPerMinute { get; private set; }

    /// <summary>Worst-case tokens (prompt + output held) allowed per minute; null means no limit.</summary>
    public int? TokensPerMinute { get; private set; }

    /// <summary>Requests of this key allowed in flight at once; null means no limit.</summary>
    public int? MaxConcurrentRequests { get; private set; }

    /// <summary>The minute the rate counters belong to (shared by every instance).</summary>
    public DateTime? RateWindowStart { get; private set; }

    /// <summary>Requests admitted in the minute <see cref="RateWindowStart"/>.</summary>
    public int RateWindowCount { get; private set; }

    /// <summary>Requests admitted in the minute before it: the sliding window weighs them by how much of it still overlaps.</summary>
    public int RatePreviousCount { get; private set; }

    /// <summary>Tokens held in the minute <see cref="RateWindowStart"/>: worst cases, lowered to the actual use as requests finish.</summary>
    public long TokenWindowUsed { get; private set; }

    /// <summary>Bumped by every policy change or revocation.</summary>
    public long Version { get; private set; }

    public DateTime ChangedAt { get; private set; }

    public bool IsRevoked => RevokedAt is not null;

    public bool IsExpiredAt(DateTime now) => ExpiresAt is { } e && now >= e;

    public ApiKeyStatus StatusAt(DateTime now) => IsRevoked ? ApiKeyStatus.Revoked : IsExpiredAt(now) ? ApiKeyStatus.Expired : ApiKeyStatus.Active;

    internal void Revoke(string by, DateTime now)
    {
        RevokedAt = now;
        RevokedBy = by;
        Touch(now);
    }

    internal void ChangePolicy(ApiKeyPolicy policy, DateTime now)
    {
        Apply(policy);
        Touch(now);
    }

    private void Apply(ApiKeyPolicy policy)
    {
        ExpiresAt = policy.ExpiresAt;
        AllowedModels = [.. policy.AllowedModels.Select(m => m.Trim()).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal)];
        SpendLimit = policy.SpendLimit;
        RoutePreference = policy.RoutePreference;
        RequestsPerMinute = policy.RequestsPerMinute;
        TokensPerMinute = policy.TokensPerMinute;
        MaxConcurrentRequests = policy.MaxConcurrentRequests;
    }

    private void Touch(DateTime now)
    {
        Version++;
        ChangedAt = now;
    }
}

/// <summary>Whether a key can be used now.</summary>
public enum ApiKeyStatus
{
    Active,
    Expired,
    Revoked,
}

/// <summary>The per-key controls a user sets.</summary>
public sealed record ApiKeyPolicy(
    DateTime? ExpiresAt = null,
    IReadOnlyList<string>? Models = null,
    long? SpendLimit = null,
    RoutePreference RoutePreference = RoutePreference.Auto,
    int? RequestsPerMinute = null,
    int? TokensPerMinute = null,
    int? MaxConcurrentRequests = null)
{
    public IReadOnlyList<string> AllowedModels => Models ?? [];
}
