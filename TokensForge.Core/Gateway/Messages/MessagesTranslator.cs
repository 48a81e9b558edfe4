using System.Text.Json;
using System.Text.Json.Nodes;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway.Messages;

/// <summary>
/// Anthropic Messages ⇄ OpenAI chat completions, as pure functions: a Messages request becomes the chat request an
/// OpenAI-compatible upstream understands (or a 400 naming what cannot be translated), and the upstream's completion
/// becomes Anthropic's message object.
/// </summary>
public static class MessagesTranslator
{
    private static readonly HashSet<string> IgnoredAssistantBlocks = new(StringComparer.Ordinal) { "thinking", "redacted_thinking" };

    /// <summary>
    /// The chat request for <paramref name="request"/>, without model or output limit (the route and the hold set those).
    /// <paramref name="forCounting"/> skips the output fields <c>count_tokens</c> does not take.
    /// </summary>
    public static (ChatCompletionRequest? Chat, GatewayError? Error) ToChat(MessagesRequest request, bool forCounting = false)
    {
        if (string.IsNullOrWhiteSpace(request.Model)) return (null, GatewayErrors.ModelMissing);
        if (!forCounting && (Validate(request) is { } invalid)) return (null, invalid);
        if (request.Messages is null) return (null, GatewayErrors.Missing("messages"));
        if (request.Messages.Count == 0) return (null, GatewayErrors.Invalid("'messages' must contain at least one message.", "messages"));

        var messages = new List<ChatMessage>();
        if (request.System is { } system && system.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            var (text, error) = SystemText(system);
            if (error is not null) return (null, error);
            messages.Add(new ChatMessage { Role = "system", Content = JsonValue.Create(text)!.ToElement() });
        }
        for (var i = 0; i < request.Messages.Count; i++)
        {
            if (Translate(request.Messages[i], $"messages[{i}]", messages) is { } error) return (null, error);
        }

        var extra = new Dictionary<string, JsonElement>();
        if (request.Tools is { Count: > 0 } tools)
        {
            var list = new JsonArray();
            for (var i = 0; i < tools.Count; i++)
            {
                var (tool, error) = Tool(tools[i], $"tools[{i}]");
                if (error is not null) return (null, error);
                list.Add(tool);
            }
            extra["tools"] = list.ToElement();
        }
        if (request.ToolChoice is { } choice)
        {
            var (toolChoice, error) = ToolChoice(choice);
            if (error is not null) return (null, error);
            extra["tool_choice"] = toolChoice!.ToElement();
            if (choice.DisableParallelToolUse == true && request.Tools is { Count: > 0 }) extra["parallel_tool_calls"] = JsonValue.Create(false).ToElement();
        }
        if (!forCounting)
        {
            if (request.StopSequences is { Count: > 0 } stops) extra["stop"] = new JsonArray(stops.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()).ToElement();
            if (request.Temperature is { } temperature) extra["temperature"] = JsonValue.Create(temperature).ToElement();
            if (request.TopP is { } topP) extra["top_p"] = JsonValue.Create(topP).ToElement();
            if (request.Metadata?.UserId is { Length: > 0 } user) extra["user"] = JsonValue.Create(user).ToElement();
            if (ReasoningEffort(request) is { } effort) extra["reasoning_effort"] = JsonValue.Create(effort).ToElement();
        }
        return (new ChatCompletionRequest { Messages = messages, Stream = forCounting ? null : request.Stream, Extra = extra.Count > 0 ? extra : null }, null);
    }

    /// <summary>
    /// Extended thinking (<c>thinking: {type: enabled, budget_tokens}</c>) as chat's <c>reasoning_effort</c>, by the
    /// budget's size; the budget is part of <c>max_tokens</c> either way, so the hold already covers it.
    /// </summary>
    private static string? ReasoningEffort(MessagesRequest request)
    {
        if (request.Extra?.GetValueOrDefault("thinking") is not { ValueKind: JsonValueKind.Object } thinking) return null;
        if (!thinking.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "enabled") return null;
        var budget = thinking.TryGetProperty("budget_tokens", out var b) && b.TryGetInt32(out var n) ? n : 0;
        return budget switch { < 4_096 => "low", < 16_384 => "medium", _ => "high" };
    }

    private static GatewayError? Validate(MessagesRequest request)
    {
        if (request.MaxTokens is null) return GatewayErrors.Missing("max_tokens");
        if (request.MaxTokens <= 0) return GatewayErrors.AtLeastOne("max_tokens");
        if (request.MaxTokens > ChatShape.MaxOutputLimit) return GatewayErrors.Invalid($"max_tokens may be at most {ChatShape.MaxOutputLimit}.", "max_tokens");
        if (request.Temperature is < 0 or > 1) return GatewayErrors.Invalid("temperature must be between 0 and 1.", "temperature");
        if (request.TopP is < 0 or > 1) return GatewayErrors.Invalid("top_p must be between 0 and 1.", "top_p");
        if (request.TopK is < 0) return GatewayErrors.Invalid("top_k must be at least 0.", "top_k");
        if (request.StopSequences?.Any(s => string.IsNullOrEmpty(s)) == true)
            return GatewayErrors.Invalid("stop_sequences must be non-empty strings.", "stop_sequences");
        return null;
    }

    private static (string? Text, GatewayError? Error) SystemText(JsonElement system)
    {
        if (system.ValueKind == JsonValueKind.String) return (system.GetString(), null);
        if (system.ValueKind != JsonValueKind.Array) return (null, GatewayErrors.Invalid("system must be a string or an array of text blocks.", "system"));
        var parts = new List<string>();
        var i = 0;
        foreach (var block in system.EnumerateArray())
        {
            if (TypeOf(block) != "text" || !block.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                return (null, GatewayErrors.Invalid($"system[{i}] must be a text block with 'text'.", $"system[{i}]"));
            parts.Add(text.GetString()!);
            i++;
        }
        return (string.Join("\n\n", parts), null);
    }

    /// <summary>
    /// One Messages turn as chat messages. A user turn's <c>tool_result</c> blocks become <c>tool</c> messages placed
    /// first (chat wants them right after the assistant's tool calls); its other blocks stay one user message.
    /// </summary>
    private static GatewayError? Translate(MessageParam? message, string at, List<ChatMessage> into)
    {
        if (message is null) return GatewayErrors.Invalid($"{at} must be an object.", at);
        if (message.Role is not ("user" or "assistant")) return GatewayErrors.Invalid($"{at}.role must be 'user' or 'assistant'.", $"{at}.role");
        if (message.Content is not { } content || content.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return GatewayErrors.Missing($"{at}.content");
        if (content.ValueKind == JsonValueKind.String)
        {
            into.Add(new ChatMessage { Role = message.Role, Content = content.Clone() });
            return null;
        }
        if (content.ValueKind != JsonValueKind.Array)
            return GatewayErrors.Invalid($"{at}.content must be a string or an array of content blocks.", $"{at}.content");
        return message.Role == "user" ? TranslateUser(content, at, into) : TranslateAssistant(content, at, into);
    }

    private static GatewayError? TranslateUser(JsonElement content, string at, List<ChatMessage> into)
    {
        var parts = new JsonArray();
        var i = -1;
        foreach (var block in content.EnumerateArray())
        {
            i++;
            var where = $"{at}.content[{i}]";
            switch (TypeOf(block))
            {
                case "text":
                    if (Text(block) is not { } text) return GatewayErrors.Invalid($"{where}.text must be a string.", $"{where}.text");
                    parts.Add(new JsonObject { ["type"] = "text", ["text"] = text });
                    break;
                case "image":
                    var (image, imageError) = Image(block, where);
                    if (imageError is not null) return imageError;
                    parts.Add(image);
                    break;
                case "tool_result":
                    if (ToolResult(block, where, into, parts) is { } resultError) return resultError;
                    break;
                case "document":
                    var (document, documentError) = Document(block, where);
                    if (documentError is not null) return documentError;
                    parts.Add(document);
                    break;
                case null:
                    return GatewayErrors.Invalid($"{where} must be a content block with a 'type'.", where);
                case var other:
                    return Unsupported(other, where);
            }
        }
        if (parts.Count > 0) into.Add(new ChatMessage { Role = "user", Content = parts.ToElement() });
        return null;
    }

    private static GatewayError? TranslateAssistant(JsonElement content, string at, List<ChatMessage> into)
    {
        var text = new List<string>();
        var calls = new JsonArray();
        var i = -1;
        foreach (var block in content.EnumerateArray())
        {
            i++;
            var where = $"{at}.content[{i}]";
            switch (TypeOf(block))
            {
                case "text":
                    if (Text(block) is not { } t) return GatewayErrors.Invalid($"{where}.text must be a string.", $"{where}.text");
                    text.Add(t);
                    break;
                case "tool_use":
                    if (!block.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String) return GatewayErrors.Missing($"{where}.id");
                    if (!block.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String) return GatewayErrors.Missing($"{where}.name");
                    if (!block.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Object)
                        return GatewayErrors.Invalid($"{where}.input must be an object.", $"{where}.input");
                    calls.Add(new JsonObject
                    {
                        ["id"] = id.GetString(), ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = name.GetString(), ["arguments"] = input.GetRawText() },
                    });
                    break;
                case { } ignored when IgnoredAssistantBlocks.Contains(ignored):
                    // Earlier reasoning is the upstream's own business; chat has no field to send it back in.
                    break;
                case null:
                    return GatewayErrors.Invalid($"{where} must be a content block with a 'type'.", where);
                case var other:
                    return Unsupported(other, where);
            }
        }
        var message = new ChatMessage { Role = "assistant", Content = text.Count > 0 ? JsonValue.Create(string.Concat(text))!.ToElement() : null };
        if (calls.Count > 0) message.Extra = new Dictionary<string, JsonElement> { ["tool_calls"] = calls.ToElement() };
        if (text.Count > 0 || calls.Count > 0) into.Add(message);
        return null;
    }

    /// <summary>A tool result as a chat <c>tool</c> message; images in it go to the user message that follows (tool messages carry text only).</summary>
    private static GatewayError? ToolResult(JsonElement block, string where, List<ChatMessage> into, JsonArray userParts)
    {
        if (!block.TryGetProperty("tool_use_id", out var id) || id.ValueKind != JsonValueKind.String) return GatewayErrors.Missing($"{where}.tool_use_id");
        var text = new List<string>();
        if (block.TryGetProperty("content", out var content))
        {
            if (content.ValueKind == JsonValueKind.String) text.Add(content.GetString()!);
            else if (content.ValueKind == JsonValueKind.Array)
            {
                var j = -1;
                foreach (var part in content.EnumerateArray())
                {
                    j++;
                    var partAt = $"{where}.content[{j}]";
                    switch (TypeOf(part))
                    {
                        case "text" when Text(part) is { } t:
                            text.Add(t);
                            break;
                        case "image":
                            var (image, error) = Image(part, partAt);
                            if (error is not null) return error;
                            userParts.Add(image);
                            break;
                        default:
                            return GatewayErrors.Invalid($"{partAt} must be a text or image block.", partAt);
                    }
                }
            }
            else if (content.ValueKind != JsonValueKind.Null) return GatewayErrors.Invalid($"{where}.content must be a string or an array of blocks.", $"{where}.content");
        }
        var isError = block.TryGetProperty("is_error", out var flag) && flag.ValueKind == JsonValueKind.True;
        var body = string.Join("\n", text);
        into.Add(new ChatMessage
        {
            Role = "tool",
            Content = JsonValue.Create(isError ? "[tool error] " + body : body)!.ToElement(),
            Extra = new Dictionary<string, JsonElement> { ["tool_call_id"] = id.Clone() },
        });
        return null;
    }

    /// <summary>Base64 and URL image sources as chat's <c>image_url</c> part (base64 as a data URL).</summary>
    private static (JsonObject? Part, GatewayError? Error) Image(JsonElement block, string where)
    {
        if (!block.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object) return (null, GatewayErrors.Missing($"{where}.source"));
        string? url = TypeOf(source) switch
        {
            "base64" when Str(source, "media_type") is { } media && Str(source, "data") is { } data => $"data:{media};base64,{data}",
            "url" when Str(source, "url") is { } u => u,
            _ => null,
        };
        if (url is null)
            return (null, GatewayErrors.Invalid($"{where}.source must be a base64 source (media_type, data) or a url source (url).", $"{where}.source"));
        return (new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url } }, null);
    }

    /// <summary>
    /// A document block as chat's <c>file</c> part (a base64 PDF as a data URL) or, for plain text, as text with its
    /// title; chat has no part for a document behind a URL, so that is refused rather than dropped.
    /// </summary>
    private static (JsonObject? Part, GatewayError? Error) Document(JsonElement block, string where)
    {
        if (!block.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object) return (null, GatewayErrors.Missing($"{where}.source"));
        var title = Str(block, "title");
        switch (TypeOf(source))
        {
            case "base64" when Str(source, "media_type") == "application/pdf" && Str(source, "data") is { } data:
                return (new JsonObject
                {
                    ["type"] = "file",
                    ["file"] = new JsonObject { ["filename"] = (title ?? "document") + ".pdf", ["file_data"] = $"data:application/pdf;base64,{data}" },
                }, null);
            case "text" when Str(source, "data") is { } text:
                return (new JsonObject { ["type"] = "text", ["text"] = title is null ? text : $"{title}\n\n{text}" }, null);
            case "url":
                return (null, GatewayErrors.Invalid($"{where}.source: a document by url cannot be passed on by this gateway; send it as base64 (application/pdf) or text.",
                    $"{where}.source"));
            default:
                return (null, GatewayErrors.Invalid($"{where}.source must be a base64 PDF (media_type application/pdf, data) or a text source (data).", $"{where}.source"));
        }
    }

    private static (JsonObject? Tool, GatewayError? Error) Tool(ToolParam? tool, string at)
    {
        if (tool is null) return (null, GatewayErrors.Invalid($"{at} must be an object.", at));
        if (tool.Type is { } type && type != "custom")
            return (null, GatewayErrors.Invalid($"{at}.type '{type}' is a server tool, which this gateway does not support; only client tools (name, description, input_schema) are.", $"{at}.type"));
        if (string.IsNullOrWhiteSpace(tool.Name)) return (null, GatewayErrors.Missing($"{at}.name"));
        if (tool.InputSchema is not { ValueKind: JsonValueKind.Object } schema) return (null, GatewayErrors.Invalid($"{at}.input_schema must be an object.", $"{at}.input_schema"));
        var function = new JsonObject { ["name"] = tool.Name, ["parameters"] = JsonNode.Parse(schema.GetRawText()) };
        if (tool.Description is { } description) function["description"] = description;
        return (new JsonObject { ["type"] = "function", ["function"] = function }, null);
    }

    private static (JsonNode? Choice, GatewayError? Error) ToolChoice(ToolChoiceParam choice) => choice.Type switch
    {
        "auto" => (JsonValue.Create("auto"), null),
        "any" => (JsonValue.Create("required"), null),
        "none" => (JsonValue.Create("none"), null),
        "tool" when !string.IsNullOrWhiteSpace(choice.Name) => (new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = choice.Name } }, null),
        "tool" => (null, GatewayErrors.Missing("tool_choice.name")),
        _ => (null, GatewayErrors.Invalid("tool_choice.type must be one of auto, any, tool, none.", "tool_choice.type")),
    };

    private static GatewayError Unsupported(string type, string where) =>
        GatewayErrors.Invalid($"{where}.type '{type}': content blocks of this type are not supported by this gateway yet.", $"{where}.type");

    private static string? TypeOf(JsonElement block) => block.ValueKind == JsonValueKind.Object ? Str(block, "type") : null;

    private static string? Text(JsonElement block) => Str(block, "text");

    private static string? Str(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonElement ToElement(this JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>Anthropic's stop reason for a chat finish reason; a stop sequence is named when the upstream says which one matched.</summary>
    public static (string? Reason, string? Sequence) StopReason(string? finishReason, JsonElement? matched, IReadOnlyList<string>? stopSequences)
    {
        var sequence = matched is { ValueKind: JsonValueKind.String } m && stopSequences?.Contains(m.GetString()!) == true ? m.GetString() : null;
        return finishReason switch
        {
            "stop" when sequence is not null => ("stop_sequence", sequence),
            "stop" => ("end_turn", null),
            "length" => ("max_tokens", null),
            "tool_calls" or "function_call" => ("tool_use", null),
            "content_filter" => ("refusal", null),
            null => (null, null),
            _ => ("end_turn", null),
        };
    }

    /// <summary>The upstream's first choice as Anthropic's message object, with the charged usage.</summary>
    public static MessageResponse ToMessage(ChatCompletionResponse completion, string id, string model, IReadOnlyList<string>? stopSequences, MessagesUsage usage)
    {
        var choice = completion.Choices?.FirstOrDefault(c => c.Index == 0) ?? completion.Choices?.FirstOrDefault();
        var content = new List<ContentBlock>();
        if (choice?.Message is { } message)
        {
            var text = message.Content ?? message.Refusal;
            if (!string.IsNullOrEmpty(text)) content.Add(ContentBlock.OfText(text));
            foreach (var call in message.ToolCalls ?? [])
                content.Add(ContentBlock.OfToolUse(call.Id ?? ToolUseId(), call.Function?.Name ?? "", ToolInput(call.Function?.Arguments)));
        }
        JsonElement? matched = choice?.Extra?.TryGetValue("stop_reason", out var m) == true ? m : null;
        var (reason, sequence) = StopReason(choice?.FinishReason, matched, stopSequences);
        return new MessageResponse(id, "message", "assistant", model, content, reason ?? "end_turn", sequence, usage);
    }

    /// <summary>A tool call's arguments as the object Anthropic's <c>input</c> must be; unparseable or non-object arguments become <c>{}</c>.</summary>
    public static JsonElement ToolInput(string? arguments)
    {
        if (!string.IsNullOrWhiteSpace(arguments))
        {
            try
            {
                using var document = JsonDocument.Parse(arguments);
                if (document.RootElement.ValueKind == JsonValueKind.Object) return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Upstreams sometimes cut or mangle arguments; the caller still gets a well-formed block.
            }
        }
        return EmptyObject;
    }

    public static string ToolUseId() => "toolu_" + Guid.NewGuid().ToString("N")[..24];

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();
}
