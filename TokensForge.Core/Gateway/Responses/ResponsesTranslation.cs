using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway.Responses;

/// <summary>
/// A Responses request as a chat completion: the messages (instructions, the stored conversation, the new input) and
/// the chat options the request's tools, tool choice, format and sampling translate to. <see cref="InputItems"/> is the
/// request's own input as items (a string input becomes one user message), which is what a stored response keeps.
/// </summary>
public sealed record ChatTranslation(List<ChatMessage> Messages, IReadOnlyList<JsonElement> InputItems, Dictionary<string, JsonElement> Options);

/// <summary>
/// Translation between the Responses API and chat completions, both ways, as pure functions: every upstream today
/// speaks chat completions. What cannot be translated is refused with a 400 naming the parameter, never dropped.
/// </summary>
public static class ResponsesTranslation
{
    /// <summary>OpenAI's limits on <c>metadata</c>.</summary>
    public const int MaxMetadataPairs = 16, MaxMetadataKeyLength = 64, MaxMetadataValueLength = 512;

    private static readonly HashSet<string> MessageRoles = new(StringComparer.Ordinal) { "user", "assistant", "system", "developer" };

    /// <summary>Request fields with no chat completions counterpart: refused rather than ignored, since ignoring them changes the answer.</summary>
    private static readonly string[] Unsupported = ["background", "conversation", "prompt"];

    /// <summary>
    /// The chat request that answers <paramref name="request"/>, after <paramref name="history"/> (the items of the response
    /// it continues), or why it cannot be translated.
    /// </summary>
    public static (ChatTranslation? Chat, GatewayError? Error) ToChat(CreateResponseRequest request, IReadOnlyList<JsonElement> history)
    {
        if (request.Input is not { } input || input.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return Fail(GatewayErrors.Missing("input"));
        if (request.MaxOutputTokens is <= 0) return Fail(GatewayErrors.AtLeastOne("max_output_tokens"));
        if (request.MaxOutputTokens > ChatShape.MaxOutputLimit)
            return Fail(GatewayErrors.Invalid($"max_output_tokens may be at most {ChatShape.MaxOutputLimit}.", "max_output_tokens"));
        if ((CheckRange(request.Temperature, "temperature", 0, 2) ?? CheckRange(request.TopP, "top_p", 0, 1) ?? CheckMetadata(request.Metadata)) is { } badValue)
            return Fail(badValue);
        foreach (var field in Unsupported)
        {
            if (request.Extra?.TryGetValue(field, out var value) == true && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.False))
                return Fail(GatewayErrors.Invalid($"'{field}' is not supported by this gateway.", field));
        }

        List<JsonElement> items;
        if (input.ValueKind == JsonValueKind.String)
        {
            if (input.GetString()!.Length == 0) return Fail(GatewayErrors.Invalid("'input' cannot be empty.", "input"));
            items = [Element(new JsonObject { ["type"] = "message", ["role"] = "user", ["content"] = input.GetString() })];
        }
        else if (input.ValueKind == JsonValueKind.Array && input.GetArrayLength() > 0) items = input.EnumerateArray().Select(i => i.Clone()).ToList();
        else return Fail(GatewayErrors.Invalid("'input' must be a string or a non-empty array of input items.", "input"));

        var messages = new JsonArray();
        if (!string.IsNullOrEmpty(request.Instructions)) messages.Add(new JsonObject { ["role"] = "system", ["content"] = request.Instructions });
        var conversation = new Conversation(messages);
        for (var i = 0; i < history.Count; i++)
        {
            if (conversation.Add(history[i], "previous_response_id") is { } broken) return Fail(broken);
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (conversation.Add(items[i], $"input[{i}]") is { } invalid) return Fail(invalid);
        }
        if (messages.Count == 0) return Fail(GatewayErrors.Invalid("'input' holds no message the model can answer.", "input"));

        var options = new Dictionary<string, JsonElement>();
        if ((Tools(request.Tools, options) ?? ToolChoice(request.ToolChoice, options) ?? Format(request.Text, options)) is { } badOption) return Fail(badOption);
        if (request.ParallelToolCalls is { } parallel) options["parallel_tool_calls"] = Element(JsonValue.Create(parallel));
        if (request.Temperature is { ValueKind: JsonValueKind.Number } temperature) options["temperature"] = temperature;
        if (request.TopP is { ValueKind: JsonValueKind.Number } topP) options["top_p"] = topP;
        if (request.User is { } user) options["user"] = Element(JsonValue.Create(user));
        if (request.Reasoning?.Effort is { } effort) options["reasoning_effort"] = Element(JsonValue.Create(effort));

        var chatMessages = JsonSerializer.Deserialize(messages.ToJsonString(), OpenAiJsonContext.Default.ListChatMessage)!;
        return (new ChatTranslation(chatMessages, items, options), null);
    }

    /// <summary>
    /// The output items of a chat completion's first choice: its text as a <c>message</c>, each tool call as a
    /// <c>function_call</c>; and the response's status (<c>incomplete</c> when the output limit or a filter stopped it).
    /// </summary>
    public static (List<ResponseOutputItem> Output, string Status, ResponseIncompleteDetails? Incomplete) FromChat(ChatCompletionResponse completion, string idSuffix)
    {
        var choice = completion.Choices?.FirstOrDefault();
        var message = choice?.Message;
        var output = new List<ResponseOutputItem>();
        var toolCalls = message?.ToolCalls ?? [];
        if (message?.Content is { Length: > 0 } || message?.Refusal is { Length: > 0 } || toolCalls.Count == 0)
        {
            var item = ResponseOutputItem.Message(ItemId("msg", idSuffix, output.Count), "completed");
            if (message?.Refusal is { Length: > 0 } refusal) item.Content!.Add(ResponseContentPart.RefusalText(refusal));
            else item.Content!.Add(ResponseContentPart.OutputText(message?.Content ?? ""));
            output.Add(item);
        }
        foreach (var call in toolCalls)
        {
            output.Add(ResponseOutputItem.FunctionCall(ItemId("fc", idSuffix, output.Count), "completed", call.Id ?? ItemId("call", idSuffix, output.Count),
                call.Function?.Name ?? "", call.Function?.Arguments ?? ""));
        }
        var (status, incomplete) = StatusOf(choice?.FinishReason);
        return (output, status, incomplete);
    }

    /// <summary>A finish reason as a response status: stopped by the output limit or a filter is <c>incomplete</c>.</summary>
    public static (string Status, ResponseIncompleteDetails? Incomplete) StatusOf(string? finishReason) => finishReason switch
    {
        "length" => ("incomplete", new ResponseIncompleteDetails("max_output_tokens")),
        "content_filter" => ("incomplete", new ResponseIncompleteDetails("content_filter")),
        _ => ("completed", null),
    };

    /// <summary>Chat usage in the Responses API's words (cached input and reasoning output included when the upstream reports them).</summary>
    public static ResponseUsage UsageOf(Usage usage)
    {
        var reasoning = usage.CompletionTokensDetails?.ReasoningTokens ?? 0;
        return new ResponseUsage
        {
            InputTokens = usage.PromptTokens, OutputTokens = usage.CompletionTokens, TotalTokens = usage.PromptTokens + usage.CompletionTokens,
            InputTokensDetails = new ResponseInputTokensDetails { CachedTokens = usage.PromptTokensDetails?.CachedTokens ?? 0 },
            OutputTokensDetails = new ResponseOutputTokensDetails { ReasoningTokens = reasoning },
        };
    }

    /// <summary>The response as it starts: the request's settings echoed, no output yet.</summary>
    public static ResponseObject Skeleton(CreateResponseRequest request, string id, long createdAt, string model) => new()
    {
        Id = id, CreatedAt = createdAt, Status = "in_progress", Model = model, Instructions = request.Instructions, MaxOutputTokens = request.MaxOutputTokens,
        ParallelToolCalls = request.ParallelToolCalls ?? true, PreviousResponseId = request.PreviousResponseId,
        Reasoning = new ResponseReasoningOptions { Effort = request.Reasoning?.Effort },
        Store = request.Store ?? true, Temperature = request.Temperature ?? Element(JsonValue.Create(1.0)), TopP = request.TopP ?? Element(JsonValue.Create(1.0)),
        Text = Element(new JsonObject { ["format"] = request.Text?.Format is { ValueKind: JsonValueKind.Object } format ? JsonNode.Parse(format.GetRawText()) : new JsonObject { ["type"] = "text" } }),
        ToolChoice = request.ToolChoice is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } choice ? choice : Element(JsonValue.Create("auto")),
        Tools = request.Tools ?? [], User = request.User, Metadata = request.Metadata ?? [],
    };

    /// <summary>An output item's id: its kind, the response's id and its place in the output.</summary>
    public static string ItemId(string kind, string idSuffix, int index) => $"{kind}_{idSuffix}{index:x2}";

    public static JsonElement Element(JsonNode? node) => JsonDocument.Parse(node?.ToJsonString() ?? "null").RootElement.Clone();

    /// <summary>Chat messages built from items in order; a function call joins the assistant message just before it, as chat completions expects.</summary>
    private sealed class Conversation(JsonArray messages)
    {
        private JsonObject? _openAssistant;

        public GatewayError? Add(JsonElement item, string param)
        {
            if (item.ValueKind != JsonValueKind.Object) return GatewayErrors.Invalid($"{param} must be an object.", param);
            var type = Text(item, "type") ?? (item.TryGetProperty("role", out _) ? "message" : null);
            switch (type)
            {
                case "message":
                    return AddMessage(item, param);
                case "function_call":
                {
                    if (Text(item, "call_id") is not { Length: > 0 } callId) return GatewayErrors.Missing($"{param}.call_id");
                    if (Text(item, "name") is not { Length: > 0 } name) return GatewayErrors.Missing($"{param}.name");
                    if (Text(item, "arguments") is not { } arguments) return GatewayErrors.Missing($"{param}.arguments");
                    if (_openAssistant is null)
                    {
                        _openAssistant = new JsonObject { ["role"] = "assistant", ["content"] = null };
                        messages.Add(_openAssistant);
                    }
                    if (_openAssistant["tool_calls"] is not JsonArray calls) _openAssistant["tool_calls"] = calls = [];
                    calls.Add(new JsonObject
                    {
                        ["id"] = callId, ["type"] = "function", ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
                    });
                    return null;
                }
                case "function_call_output":
                {
                    if (Text(item, "call_id") is not { Length: > 0 } callId) return GatewayErrors.Missing($"{param}.call_id");
                    if (!item.TryGetProperty("output", out var output)) return GatewayErrors.Missing($"{param}.output");
                    var text = output.ValueKind == JsonValueKind.String ? output.GetString() : output.ValueKind == JsonValueKind.Array ? JoinedText(output) : null;
                    if (text is null) return GatewayErrors.Invalid($"{param}.output must be a string or an array of text parts.", $"{param}.output");
                    messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = callId, ["content"] = text });
                    _openAssistant = null;
                    return null;
                }
                case "reasoning":
                    // Reasoning items carry no text a chat upstream could take back; the answer does not depend on them.
                    return null;
                case null:
                    return GatewayErrors.Missing($"{param}.type");
                default:
                    return GatewayErrors.Invalid($"{param}.type '{type}' is not supported by this gateway (messages, function_call and function_call_output are).",
                        $"{param}.type");
            }
        }

        private GatewayError? AddMessage(JsonElement item, string param)
        {
            var role = Text(item, "role");
            if (role is null || !MessageRoles.Contains(role))
                return GatewayErrors.Invalid($"{param}.role must be one of {string.Join(", ", MessageRoles)}.", $"{param}.role");
            if (!item.TryGetProperty("content", out var content)) return GatewayErrors.Missing($"{param}.content");
            // Chat upstreams other than OpenAI's do not all know the developer role; system means the same to every one.
            var chatRole = role == "developer" ? "system" : role;
            JsonNode? chatContent;
            if (content.ValueKind == JsonValueKind.String) chatContent = content.GetString();
            else if (content.ValueKind != JsonValueKind.Array)
                return GatewayErrors.Invalid($"{param}.content must be a string or an array of content parts.", $"{param}.content");
            else if (role == "assistant")
            {
                // An assistant turn given back (or stored): its output_text parts, joined, are what the model said.
                var said = new StringBuilder();
                foreach (var (part, i) in content.EnumerateArray().Select((p, i) => (p, i)))
                {
                    var partType = part.ValueKind == JsonValueKind.Object ? Text(part, "type") : null;
                    var text = partType switch
                    {
                        "output_text" or "input_text" or "text" => Text(part, "text"),
                        "refusal" => Text(part, "refusal"),
                        _ => null,
                    };
                    if (text is null) return GatewayErrors.Invalid($"{param}.content[{i}] must be an output_text or refusal part.", $"{param}.content[{i}]");
                    said.Append(text);
                }
                chatContent = said.ToString();
            }
            else
            {
                var parts = new JsonArray();
                foreach (var (part, i) in content.EnumerateArray().Select((p, i) => (p, i)))
                {
                    var at = $"{param}.content[{i}]";
                    var partType = part.ValueKind == JsonValueKind.Object ? Text(part, "type") : null;
                    switch (partType)
                    {
                        case "input_text" or "output_text" or "text":
                            if (Text(part, "text") is not { } text) return GatewayErrors.Missing($"{at}.text");
                            parts.Add(new JsonObject { ["type"] = "text", ["text"] = text });
                            break;
                        case "input_image":
                        {
                            if (Text(part, "image_url") is not { Length: > 0 } url)
                                return GatewayErrors.Invalid($"{at} needs an image_url (a URL or a data URL); file ids are not supported by this gateway.", $"{at}.image_url");
                            var image = new JsonObject { ["url"] = url };
                            if (Text(part, "detail") is { } detail) image["detail"] = detail;
                            parts.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = image });
                            break;
                        }
                        case "input_file":
                            return GatewayErrors.Invalid($"{at}: input_file parts are not supported by this gateway.", $"{at}.type");
                        default:
                            return GatewayErrors.Invalid($"{at} must be an input_text or input_image part.", $"{at}.type");
                    }
                }
                chatContent = parts;
            }

            var message = new JsonObject { ["role"] = chatRole, ["content"] = chatContent };
            messages.Add(message);
            _openAssistant = role == "assistant" ? message : null;
            return null;
        }
    }

    private static GatewayError? Tools(List<JsonElement>? tools, Dictionary<string, JsonElement> options)
    {
        if (tools is not { Count: > 0 }) return null;
        var chatTools = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i];
            var param = $"tools[{i}]";
            if (tool.ValueKind != JsonValueKind.Object) return GatewayErrors.Invalid($"{param} must be an object.", param);
            var type = Text(tool, "type");
            if (type != "function")
                return GatewayErrors.Invalid($"{param}.type '{type}' is not supported by this gateway; only function tools are.", $"{param}.type");
            if (Text(tool, "name") is not { Length: > 0 } name) return GatewayErrors.Missing($"{param}.name");
            var function = new JsonObject { ["name"] = name };
            foreach (var field in (string[])["description", "parameters", "strict"])
            {
                if (tool.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null) function[field] = JsonNode.Parse(value.GetRawText());
            }
            chatTools.Add(new JsonObject { ["type"] = "function", ["function"] = function });
        }
        options["tools"] = Element(chatTools);
        return null;
    }

    private static GatewayError? ToolChoice(JsonElement? choice, Dictionary<string, JsonElement> options)
    {
        if (choice is not { } value || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        if (value.ValueKind == JsonValueKind.String && value.GetString() is "auto" or "none" or "required")
        {
            options["tool_choice"] = value;
            return null;
        }
        if (value.ValueKind == JsonValueKind.Object && Text(value, "type") == "function" && Text(value, "name") is { Length: > 0 } name)
        {
            options["tool_choice"] = Element(new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = name } });
            return null;
        }
        return GatewayErrors.Invalid("tool_choice must be \"auto\", \"none\", \"required\" or {\"type\":\"function\",\"name\":…}.", "tool_choice");
    }

    private static GatewayError? Format(ResponseTextOptions? text, Dictionary<string, JsonElement> options)
    {
        if (text?.Format is not { } format || format.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        if (format.ValueKind != JsonValueKind.Object) return GatewayErrors.Invalid("text.format must be an object.", "text.format");
        switch (Text(format, "type"))
        {
            case "text":
                return null;
            case "json_object":
                options["response_format"] = Element(new JsonObject { ["type"] = "json_object" });
                return null;
            case "json_schema":
            {
                if (Text(format, "name") is not { Length: > 0 } name) return GatewayErrors.Missing("text.format.name");
                if (!format.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object) return GatewayErrors.Missing("text.format.schema");
                var jsonSchema = new JsonObject { ["name"] = name, ["schema"] = JsonNode.Parse(schema.GetRawText()) };
                foreach (var field in (string[])["description", "strict"])
                {
                    if (format.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null) jsonSchema[field] = JsonNode.Parse(value.GetRawText());
                }
                options["response_format"] = Element(new JsonObject { ["type"] = "json_schema", ["json_schema"] = jsonSchema });
                return null;
            }
            default:
                return GatewayErrors.Invalid("text.format.type must be text, json_object or json_schema.", "text.format.type");
        }
    }

    private static GatewayError? CheckRange(JsonElement? value, string param, double min, double max)
    {
        if (value is not { } v || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var number) && number >= min && number <= max
            ? null
            : GatewayErrors.Invalid($"{param} must be a number between {min} and {max}.", param);
    }

    private static GatewayError? CheckMetadata(Dictionary<string, string>? metadata)
    {
        if (metadata is null) return null;
        if (metadata.Count > MaxMetadataPairs) return GatewayErrors.Invalid($"metadata may hold at most {MaxMetadataPairs} pairs.", "metadata");
        foreach (var (key, value) in metadata)
        {
            if (key.Length > MaxMetadataKeyLength || (value?.Length ?? 0) > MaxMetadataValueLength)
                return GatewayErrors.Invalid($"metadata keys may be at most {MaxMetadataKeyLength} characters and values at most {MaxMetadataValueLength}.", "metadata");
        }
        return null;
    }

    private static string? JoinedText(JsonElement parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || Text(part, "text") is not { } piece) return null;
            text.Append(piece);
        }
        return text.ToString();
    }

    private static string? Text(JsonElement obj, string property) =>
        obj.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static (ChatTranslation?, GatewayError?) Fail(GatewayError error) => (null, error);
}
