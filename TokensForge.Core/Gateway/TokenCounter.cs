using System.Text.Json;
using Microsoft.ML.Tokenizers;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// Counts tokens with the o200k_base encoding (GPT-4o family): prompts before a request, to size its hold, and
/// delivered output when an upstream reports no usage or stops early.
/// </summary>
public sealed class TokenCounter
{
    // OpenAI's accounting for chat prompts: a few tokens of framing per message and for the reply's start.
    private const int PerMessage = 3;
    private const int PerName = 1;
    private const int ReplyPriming = 3;

    private static readonly Lazy<Tokenizer> Encoding = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    public int Count(string? text) => string.IsNullOrEmpty(text) ? 0 : Encoding.Value.CountTokens(text);

    /// <summary>Prompt tokens of a chat request: messages with their framing, plus tool and format definitions sent along.</summary>
    public int CountPrompt(ChatCompletionRequest request)
    {
        var total = ReplyPriming;
        foreach (var message in request.Messages ?? [])
        {
            total += PerMessage + Count(message.Role);
            if (message.Name is { } name) total += PerName + Count(name);
            total += CountContent(message.Content);
            if (message.Extra is { } extra)
            {
                foreach (var (_, value) in extra) total += CountJson(value);
            }
        }
        if (request.Extra is { } options)
        {
            foreach (var field in (string[])["tools", "functions", "response_format"])
            {
                if (options.TryGetValue(field, out var value)) total += CountJson(value);
            }
        }
        return total;
    }

    /// <summary>Tokens of an embeddings input: strings are encoded, token arrays are counted as they are.</summary>
    public int CountEmbeddingInput(JsonElement input) => input.ValueKind switch
    {
        JsonValueKind.String => Count(input.GetString()),
        JsonValueKind.Array => input.EnumerateArray().Sum(item => item.ValueKind switch
        {
            JsonValueKind.Number => 1,
            JsonValueKind.String => Count(item.GetString()),
            JsonValueKind.Array => item.GetArrayLength(),
            _ => 0,
        }),
        _ => 0,
    };

    private int CountContent(JsonElement? content)
    {
        if (content is not { } value) return 0;
        if (value.ValueKind == JsonValueKind.String) return Count(value.GetString());
        if (value.ValueKind != JsonValueKind.Array) return 0;
        var total = 0;
        foreach (var part in value.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object) continue;
            if (part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String) total += Count(text.GetString());
            else if (part.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "image_url") total += ImageTokens.Of(part);
            else total += CountJson(part);
        }
        return total;
    }

    private int CountJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => 0,
        JsonValueKind.String => Count(value.GetString()),
        _ => Count(value.GetRawText()),
    };
}
