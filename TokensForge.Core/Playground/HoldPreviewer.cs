using Microsoft.Extensions.Options;
using TokensForge.Core.Gateway;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Playground;

/// <summary>One route the gateway would try, the worst case it would hold there, and whether the wallet covers it.</summary>
public sealed record RouteQuote(RouteCandidate Route, long WorstCase, long Available, bool CanPay);

/// <summary>
/// What sending a request would hold before the upstream is called: the prompt's tokens, the output allowance,
/// and per route (in the gateway's order) the worst case and whether the wallet can pay it.
/// </summary>
/// <param name="TooLong">The prompt and the requested output do not fit the model's context window (the gateway refuses it as invalid).</param>
public sealed record HoldPreview(int PromptTokens, long MaxOutputTokens, int ContextWindow, bool TooLong, IReadOnlyList<RouteQuote> Routes)
{
    /// <summary>The route the gateway would hold on: the first whose kind the wallet can pay.</summary>
    public RouteQuote? Chosen => Routes.FirstOrDefault(r => r.CanPay);

    public bool CanPay => Chosen is not null && !TooLong;

    /// <summary>The hold on the chosen route, else on the first route tried.</summary>
    public long WorstCase => (Chosen ?? Routes.FirstOrDefault())?.WorstCase ?? 0;
}

/// <summary>
/// Works out a request's hold the way <see cref="GatewayPipeline"/> and <see cref="RouteFailover"/> do, without
/// placing it: the same weight (<see cref="ChatShape.Weigh"/>), the same route order, and the same rule for which
/// routes a refusal rules out (<see cref="RefusedRoutes"/>), at the prices the user pays (<paramref name="tier"/>: their
/// price group's multipliers, as they are applied to the request itself).
/// </summary>
public sealed class HoldPreviewer(TokenCounter tokens, IOptions<GatewayOptions> options)
{
    public HoldPreview Preview(CatalogModel model, RoutePreference preference, ChatCompletionRequest request, WalletCapacity wallet,
        PriceGroups.PriceTier? tier = null)
    {
        var weight = ChatShape.Weigh(request, model, tokens, options.Value);
        Func<Prices, long> worstCase = p => p.WorstCase(weight.PromptTokens, weight.HeldOutputTokens);
        var refused = new RefusedRoutes();
        var quotes = new List<RouteQuote>();
        var chosen = false;
        foreach (var route in RouteSelection.Order(PriceGroups.PriceTier.Apply(tier, model.Routes), preference, worstCase))
        {
            var worst = worstCase(route.Prices);
            var available = wallet.For(route.Kind);
            var canPay = !chosen && !refused.RulesOut(route.Kind, worst) && (worst == 0 || available >= worst);
            if (canPay) chosen = true;
            else if (available < worst) refused.Add(route.Kind, worst);
            quotes.Add(new RouteQuote(route, worst, available, canPay));
        }
        return new HoldPreview(weight.PromptTokens, weight.HeldOutputTokens, model.ContextWindow, !weight.Fits(model), quotes);
    }
}
