using TokensForge.Core.Playground;

namespace TokensForge.Core.Gateway;

/// <summary>
/// A request whose caller named no output limit is held for the model's maximum output (<see cref="OutputLimit"/>). When
/// the payer cannot cover that worst case but covers the prompt and at least one output token, the limit is lowered to
/// what it covers instead of refusing the request — the cost ceiling's rule (<see cref="CostCeiling.FitEach"/>), with what
/// the wallet (for the route's kind), the key's spend limit and the budgets leave as each route's ceiling. The request
/// says so (<see cref="PromptBudget.CappedTo"/>: the receipt and the <c>x-tokensforge-output-capped</c> header). A limit
/// the caller named is never lowered here: one the balance cannot cover is refused as ever (402). Read without reserving
/// anything; the hold decides again in its transaction.
/// </summary>
public sealed class BalanceCap(WalletCapacityQuery wallets, SpendHeadroomReader headroom)
{
    public async Task<PromptBudget> FitAsync(IGatewayShape shape, Routing.CatalogModel model, PromptBudget budget, GatewayCaller caller, CancellationToken ct)
    {
        // A sponsor pays within limits only it reads; nothing to lower for a request that holds no output.
        if (caller.Sponsor is not null || budget.HeldOutputTokens == 0) return budget;
        var wallet = await wallets.GetAsync(caller.UserId, ct);
        var limits = await headroom.ReadAsync(caller, ct);
        var spendable = Math.Min(limits.KeyRemaining ?? long.MaxValue, limits.Budgets.Count == 0 ? long.MaxValue : limits.Budgets.Min(b => b.Left));
        var (fitted, _) = CostCeiling.FitEach(shape, model, budget, caller, route => Math.Min(wallet.For(route.Kind), spendable));
        // Nothing fits even one output token: the hold refuses the request in the usual words.
        if (fitted is not ({ } lowered, null) || lowered.HeldOutputTokens >= budget.HeldOutputTokens) return budget;
        caller.OutputCap?.Report((int)lowered.HeldOutputTokens);
        return lowered with { CappedTo = (int)lowered.HeldOutputTokens };
    }
}

/// <summary>Where the pipeline says that it lowered a request's output to what the balance covers, for the front door's header.</summary>
public sealed class OutputCapReport
{
    /// <summary>The output tokens held (over all choices) after the cap; null when the request was not capped.</summary>
    public int? CappedTo { get; private set; }

    public void Report(int cappedTo) => CappedTo = cappedTo;
}
