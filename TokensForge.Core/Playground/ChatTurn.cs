using System.Globalization;
using System.Text.Json;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Playground;

/// <summary>One message of a conversation typed in the browser: <c>user</c> or <c>assistant</c>, plain text.</summary>
public sealed record ChatTurn(string Role, string Content)
{
    public const string User = "user";
    public const string Assistant = "assistant";
}

/// <summary>
/// A chat request as the playground (or the research assistant) builds it: a system prompt, the turns so far,
/// and the sampling settings. It always streams, as the pages render output as it arrives.
/// </summary>
public sealed record ChatDraft(string Model, string? SystemPrompt, IReadOnlyList<ChatTurn> Turns, double? Temperature = null, int? MaxTokens = null)
{
    /// <summary>The messages in the order the model gets them: the system prompt (when any) first.</summary>
    public IEnumerable<ChatTurn> Messages =>
        string.IsNullOrWhiteSpace(SystemPrompt) ? Turns : Turns.Prepend(new ChatTurn("system", SystemPrompt));

    /// <summary>The OpenAI-shaped request for the gateway pipeline.</summary>
    public ChatCompletionRequest ToRequest() => new()
    {
        Model = Model,
        Messages = Messages.Select(m => new ChatMessage { Role = m.Role, Content = JsonSerializer.SerializeToElement(m.Content, OpenAiJsonContext.Default.String) }).ToList(),
        Stream = true,
        MaxTokens = MaxTokens,
        Extra = Temperature is { } t
            ? new Dictionary<string, JsonElement> { ["temperature"] = JsonDocument.Parse(t.ToString("0.###", CultureInfo.InvariantCulture)).RootElement.Clone() }
            : null,
    };
}
