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
/// Works out a request's hold the way <see cref="ChatCompletionPipeline"/> and <see cref="HoldPlanner"/> do, without
/// placing it: same token counter, same default output limit, same route order, and a kind refused once is
/// skipped on later routes too.
/// </summary>
public sealed class HoldPreviewer(TokenCounter tokens, IOptions<GatewayOptions> options)
{
    public HoldPreview Preview(CatalogModel model, RoutePreference preference, ChatCompletionRequest request, WalletCapacity wallet)
    {
        var promptTokens = tokens.CountPrompt(request);
        var requestedOutput = request.MaxCompletionTokens ?? request.MaxTokens;
        var maxOutput = (long)(requestedOutput ?? options.Value.DefaultMaxOutputTokens) * (request.N ?? 1);
        Func<Prices, long> worstCase = p => p.WorstCase(promptTokens, maxOutput);
        var refused = new HashSet<RouteKind>();
        var quotes = new List<RouteQuote>();
        var chosen = false;
        foreach (var route in RouteSelection.Order(model.Routes, preference, worstCase))
        {
            var worst = worstCase(route.Prices);
            var available = wallet.For(route.Kind);
            var canPay = !chosen && !refused.Contains(route.Kind) && (worst == 0 || available >= worst);
            if (canPay) chosen = true;
            else if (available < worst) refused.Add(route.Kind);
            quotes.Add(new RouteQuote(route, worst, available, canPay));
        }
        return new HoldPreview(promptTokens, maxOutput, model.ContextWindow, promptTokens + (requestedOutput ?? 0) > model.ContextWindow, quotes);
    }
}
