using TokensForge.Core.Routing;

namespace TokensForge.Core.PriceGroups;

/// <summary>
/// A group of users who pay a multiple of the listed prices per route kind ("VIP: 0.9× on routed"), in basis points
/// (10,000 = 1×). It is applied when a request is priced, never by editing a price snapshot; receipts keep the base
/// snapshot and the multiplier beside it.
/// </summary>
public sealed class PriceGroup
{
    public const int OneTimes = 10_000;
    public const int MinMultiplier = 1_000;
    public const int MaxMultiplier = 100_000;

    private PriceGroup() { }

    internal PriceGroup(Guid id, string name, int routedMultiplier, int officialMultiplier, DateTime now)
    {
        Id = id;
        Name = name;
        RoutedMultiplier = routedMultiplier;
        OfficialMultiplier = officialMultiplier;
        CreatedAt = now;
        ChangedAt = now;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>Basis points of the listed price paid on routed routes.</summary>
    public int RoutedMultiplier { get; private set; }

    /// <summary>Basis points of the listed price paid on official routes.</summary>
    public int OfficialMultiplier { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public DateTime ChangedAt { get; private set; }

    internal void Change(string name, int routed, int official, DateTime now)
    {
        Name = name;
        RoutedMultiplier = routed;
        OfficialMultiplier = official;
        ChangedAt = now;
    }
}

/// <summary>A user's price group: at most one per user.</summary>
public sealed class PriceGroupMember
{
    private PriceGroupMember() { }

    internal PriceGroupMember(string userId, Guid groupId, DateTime now)
    {
        UserId = userId;
        GroupId = groupId;
        JoinedAt = now;
    }

    public string UserId { get; private set; } = "";
    public Guid GroupId { get; private set; }
    public DateTime JoinedAt { get; private set; }
}

/// <summary>The multipliers a caller pays, carried with its key (or looked up for the playground).</summary>
public sealed record PriceTier(string Group, int RoutedMultiplier, int OfficialMultiplier)
{
    public static readonly PriceTier None = new("", PriceGroup.OneTimes, PriceGroup.OneTimes);

    public int For(RouteKind kind) => kind == RouteKind.Official ? OfficialMultiplier : RoutedMultiplier;

    /// <summary>The route as this caller pays it: every price times the kind's multiplier, rounded up to the µ.</summary>
    public RouteCandidate Apply(RouteCandidate route)
    {
        var bp = For(route.Kind);
        if (bp == PriceGroup.OneTimes) return route;
        var p = route.Prices;
        return route with { Prices = new Prices(p.SnapshotId, Scale(p.Input, bp), Scale(p.Output, bp), Scale(p.CachedInput, bp), Scale(p.CacheWrite5m, bp), Scale(p.CacheWrite1h, bp)) };
    }

    /// <summary>The routes as a caller of <paramref name="tier"/> pays them (unchanged for none).</summary>
    public static IEnumerable<RouteCandidate> Apply(PriceTier? tier, IEnumerable<RouteCandidate> routes) =>
        tier is null || tier == None ? routes : routes.Select(tier.Apply);

    public static long Scale(long price, int bp) => (price * bp + PriceGroup.OneTimes - 1) / PriceGroup.OneTimes;

    /// <summary>"0.9×" for 9,000 basis points.</summary>
    public static string Describe(int bp) => (bp / (decimal)PriceGroup.OneTimes).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) + "×";
}
