using TokensForge.Core.Common;

namespace TokensForge.Core.Routing;

/// <summary>The prices a request is charged at: one <see cref="PriceSnapshot"/>, in µ per 1M tokens.</summary>
public sealed record Prices(Guid SnapshotId, long Input, long Output, long CachedInput)
{
    /// <summary>
    /// DESIGN §1: each price component rounded up to the next µ once. Cached prompt tokens are part of
    /// <paramref name="promptTokens"/> and are charged at the cached price instead of the input price.
    /// </summary>
    public long CostOf(long promptTokens, long completionTokens, long cachedTokens = 0)
    {
        cachedTokens = Math.Clamp(cachedTokens, 0, promptTokens);
        return Money.CostOf(promptTokens - cachedTokens, Input) + Money.CostOf(cachedTokens, CachedInput) + Money.CostOf(completionTokens, Output);
    }

    /// <summary>The most a request can cost: every prompt token uncached and the whole output allowance used.</summary>
    public long WorstCase(long promptTokens, long maxOutputTokens) =>
        Money.CostOf(promptTokens, Math.Max(Input, CachedInput)) + Money.CostOf(maxOutputTokens, Output);
}
