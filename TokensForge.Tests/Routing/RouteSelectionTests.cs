using TokensForge.Core.Routing;

namespace TokensForge.Tests.Routing;

public sealed class RouteSelectionTests
{
    private static RouteCandidate Route(string name, RouteKind kind, int priority, long outputPrice, int weight = 1) =>
        new(Guid.NewGuid(), name, kind, "https://upstream.example/v1", null, "m", priority, weight, TimeSpan.FromSeconds(30), false,
            new Prices(Guid.NewGuid(), 1_000_000, outputPrice, 0));

    private static IReadOnlyList<string> Order(RoutePreference preference, params RouteCandidate[] routes) =>
        RouteSelection.Order(routes, preference, p => p.WorstCase(100, 100)).Select(r => r.RouteName).ToList();

    [Fact]
    public void Order_Auto_CheapestFirstAmongEqualPriority()
    {
        var order = Order(RoutePreference.Auto,
            Route("official", RouteKind.Official, 100, 4_000_000),
            Route("routed", RouteKind.Routed, 100, 3_000_000));

        Assert.Equal(["routed", "official"], order);
    }

    [Fact]
    public void Order_PriorityBeatsPrice_WeightBreaksTies()
    {
        var order = Order(RoutePreference.Auto,
            Route("cheap-but-later", RouteKind.Routed, 200, 1_000_000),
            Route("light", RouteKind.Routed, 100, 2_000_000, weight: 1),
            Route("heavy", RouteKind.Routed, 100, 2_000_000, weight: 5),
            Route("pricier", RouteKind.Routed, 100, 3_000_000, weight: 9));

        Assert.Equal(["heavy", "light", "pricier", "cheap-but-later"], order);
    }

    [Theory]
    [InlineData(RoutePreference.Official, "official")]
    [InlineData(RoutePreference.Routed, "routed")]
    public void Order_Preference_KeepsOnlyThatKind(RoutePreference preference, string expected)
    {
        var order = Order(preference,
            Route("official", RouteKind.Official, 100, 4_000_000),
            Route("routed", RouteKind.Routed, 100, 3_000_000));

        Assert.Equal([expected], order);
    }

    [Fact]
    public void Prices_RoundUpOncePerComponent_CachedAtItsOwnPrice()
    {
        var prices = new Prices(Guid.Empty, Input: 756_000, Output: 3_024_000, CachedInput: 378_000);

        // 10 uncached × 0.756 = 7.56 → 8; 4 cached × 0.378 = 1.512 → 2; 3 out × 3.024 = 9.072 → 10.
        Assert.Equal(8 + 2 + 10, prices.CostOf(promptTokens: 14, completionTokens: 3, cachedTokens: 4));
        Assert.Equal(8 + 10, prices.CostOf(10, 3));
        // The worst case rounds the prompt once at the dearest prompt price, plus 3 µ: a prompt split across its four priced
        // components (uncached, cache read, 5-minute and 1-hour writes) is rounded up four times.
        Assert.Equal(Core.Common.Money.CostOf(14, 756_000) + 3 + Core.Common.Money.CostOf(50, 3_024_000), prices.WorstCase(14, 50));
        Assert.True(prices.WorstCase(14, 3) >= prices.CostOf(14, 3, cachedTokens: 4));
    }
}
