using TokensForge.Core.Receipts;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>Small pieces both pipelines use.</summary>
internal static class PipelineParts
{
    private static readonly HashSet<string> Roles = new(StringComparer.Ordinal) { "system", "developer", "user", "assistant", "tool", "function" };

    /// <summary>What the JSON shape cannot say: messages present, roles known, output limits positive.</summary>
    public static GatewayError? Validate(ChatCompletionRequest request)
    {
        if (request.Messages is null) return GatewayError.Invalid("Missing required parameter: 'messages'.", "messages");
        if (request.Messages.Count == 0) return GatewayError.Invalid("'messages' must contain at least one message.", "messages");
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message is null) return GatewayError.Invalid($"messages[{i}] must be an object.", $"messages[{i}]");
            if (message.Role is null || !Roles.Contains(message.Role))
                return GatewayError.Invalid($"messages[{i}].role must be one of {string.Join(", ", Roles)}.", $"messages[{i}].role");
            if (message.Content is { ValueKind: not (System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.Array or System.Text.Json.JsonValueKind.Null) })
                return GatewayError.Invalid($"messages[{i}].content must be a string or an array of content parts.", $"messages[{i}].content");
        }
        if (request.MaxTokens is <= 0) return GatewayError.Invalid("max_tokens must be at least 1.", "max_tokens");
        if (request.MaxCompletionTokens is <= 0) return GatewayError.Invalid("max_completion_tokens must be at least 1.", "max_completion_tokens");
        if (request.N is < 1 or > 16) return GatewayError.Invalid("n must be between 1 and 16.", "n");
        return null;
    }

    /// <summary>No route could take the request now (circuits open, upstreams asked to wait): free, retry later.</summary>
    public static GatewayError Unavailable(string modelId, DateTime? retryAt, TimeProvider time)
    {
        var wait = retryAt is { } at ? at - time.GetUtcNow().UtcDateTime : (TimeSpan?)null;
        return new GatewayError(GatewayErrorKind.UpstreamError, "upstream_error",
            $"No route serving the model '{modelId}' is available right now; you were not charged. Retry later.",
            RetryAfter: wait > TimeSpan.Zero ? wait : null);
    }

    /// <summary>The upstream refused the request itself (400, 413, 422): the caller must change it, so it is not retried elsewhere.</summary>
    public static GatewayError RefusedByUpstream(UpstreamOutcome outcome) =>
        GatewayError.Invalid($"The upstream refused the request (HTTP {outcome.UpstreamStatus}); you were not charged. {outcome.Error}");

    public static ChargeDecision Free(string reason, int promptTokens) => new(RequestStatus.Failed, reason, promptTokens, 0, 0, true, 0);

    public static IdempotencyCompletion? Completion(Guid? claimId, int? status, string? body) =>
        claimId is { } id ? new IdempotencyCompletion(id, status, body) : null;

    public static Usage UsageOf(ChargeDecision decision) => new()
    {
        PromptTokens = decision.PromptTokens,
        CompletionTokens = decision.CompletionTokens,
        TotalTokens = decision.PromptTokens + decision.CompletionTokens,
    };
}
