using System.Text.Json;
using System.Text.Json.Serialization;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Gateway.Messages;

// Anthropic's Messages wire format, as far as the gateway understands it. Content blocks stay JsonElements: the
// translator reads them block by block, so a block of a kind it does not know is refused by name, not lost.

/// <summary>Request body of <c>POST /v1/messages</c> (and <c>/v1/messages/count_tokens</c>, which has no <c>max_tokens</c>).</summary>
public sealed class MessagesRequest
{
    public string? Model { get; set; }
    public List<MessageParam?>? Messages { get; set; }

    /// <summary>A string or an array of text blocks.</summary>
    public JsonElement? System { get; set; }

    public int? MaxTokens { get; set; }
    public List<string>? StopSequences { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    public int? TopK { get; set; }
    public MessagesMetadata? Metadata { get; set; }
    public bool? Stream { get; set; }
    public List<ToolParam?>? Tools { get; set; }
    public ToolChoiceParam? ToolChoice { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>One turn: <c>user</c> or <c>assistant</c>, with a string or an array of content blocks.</summary>
public sealed class MessageParam
{
    public string? Role { get; set; }
    public JsonElement? Content { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class MessagesMetadata
{
    public string? UserId { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A client tool. Server tools (a <c>type</c> such as <c>web_search_20250305</c>) are not translated.</summary>
public sealed class ToolParam
{
    public string? Type { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public JsonElement? InputSchema { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>auto</c>, <c>any</c>, <c>tool</c> (with <see cref="Name"/>) or <c>none</c>.</summary>
public sealed class ToolChoiceParam
{
    public string? Type { get; set; }
    public string? Name { get; set; }
    public bool? DisableParallelToolUse { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>An output block: <c>text</c> (with <see cref="Text"/>) or <c>tool_use</c> (with id, name and input).</summary>
public sealed record ContentBlock(string Type, string? Text = null, string? Id = null, string? Name = null, JsonElement? Input = null)
{
    public static ContentBlock OfText(string text) => new("text", Text: text);

    public static ContentBlock OfToolUse(string id, string name, JsonElement input) => new("tool_use", Id: id, Name: name, Input: input);
}

/// <summary>
/// Anthropic's usage: <see cref="InputTokens"/> excludes the cache reads and writes, which are counted beside it.
/// <see cref="CacheCreation"/> splits the writes by how long the cache lives.
/// </summary>
public sealed record MessagesUsage(int InputTokens, int OutputTokens, int CacheCreationInputTokens, int CacheReadInputTokens, CacheCreationUsage? CacheCreation = null)
{
    /// <summary>The charged tokens in Anthropic's words.</summary>
    public static MessagesUsage From(TokenUsage tokens)
    {
        var (read, write5m, write1h) = tokens.CacheSplit();
        return new MessagesUsage(tokens.UncachedPromptTokens, tokens.CompletionTokens, write5m + write1h, read, new CacheCreationUsage(write5m, write1h));
    }

    /// <summary>
    /// The tokens to charge from an Anthropic usage report (for an upstream that speaks Messages): writes without a
    /// split are 5-minute writes, Anthropic's default.
    /// </summary>
    public TokenUsage ToTokens()
    {
        var write1h = CacheCreation?.Ephemeral1hInputTokens ?? 0;
        var write5m = CacheCreation is { } split ? split.Ephemeral5mInputTokens : CacheCreationInputTokens;
        return new TokenUsage(InputTokens + CacheReadInputTokens + write5m + write1h, OutputTokens, CacheReadInputTokens, write5m, write1h);
    }
}

public sealed record CacheCreationUsage(
    [property: JsonPropertyName("ephemeral_5m_input_tokens")] int Ephemeral5mInputTokens,
    [property: JsonPropertyName("ephemeral_1h_input_tokens")] int Ephemeral1hInputTokens);

/// <summary>Anthropic's message object, the answer of a non-streaming request and the start of a stream.</summary>
public sealed record MessageResponse(
    string Id,
    string Type,
    string Role,
    string Model,
    IReadOnlyList<ContentBlock> Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? StopReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? StopSequence,
    MessagesUsage Usage);

// Stream events, one record per event type so each is written exactly as Anthropic writes it.
public sealed record MessageStartEvent(MessageResponse Message)
{
    public string Type => "message_start";
}

public sealed record ContentBlockStartEvent(int Index, ContentBlock ContentBlock)
{
    public string Type => "content_block_start";
}

public sealed record PingEvent
{
    public string Type => "ping";
}

/// <summary><c>text_delta</c> with <see cref="Text"/> or <c>input_json_delta</c> with <see cref="PartialJson"/>.</summary>
public sealed record BlockDelta(string Type, string? Text = null, string? PartialJson = null);

public sealed record ContentBlockDeltaEvent(int Index, BlockDelta Delta)
{
    public string Type => "content_block_delta";
}

public sealed record ContentBlockStopEvent(int Index)
{
    public string Type => "content_block_stop";
}

public sealed record MessageDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? StopReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? StopSequence);

public sealed record MessageDeltaEvent(MessageDelta Delta, MessagesUsage Usage)
{
    public string Type => "message_delta";
}

public sealed record MessageStopEvent
{
    public string Type => "message_stop";
}

/// <summary>Anthropic's error body, for responses and the stream's <c>error</c> event.</summary>
public sealed record MessagesErrorBody(MessagesErrorDetail Error)
{
    public string Type => "error";
}

public sealed record MessagesErrorDetail(string Type, string Message);

/// <summary>The answer of <c>POST /v1/messages/count_tokens</c>.</summary>
public sealed record TokenCountResponse(int InputTokens);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MessagesRequest))]
[JsonSerializable(typeof(MessageResponse))]
[JsonSerializable(typeof(MessageStartEvent))]
[JsonSerializable(typeof(ContentBlockStartEvent))]
[JsonSerializable(typeof(PingEvent))]
[JsonSerializable(typeof(ContentBlockDeltaEvent))]
[JsonSerializable(typeof(ContentBlockStopEvent))]
[JsonSerializable(typeof(MessageDeltaEvent))]
[JsonSerializable(typeof(MessageStopEvent))]
[JsonSerializable(typeof(MessagesErrorBody))]
[JsonSerializable(typeof(TokenCountResponse))]
public sealed partial class MessagesJsonContext : JsonSerializerContext;
