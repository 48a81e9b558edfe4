using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Messages;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Tests.Gateway;

/// <summary>Cache reads, cache writes and reasoning tokens: each priced once at its own snapshot price, never above the hold.</summary>
public sealed class CacheAndReasoningPricingTests
{
    // Anthropic-like ratios: reads 0.1×, 5-minute writes 1.25×, 1-hour writes 2× the input price.
    private static readonly Prices Prices = new(Guid.Empty, Input: 3_000_000, Output: 15_000_000, CachedInput: 300_000, CacheWrite5m: 3_750_000, CacheWrite1h: 6_000_000);

    [Fact]
    public void CostOf_EachCacheComponentAtItsPrice_NotAlsoAtTheInputPrice()
    {
        // 1000 prompt = 400 uncached + 300 read + 200 written for 5 min + 100 for 1 h; 50 output of which 30 reasoning.
        var usage = new TokenUsage(1000, 50, CacheReadTokens: 300, CacheWrite5mTokens: 200, CacheWrite1hTokens: 100, ReasoningTokens: 30);

        // 400 × 3 = 1200; 300 × 0.3 = 90; 200 × 3.75 = 750; 100 × 6 = 600; 50 × 15 = 750 (reasoning is output, counted once).
        Assert.Equal(1200 + 90 + 750 + 600 + 750, Prices.CostOf(usage));
    }

    [Fact]
    public void CostOf_CacheCountsAboveThePrompt_AreClampedSoNoTokenIsPricedTwice()
    {
        var usage = new TokenUsage(100, 0, CacheReadTokens: 80, CacheWrite5mTokens: 80);

        Assert.Equal(Core.Common.Money.CostOf(80, 300_000) + Core.Common.Money.CostOf(20, 3_750_000), Prices.CostOf(usage));
        Assert.Equal(0, usage.UncachedPromptTokens);
    }

    [Fact]
    public void WorstCase_IsNeverBelowTheCostOfAnySplitOfThePrompt()
    {
        var random = new Random(20261202);
        var splits = 0;
        for (var i = 0; i < 5_000; i++)
        {
            // Prices that do not divide evenly, so every component rounds up.
            var prices = new Prices(Guid.Empty, random.Next(1, 5_000_000), random.Next(1, 20_000_000), random.Next(0, 5_000_000), random.Next(0, 8_000_000),
                random.Next(0, 10_000_000));
            var prompt = random.Next(0, 40);
            var output = random.Next(0, 40);
            var read = random.Next(0, prompt + 1);
            var write5m = random.Next(0, prompt - read + 1);
            var write1h = random.Next(0, prompt - read - write5m + 1);
            var usage = new TokenUsage(prompt, random.Next(0, output + 1), read, write5m, write1h);
            if (read + write5m + write1h > 0 && read + write5m + write1h < prompt) splits++;

            Assert.True(prices.CostOf(usage) <= prices.WorstCase(prompt, output), $"{prices} {usage}");
        }
        Assert.True(splits > 1_000, "the prompt should often be split across several prices");
    }

    [Fact]
    public void Decide_ChatUsage_MapsCachedWrittenAndReasoningTokens()
    {
        var usage = new Usage
        {
            PromptTokens = 1000, CompletionTokens = 50,
            PromptTokensDetails = new PromptTokensDetails { CachedTokens = 300, CacheWriteTokens = 200 },
            CompletionTokensDetails = new CompletionTokensDetails { ReasoningTokens = 30 },
        };
        var outcome = new UpstreamOutcome { Kind = UpstreamOutcomeKind.Completed, ReportedUsage = usage };

        var decision = ChargePolicy.Decide(outcome, 900, new TokenCounter().Count, Prices, held: 1_000_000);

        Assert.Equal(new TokenUsage(1000, 50, 300, 200, 0, 30), decision.Tokens);
        Assert.Equal(500 * 3 + 90 + 750 + 750, decision.Cost);
        Assert.Equal(300, decision.Usage.PromptTokensDetails!.CachedTokens);
        Assert.Equal(30, decision.Usage.CompletionTokensDetails!.ReasoningTokens);
    }

    [Fact]
    public void AnthropicUsage_RoundTripsTheTokens_InputTokensExcludeTheCache()
    {
        var tokens = new TokenUsage(1000, 50, CacheReadTokens: 300, CacheWrite5mTokens: 200, CacheWrite1hTokens: 100);

        var usage = MessagesUsage.From(tokens);

        Assert.Equal(new MessagesUsage(400, 50, 300, 300, new CacheCreationUsage(200, 100)), usage);
        Assert.Equal(tokens, usage.ToTokens());
        // A report without the 5-minute/1-hour split: the writes are 5-minute writes, Anthropic's default.
        Assert.Equal(new TokenUsage(900, 50, 300, 200, 0), new MessagesUsage(400, 50, 200, 300).ToTokens());
    }
}
