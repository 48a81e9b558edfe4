using System.Text.Json;
using System.Text.Json.Serialization;

namespace TokensForge.Core.Gateway.Responses;

// OpenAI's Responses API wire format, as far as the gateway translates it to and from chat completions. Request
// fields it does not translate stay in JsonExtensionData, so they can be refused by name instead of silently lost.

/// <summary>Request body of <c>POST /v1/responses</c>.</summary>
public sealed class CreateResponseRequest
{
    public string? Model { get; set; }

    /// <summary>A string (one user message) or an array of input items.</summary>
    public JsonElement? Input { get; set; }

    public string? Instructions { get; set; }
    public List<JsonElement>? Tools { get; set; }
    public JsonElement? ToolChoice { get; set; }
    public bool? ParallelToolCalls { get; set; }
    public int? MaxOutputTokens { get; set; }
    public JsonElement? Temperature { get; set; }
    public JsonElement? TopP { get; set; }
    public ResponseTextOptions? Text { get; set; }
    public ResponseReasoningOptions? Reasoning { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public string? User { get; set; }
    public bool? Stream { get; set; }

    /// <summary>Keep the response so <c>GET /v1/responses/{id}</c> and <c>previous_response_id</c> find it. Default true, as OpenAI.</summary>
    public bool? Store { get; set; }

    public string? PreviousResponseId { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>text</c>: the output format (<c>text</c>, <c>json_object</c>, <c>json_schema</c>).</summary>
public sealed class ResponseTextOptions
{
    public JsonElement? Format { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class ResponseReasoningOptions
{
    public string? Effort { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Summary { get; set; }
}

/// <summary>A Response object: what <c>POST /v1/responses</c> answers, streams in its events and <c>GET /v1/responses/{id}</c> returns.</summary>
public sealed class ResponseObject
{
    public string Id { get; set; } = "";
    public string Object { get; set; } = "response";
    public long CreatedAt { get; set; }

    /// <summary><c>in_progress</c>, <c>completed</c>, <c>incomplete</c> or <c>failed</c>.</summary>
    public string Status { get; set; } = "in_progress";

    public bool Background { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public ResponseErrorInfo? Error { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public ResponseIncompleteDetails? IncompleteDetails { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Instructions { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? MaxOutputTokens { get; set; }

    public string Model { get; set; } = "";
    public List<ResponseOutputItem> Output { get; set; } = [];
    public bool ParallelToolCalls { get; set; } = true;

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? PreviousResponseId { get; set; }

    public ResponseReasoningOptions Reasoning { get; set; } = new();
    public bool Store { get; set; } = true;
    public JsonElement? Temperature { get; set; }
    public JsonElement? Text { get; set; }
    public JsonElement? ToolChoice { get; set; }
    public List<JsonElement> Tools { get; set; } = [];
    public JsonElement? TopP { get; set; }
    public string Truncation { get; set; } = "disabled";

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public ResponseUsage? Usage { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? User { get; set; }

    public Dictionary<string, string> Metadata { get; set; } = [];
}

public sealed record ResponseErrorInfo(string Code, string Message);

public sealed record ResponseIncompleteDetails(string Reason);

/// <summary>
/// One output item: a <c>message</c> (role, content) or a <c>function_call</c> (call id, name, arguments). One class
/// for both keeps the source-generated serializer simple; the fields of the other kind stay null and are not written.
/// </summary>
public sealed class ResponseOutputItem
{
    public string Type { get; set; } = "";
    public string Id { get; set; } = "";
    public string Status { get; set; } = "completed";
    public string? Role { get; set; }
    public List<ResponseContentPart>? Content { get; set; }
    public string? CallId { get; set; }
    public string? Name { get; set; }
    public string? Arguments { get; set; }

    public static ResponseOutputItem Message(string id, string status) => new() { Type = "message", Id = id, Status = status, Role = "assistant", Content = [] };

    public static ResponseOutputItem FunctionCall(string id, string status, string callId, string name, string arguments) =>
        new() { Type = "function_call", Id = id, Status = status, CallId = callId, Name = name, Arguments = arguments };
}

/// <summary>A part of an output message: <c>output_text</c> (with its annotations) or <c>refusal</c>.</summary>
public sealed class ResponseContentPart
{
    public string Type { get; set; } = "output_text";
    public string? Text { get; set; }
    public string? Refusal { get; set; }
    public List<JsonElement>? Annotations { get; set; }

    public static ResponseContentPart OutputText(string text) => new() { Type = "output_text", Text = text, Annotations = [] };

    public static ResponseContentPart RefusalText(string refusal) => new() { Type = "refusal", Refusal = refusal };
}

public sealed class ResponseUsage
{
    public int InputTokens { get; set; }
    public ResponseInputTokensDetails InputTokensDetails { get; set; } = new();
    public int OutputTokens { get; set; }
    public ResponseOutputTokensDetails OutputTokensDetails { get; set; } = new();
    public int TotalTokens { get; set; }
}

public sealed class ResponseInputTokensDetails
{
    public int CachedTokens { get; set; }
}

public sealed class ResponseOutputTokensDetails
{
    public int ReasoningTokens { get; set; }
}

/// <summary>
/// One server-sent event of a streamed response (<c>response.created</c>, <c>response.output_text.delta</c>, …). Every
/// event kind uses a few of these fields; the rest stay null and are not written.
/// </summary>
public sealed class ResponseStreamEvent
{
    public string Type { get; set; } = "";
    public int SequenceNumber { get; set; }
    public ResponseObject? Response { get; set; }
    public int? OutputIndex { get; set; }
    public string? ItemId { get; set; }
    public int? ContentIndex { get; set; }
    public ResponseOutputItem? Item { get; set; }
    public ResponseContentPart? Part { get; set; }
    public string? Delta { get; set; }
    public string? Text { get; set; }
    public string? Refusal { get; set; }
    public string? Name { get; set; }
    public string? Arguments { get; set; }
    public List<JsonElement>? Logprobs { get; set; }
    public string? Code { get; set; }
    public string? Message { get; set; }
    public string? Param { get; set; }
}

/// <summary>What <c>DELETE /v1/responses/{id}</c> answers.</summary>
public sealed record ResponseDeleted(string Id, string Object, bool Deleted);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateResponseRequest))]
[JsonSerializable(typeof(ResponseObject))]
[JsonSerializable(typeof(ResponseOutputItem))]
[JsonSerializable(typeof(ResponseStreamEvent))]
[JsonSerializable(typeof(ResponseDeleted))]
[JsonSerializable(typeof(List<JsonElement>))]
public sealed partial class ResponsesJsonContext : JsonSerializerContext;
