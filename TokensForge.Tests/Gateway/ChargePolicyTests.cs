using TokensForge.Core.Gateway;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Tests.Gateway;

public sealed class ChargePolicyTests
{
    private static readonly Prices Prices = new(Guid.Empty, Input: 1_000_000, Output: 2_000_000, CachedInput: 500_000);
    private static readonly TokenCounter Counter = new();

    private static UpstreamOutcome Outcome(UpstreamOutcomeKind kind, string delivered = "", Usage? usage = null)
    {
        var outcome = new UpstreamOutcome { Kind = kind, ReportedUsage = usage };
        outcome.Delivered.Append(delivered);
        return outcome;
    }

    [Theory]
    [InlineData(UpstreamOutcomeKind.FailedBeforeFirstByte, ReceiptReasons.UpstreamError)]
    [InlineData(UpstreamOutcomeKind.TimedOutBeforeFirstByte, ReceiptReasons.UpstreamTimeout)]
    public void Decide_FailureBeforeFirstByte_IsFree(UpstreamOutcomeKind kind, string reason)
    {
        var decision = ChargePolicy.Decide(Outcome(kind, usage: new Usage { PromptTokens = 10, CompletionTokens = 5 }), 10, Counter.Count, Prices, 1_000);

        Assert.Equal(RequestStatus.Failed, decision.Status);
        Assert.Equal(reason, decision.Reason);
        Assert.Equal(0, decision.Cost);
    }

    [Fact]
    public void Decide_Completed_ChargesReportedUsage_WithCachedTokensAtTheirPrice()
    {
        var usage = new Usage { PromptTokens = 100, CompletionTokens = 20, PromptTokensDetails = new PromptTokensDetails { CachedTokens = 40 } };

        var decision = ChargePolicy.Decide(Outcome(UpstreamOutcomeKind.Completed, "ignored", usage), 90, Counter.Count, Prices, 10_000);

        Assert.Equal(RequestStatus.Succeeded, decision.Status);
        Assert.False(decision.Estimated);
        Assert.Equal((100, 20, 40), (decision.PromptTokens, decision.CompletionTokens, decision.CachedTokens));
        Assert.Equal(60 + 20 + 40, decision.Cost);
    }

    [Fact]
    public void Decide_CompletedWithoutUsage_CountsLocally_Estimated()
    {
        var decision = ChargePolicy.Decide(Outcome(UpstreamOutcomeKind.Completed, " the model token"), 12, Counter.Count, Prices, 10_000);

        Assert.True(decision.Estimated);
        Assert.Equal(3, decision.CompletionTokens);
        Assert.Equal(12 + 6, decision.Cost);
    }

    [Theory]
    [InlineData(UpstreamOutcomeKind.CutAfterFirstByte, ReceiptReasons.UpstreamCut)]
    [InlineData(UpstreamOutcomeKind.ClientCancelled, ReceiptReasons.ClientCancelled)]
    public void Decide_StoppedEarly_ChargesPromptAndDelivered_Partial(UpstreamOutcomeKind kind, string reason)
    {
        var decision = ChargePolicy.Decide(Outcome(kind, "one two"), 7, Counter.Count, Prices, 10_000);

        Assert.Equal(RequestStatus.Partial, decision.Status);
        Assert.Equal(reason, decision.Reason);
        Assert.True(decision.Estimated);
        Assert.Equal(2, decision.CompletionTokens);
        Assert.Equal(7 + 4, decision.Cost);
    }

    [Fact]
    public void Decide_UsageAboveTheHold_ChargesTheHoldOnly()
    {
        var decision = ChargePolicy.Decide(Outcome(UpstreamOutcomeKind.Completed, usage: new Usage { PromptTokens = 1000, CompletionTokens = 1000 }),
            10, Counter.Count, Prices, held: 500);

        Assert.Equal(500, decision.Cost);
        Assert.Equal(ReceiptReasons.CappedAtHold, decision.Reason);
    }
}
