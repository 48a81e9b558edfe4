using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>What a finished request is charged, in tokens and µ, with the status and reason for its receipt.</summary>
public sealed record ChargeDecision(RequestStatus Status, string Reason, int PromptTokens, int CompletionTokens, int CachedTokens, bool Estimated, long Cost)
{
    /// <summary>Nothing was called or nothing delivered: free, for <paramref name="reason"/>.</summary>
    public static ChargeDecision Free(string reason, int promptTokens) => new(RequestStatus.Failed, reason, promptTokens, 0, 0, true, 0);

    /// <summary>The usage the caller is told about when the upstream reported none (our count).</summary>
    public Usage Usage => new() { PromptTokens = PromptTokens, CompletionTokens = CompletionTokens, TotalTokens = PromptTokens + CompletionTokens };
}

/// <summary>
/// The failure policy of DESIGN §5 as one pure function: an upstream failure before the first byte is free;
/// a full answer is charged on the upstream's usage (counted locally and flagged estimated when it reports
/// none); a caller's cancel or an upstream cut is charged for the prompt and the output delivered, counted
/// locally. No request is ever charged more than the worst case it held.
/// </summary>
public static class ChargePolicy
{
    public static ChargeDecision Decide(UpstreamOutcome outcome, int countedPromptTokens, Func<string, int> countTokens, Prices prices, long held)
    {
        switch (outcome.Kind)
        {
            case UpstreamOutcomeKind.FailedBeforeFirstByte:
                return new ChargeDecision(RequestStatus.Failed, ReceiptReasons.UpstreamError, countedPromptTokens, 0, 0, true, 0);
            case UpstreamOutcomeKind.TimedOutBeforeFirstByte:
                return new ChargeDecision(RequestStatus.Failed, ReceiptReasons.UpstreamTimeout, countedPromptTokens, 0, 0, true, 0);
        }

        int prompt, completion, cached;
        bool estimated;
        if (outcome.Kind == UpstreamOutcomeKind.Completed && outcome.ReportedUsage is { } usage)
        {
            (prompt, completion, cached, estimated) = (usage.PromptTokens, usage.CompletionTokens, usage.PromptTokensDetails?.CachedTokens ?? 0, false);
        }
        else
        {
            (prompt, completion, cached, estimated) = (countedPromptTokens, countTokens(outcome.Delivered.ToString()), 0, true);
        }

        var (status, reason) = outcome.Kind switch
        {
            UpstreamOutcomeKind.Completed => (RequestStatus.Succeeded, ReceiptReasons.Completed),
            UpstreamOutcomeKind.ClientCancelled => (RequestStatus.Partial, ReceiptReasons.ClientCancelled),
            _ => (RequestStatus.Partial, ReceiptReasons.UpstreamCut),
        };
        var cost = prices.CostOf(prompt, completion, cached);
        if (cost > held)
        {
            cost = held;
            if (status == RequestStatus.Succeeded) reason = ReceiptReasons.CappedAtHold;
        }
        return new ChargeDecision(status, reason, prompt, completion, cached, estimated, cost);
    }
}
