using TokensForge.Core.Routing;

namespace TokensForge.Core.Gateway;

/// <summary>
/// A caller's ceiling on one request's cost (<c>X-TokensForge-Max-Cost</c>): the request's worst case must fit it. When
/// the output limit makes it too dear, the limit is lowered to what the first route that can fit it at all allows;
/// when not even the prompt fits on any route, the request is refused before any upstream is called. Routes whose
/// worst case still passes the ceiling are not tried.
/// </summary>
public static class CostCeiling
{
    public static (PromptBudget? Budget, GatewayError? Error) Fit(IGatewayShape shape, CatalogModel model, PromptBudget budget,
        GatewayCaller caller, long ceiling)
    {
        var (fitted, ordered) = FitEach(shape, model, budget, caller, _ => ceiling);
        if (ordered.Count == 0) return (budget, null);
        if (fitted is { } result) return result;
        var cheapest = ordered.Min(r => r.Prices.WorstCase(budget.PromptTokens, budget.HeldOutputTokens == 0 ? 0 : 1));
        return (null, GatewayErrors.CostCeilingExceeded(ceiling, cheapest, budget.PromptTokens, model.Id));
    }

    /// <summary>
    /// The rule for any ceiling, given per route (a caller's cost ceiling, or what the balance covers on routes of that
    /// kind — <see cref="BalanceCap"/>): on the first route in the gateway's order where the prompt and one output token fit,
    /// the output is lowered to what fits there (unchanged when all of it does). Null when no route fits even that.
    /// </summary>
    internal static ((PromptBudget? Budget, GatewayError? Error)? Fitted, IReadOnlyList<RouteCandidate> Ordered) FitEach(IGatewayShape shape, CatalogModel model,
        PromptBudget budget, GatewayCaller caller, Func<RouteCandidate, long> ceilingOn)
    {
        var ordered = RouteSelection.Order(caller.PricedRoutes(model), caller.RoutePreference, p => p.WorstCase(budget.PromptTokens, budget.HeldOutputTokens),
            shape.Endpoint);
        foreach (var route in ordered)
        {
            if (HeldWithin(route.Prices, budget, ceilingOn(route)) is not { } held) continue;
            if (held == budget.HeldOutputTokens) return ((budget, null), ordered);
            if (!shape.CapHeldOutput(held)) continue;
            return (shape.Measure(model), ordered);
        }
        return (null, ordered);
    }

    /// <summary>Whether a route's worst case for this request fits the ceiling.</summary>
    public static bool Allows(long? ceiling, long worstCase) => ceiling is not { } most || worstCase <= most;

    /// <summary>The most output tokens (up to the request's own) that keep the worst case within the ceiling; null when the prompt alone does not fit.</summary>
    internal static long? HeldWithin(Prices prices, PromptBudget budget, long ceiling)
    {
        if (prices.WorstCase(budget.PromptTokens, budget.HeldOutputTokens) <= ceiling) return budget.HeldOutputTokens;
        if (budget.HeldOutputTokens == 0 || prices.WorstCase(budget.PromptTokens, 1) > ceiling) return null;
        // The worst case grows with the output: the largest output that fits, by bisection.
        long low = 1, high = budget.HeldOutputTokens;
        while (low < high)
        {
            var mid = low + (high - low + 1) / 2;
            if (prices.WorstCase(budget.PromptTokens, mid) <= ceiling) low = mid;
            else high = mid - 1;
        }
        return low;
    }
}
