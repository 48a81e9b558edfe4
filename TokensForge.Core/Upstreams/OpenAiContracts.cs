using System.Text.Json;
using System.Text.Json.Serialization;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Upstreams;

// The OpenAI wire format, as far as the gateway needs to understand it. Every type keeps the fields it does
// not know in JsonExtensionData, so requests and responses pass through without losing anything.

/// <summary>Request body of <c>POST /chat/completions</c>.</summary>
public sealed class ChatCompletionRequest
{
    public string? Model { get; set; }
    public List<ChatMessage>? Messages { get; set; }
    public bool? Stream { get; set; }
    public StreamOptions? StreamOptions { get; set; }
    public int? MaxTokens { get; set; }
    public int? MaxCompletionTokens { get; set; }
    public int? N { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class StreamOptions
{
    public bool? IncludeUsage { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A message of the conversation; <see cref="Content"/> is a string or an array of content parts.</summary>
public sealed class ChatMessage
{
    public string? Role { get; set; }
    public JsonElement? Content { get; set; }
    public string? Name { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>Response body of a non-streaming chat completion.</summary>
public sealed class ChatCompletionResponse
{
    public string? Id { get; set; }
    public string? Object { get; set; }
    public long? Created { get; set; }
    public string? Model { get; set; }
    public List<ChatChoice>? Choices { get; set; }
    public Usage? Usage { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class ChatChoice
{
    public int Index { get; set; }
    public ResponseMessage? Message { get; set; }
    public string? FinishReason { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class ResponseMessage
{
    private string? _content;
    private string? _refusal;

    public string? Role { get; set; }

    /// <summary>The text; set (even to null) marks it <see cref="ContentSent"/>, so a null the upstream wrote is relayed.</summary>
    public string? Content
    {
        get => _content;
        set => (_content, ContentSent) = (value, true);
    }

    public string? Refusal
    {
        get => _refusal;
        set => (_refusal, RefusalSent) = (value, true);
    }

    /// <summary>Whether <see cref="Content"/> was given (parsed from the upstream, or set), null included.</summary>
    [JsonIgnore]
    public bool ContentSent { get; private set; }

    [JsonIgnore]
    public bool RefusalSent { get; private set; }
    public List<ToolCall>? ToolCalls { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class ToolCall
{
    public int? Index { get; set; }
    public string? Id { get; set; }
    public string? Type { get; set; }
    public FunctionCall? Function { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class FunctionCall
{
    public string? Name { get; set; }
    public string? Arguments { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>One server-sent event of a streaming chat completion.</summary>
public sealed class ChatCompletionChunk
{
    public string? Id { get; set; }
    public string? Object { get; set; }
    public long? Created { get; set; }
    public string? Model { get; set; }
    public List<ChunkChoice>? Choices { get; set; }
    public Usage? Usage { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class ChunkChoice
{
    public int Index { get; set; }
    public ResponseMessage? Delta { get; set; }

    // Written even when null: OpenAI clients expect the field on every chunk choice.
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? FinishReason { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class Usage
{
    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }
    public int TotalTokens { get; set; }
    public PromptTokensDetails? PromptTokensDetails { get; set; }
    public CompletionTokensDetails? CompletionTokensDetails { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>The tokens to charge: cache reads, cache writes and reasoning from the details, where the upstream reports them.</summary>
    public TokenUsage ToTokens() => new(PromptTokens, CompletionTokens, PromptTokensDetails?.CachedTokens ?? 0, PromptTokensDetails?.CacheWriteTokens ?? 0, 0,
        CompletionTokensDetails?.ReasoningTokens ?? 0);
}

public sealed class PromptTokensDetails
{
    /// <summary>Prompt tokens read from the upstream's prompt cache.</summary>
    public int? CachedTokens { get; set; }

    /// <summary>Prompt tokens written to a cache, as OpenAI-compatible aggregators (e.g. OpenRouter) report them; priced as 5-minute writes.</summary>
    public int? CacheWriteTokens { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class CompletionTokensDetails
{
    /// <summary>Output tokens spent on reasoning; part of <c>completion_tokens</c>.</summary>
    public int? ReasoningTokens { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>Request body of <c>POST /embeddings</c>; <see cref="Input"/> is a string, strings, tokens or token arrays.</summary>
public sealed class EmbeddingRequest
{
    public string? Model { get; set; }
    public JsonElement? Input { get; set; }
    public string? EncodingFormat { get; set; }
    public int? Dimensions { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class EmbeddingResponse
{
    public string? Object { get; set; }
    public List<EmbeddingItem>? Data { get; set; }
    public string? Model { get; set; }
    public Usage? Usage { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>One vector: an array of floats, or base64 of little-endian float32 when asked for.</summary>
public sealed class EmbeddingItem
{
    public string? Object { get; set; }
    public int Index { get; set; }
    public JsonElement Embedding { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>OpenAI's error body.</summary>
public sealed record ErrorBody(ErrorDetail Error);

public sealed record ErrorDetail(
    string Message,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);

/// <remarks><see cref="MaxOutputTokens"/> is ours (OpenAI lists none): the most output one answer may have, when known.</remarks>
public sealed record ModelObject(string Id, string Object, long Created, string OwnedBy, int? MaxOutputTokens = null);

public sealed record ModelList(string Object, IReadOnlyList<ModelObject> Data);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(EmbeddingRequest))]
[JsonSerializable(typeof(EmbeddingResponse))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelObject))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(float[]))]
public sealed partial class OpenAiJsonContext : JsonSerializerContext;
