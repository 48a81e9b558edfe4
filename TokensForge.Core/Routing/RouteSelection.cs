namespace TokensForge.Core.Routing;

/// <summary>
/// The order in which routes are tried for one request: only routes that can serve its front door
/// (<see cref="RouteEligibility"/>) and kinds the caller's preference allows, then
/// priority (lower first), then the request's worst-case cost on the route (cheapest first), then weight
/// (higher first), then name for a stable order. Routes of a kind the wallet cannot pay are skipped later,
/// when the hold on them is refused, and unhealthy ones by <c>Gateway.RouteFailover</c>, which walks this order.
/// </summary>
public static class RouteSelection
{
    /// <param name="endpoint">The front door as receipts name it; chat completions unless said (the playground's).</param>
    public static IReadOnlyList<RouteCandidate> Order(IEnumerable<RouteCandidate> candidates, RoutePreference preference, Func<Prices, long> costOf,
        string endpoint = "chat.completions") =>
        candidates
            .Where(c => preference.Allows(c.Kind) && c.Serves(endpoint))
            .OrderBy(c => c.Priority)
            .ThenBy(c => costOf(c.Prices))
            .ThenByDescending(c => c.Weight)
            .ThenBy(c => c.RouteName, StringComparer.Ordinal)
            .ToList();
}
