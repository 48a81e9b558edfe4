using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;

namespace TokensForge.Tests.Ledger;

/// <summary>A grant as the oracle sees it.</summary>
internal sealed record OracleGrant(Guid GrantId, string Bucket, GrantCategory Category, int Priority, DateTime EffectiveAt,
    DateTime? ExpiresAt, DateTime CreatedAt, long Available);

/// <summary>
/// Which grants pay (DESIGN §2 and §3), written from the design's words alone and not from the production code:
/// eligible = bucket pays the kind, effective and not expired, something available; order = priority ascending,
/// soonest expiry (never-expiring last), promotional before paid, oldest, id; drained greedily.
/// </summary>
internal static class AllocationOracle
{
    /// <summary>DESIGN §2's table.</summary>
    public static bool Pays(string bucket, RouteKind kind) => bucket switch
    {
        Bucket.Official => true,
        Bucket.Routed or Bucket.Starter => kind == RouteKind.Routed,
        _ => false,
    };

    /// <summary>
    /// DESIGN §3's defaults: starter 10, promo campaign 20, paid routed 50, and Official Credit 60 whatever its source, so
    /// it pays routed requests only when nothing narrower is left.
    /// </summary>
    public static int DefaultPriority(string bucket, GrantCategory category, GrantSource source)
    {
        if (bucket == Bucket.Official) return 60;
        if (category == GrantCategory.Promotional) return source == GrantSource.Starter ? 10 : 20;
        return 50;
    }

    public static bool IsEligible(OracleGrant g, RouteKind kind, DateTime now) =>
        Pays(g.Bucket, kind) && g.EffectiveAt <= now && (g.ExpiresAt is null || now < g.ExpiresAt) && g.Available > 0;

    public static int Compare(OracleGrant a, OracleGrant b)
    {
        if (a.Priority != b.Priority) return a.Priority < b.Priority ? -1 : 1;
        if (a.ExpiresAt is null && b.ExpiresAt is not null) return 1;
        if (a.ExpiresAt is not null && b.ExpiresAt is null) return -1;
        if (a.ExpiresAt is { } ea && b.ExpiresAt is { } eb && ea != eb) return ea < eb ? -1 : 1;
        if (a.Category != b.Category) return a.Category == GrantCategory.Promotional ? -1 : 1;
        if (a.CreatedAt != b.CreatedAt) return a.CreatedAt < b.CreatedAt ? -1 : 1;
        return a.GrantId.CompareTo(b.GrantId);
    }

    /// <summary>Insertion sort with <see cref="Compare"/>: deliberately not the LINQ chain under test.</summary>
    public static List<OracleGrant> Sort(IEnumerable<OracleGrant> grants)
    {
        var sorted = new List<OracleGrant>();
        foreach (var g in grants)
        {
            var i = 0;
            while (i < sorted.Count && Compare(sorted[i], g) <= 0) i++;
            sorted.Insert(i, g);
        }
        return sorted;
    }

    /// <summary>The parts that pay, or null when the eligible grants cannot pay it all.</summary>
    public static List<(Guid GrantId, long Amount)>? Allocate(IEnumerable<OracleGrant> grants, RouteKind kind, DateTime now, long amount)
    {
        var parts = new List<(Guid, long)>();
        var left = amount;
        foreach (var g in Sort(grants.Where(g => IsEligible(g, kind, now))))
        {
            if (left == 0) break;
            var take = Math.Min(left, g.Available);
            parts.Add((g.GrantId, take));
            left -= take;
        }
        return left == 0 ? parts : null;
    }
}
