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
