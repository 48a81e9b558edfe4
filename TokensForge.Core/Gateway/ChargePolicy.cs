using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>What a finished request is charged, in tokens and µ, with the status and reason for its receipt.</summary>
public sealed record ChargeDecision(RequestStatus Status, string Reason, TokenUsage Tokens, bool Estimated, long Cost)
{
    /// <summary>Nothing was called or nothing delivered: free, for <paramref name="reason"/>.</summary>
    public static ChargeDecision Free(string reason, int promptTokens) => new(RequestStatus.Failed, reason, new TokenUsage(promptTokens, 0), true, 0);

    public int PromptTokens => Tokens.PromptTokens;
    public int CompletionTokens => Tokens.CompletionTokens;

    /// <summary>Prompt tokens read from a cache.</summary>
    public int CachedTokens => Tokens.CacheReadTokens;

    /// <summary>The charged tokens in OpenAI's words (the caller's usage when the upstream reported none: our count).</summary>
    public Usage Usage => Tokens.ToChatUsage();
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
            case UpstreamOutcomeKind.FailedBeforeFirstByte when outcome.AnswerOverLimit is not null:
                return ChargeDecision.Free(ReceiptReasons.AnswerTooLarge, countedPromptTokens);
            case UpstreamOutcomeKind.FailedBeforeFirstByte:
                return ChargeDecision.Free(ReceiptReasons.UpstreamError, countedPromptTokens);
            case UpstreamOutcomeKind.TimedOutBeforeFirstByte:
                return ChargeDecision.Free(ReceiptReasons.UpstreamTimeout, countedPromptTokens);
        }

        // What the upstream reported, cache and reasoning details included; else our count of the prompt and of what was delivered.
        var reported = outcome.ReportedTokens ?? outcome.ReportedUsage?.ToTokens();
        var (tokens, estimated) = outcome.Kind == UpstreamOutcomeKind.Completed && reported is { } usage
            ? (usage, false)
            : (new TokenUsage(countedPromptTokens, countTokens(outcome.Delivered.ToString())), true);

        var (status, reason) = outcome.Kind switch
        {
            UpstreamOutcomeKind.Completed => (RequestStatus.Succeeded, ReceiptReasons.Completed),
            UpstreamOutcomeKind.ClientCancelled => (RequestStatus.Partial, ReceiptReasons.ClientCancelled),
            _ => (RequestStatus.Partial, ReceiptReasons.UpstreamCut),
        };
        var cost = prices.CostOf(tokens);
        if (cost > held)
        {
            cost = held;
            if (status == RequestStatus.Succeeded) reason = ReceiptReasons.CappedAtHold;
        }
        return new ChargeDecision(status, reason, tokens, estimated, cost);
    }
}
