using TokensForge.Core.Common;

namespace TokensForge.Core.Routing;

/// <summary>
/// The prices a request is charged at: one <see cref="PriceSnapshot"/>, in µ per 1M tokens. Prompt tokens read from a
/// prompt cache are charged at <see cref="CachedInput"/> (OpenAI's cached input is a cache read) and tokens written to
/// one at <see cref="CacheWrite5m"/> or <see cref="CacheWrite1h"/>, each instead of <see cref="Input"/>, never on top.
/// </summary>
public sealed record Prices(Guid SnapshotId, long Input, long Output, long CachedInput, long CacheWrite5m, long CacheWrite1h)
{
    /// <summary>Prices whose cache writes cost what normal input costs (snapshots that name no cache-write price).</summary>
    public Prices(Guid SnapshotId, long Input, long Output, long CachedInput) : this(SnapshotId, Input, Output, CachedInput, Input, Input) { }

    /// <summary>
    /// DESIGN §1: each price component rounded up to the next µ once. Cached prompt tokens are part of
    /// <paramref name="promptTokens"/> and are charged at the cached price instead of the input price.
    /// </summary>
    public long CostOf(long promptTokens, long completionTokens, long cachedTokens = 0) =>
        CostOf(new TokenUsage((int)promptTokens, (int)completionTokens, (int)cachedTokens));

    /// <summary>
    /// DESIGN §1 for every kind of token: uncached prompt, cache reads, 5-minute and 1-hour cache writes and output
    /// (reasoning tokens are output tokens), each component rounded up to the next µ once.
    /// </summary>
    public long CostOf(TokenUsage usage)
    {
        var (read, write5m, write1h) = usage.CacheSplit();
        return Money.CostOf(usage.UncachedPromptTokens, Input) + Money.CostOf(read, CachedInput)
            + Money.CostOf(write5m, CacheWrite5m) + Money.CostOf(write1h, CacheWrite1h) + Money.CostOf(usage.CompletionTokens, Output);
    }

    /// <summary>
    /// The most a request can cost: every prompt token at the dearest prompt price and the whole output allowance used.
    /// Settlement rounds each prompt component up on its own, so a prompt split across k priced components can cost up to
    /// k − 1 µ more than the same tokens rounded once; that slack is held too, so no split is ever charged above the hold.
    /// </summary>
    public long WorstCase(long promptTokens, long maxOutputTokens)
    {
        long[] promptPrices = [Input, CachedInput, CacheWrite5m, CacheWrite1h];
        var priced = promptPrices.Count(p => p > 0);
        var roundingSlack = promptTokens > 0 && priced > 1 ? priced - 1 : 0;
        return Money.CostOf(promptTokens, promptPrices.Max()) + roundingSlack + Money.CostOf(maxOutputTokens, Output);
    }
}

/// <summary>
/// The tokens a request is charged for. <see cref="PromptTokens"/> is the whole prompt, cache reads and writes included
/// (OpenAI's <c>prompt_tokens</c>; Anthropic's <c>input_tokens</c> plus its two cache counts); <see cref="CompletionTokens"/>
/// is the whole output, <see cref="ReasoningTokens"/> included.
/// </summary>
public sealed record TokenUsage(int PromptTokens, int CompletionTokens, int CacheReadTokens = 0, int CacheWrite5mTokens = 0, int CacheWrite1hTokens = 0,
    int ReasoningTokens = 0)
{
    /// <summary>Anthropic's <c>input_tokens</c>: the prompt tokens neither read from nor written to a cache.</summary>
    public int UncachedPromptTokens
    {
        get
        {
            var (read, write5m, write1h) = CacheSplit();
            return Math.Max(PromptTokens, 0) - read - write5m - write1h;
        }
    }

    /// <summary>The cache counts, clamped so that together they never exceed the prompt (an upstream's odd report cannot price a token twice).</summary>
    public (int Read, int Write5m, int Write1h) CacheSplit()
    {
        var left = Math.Max(PromptTokens, 0);
        var read = Math.Clamp(CacheReadTokens, 0, left);
        left -= read;
        var write5m = Math.Clamp(CacheWrite5mTokens, 0, left);
        left -= write5m;
        return (read, write5m, Math.Clamp(CacheWrite1hTokens, 0, left));
    }

    /// <summary>These tokens in OpenAI's usage shape, with the cache and reasoning details that are not zero.</summary>
    public Upstreams.Usage ToChatUsage()
    {
        var (read, write5m, write1h) = CacheSplit();
        return new Upstreams.Usage
        {
            PromptTokens = PromptTokens, CompletionTokens = CompletionTokens, TotalTokens = PromptTokens + CompletionTokens,
            PromptTokensDetails = read + write5m + write1h > 0 ? new Upstreams.PromptTokensDetails { CachedTokens = read, CacheWriteTokens = write5m + write1h > 0 ? write5m + write1h : null } : null,
            CompletionTokensDetails = ReasoningTokens > 0 ? new Upstreams.CompletionTokensDetails { ReasoningTokens = ReasoningTokens } : null,
        };
    }
}
