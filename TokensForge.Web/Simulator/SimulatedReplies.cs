using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Simulator;

/// <summary>What the simulator was told to do by magic strings in the messages (see <see cref="SimulatorEndpoints"/>).</summary>
public sealed record SimulatorScript(bool Fail, int? CutAfterTokens, int? ResetAfterTokens, int SlowMs, int ChunkDelayMs, bool Fill, int? Tokens, bool NoUsage,
    bool Tool = false)
{
    /// <summary>Output tokens reported as reasoning, on top of the visible answer (within the output limit).</summary>
    public int ReasoningTokens { get; init; }

    /// <summary>Prompt tokens reported as read from the prompt cache.</summary>
    public int CachedTokens { get; init; }

    /// <summary>Prompt tokens reported as written to the prompt cache (OpenRouter's <c>cache_write_tokens</c>).</summary>
    public int CacheWriteTokens { get; init; }

    /// <summary>The Anthropic simulator answers 529 <c>overloaded_error</c> (the OpenAI one ignores it).</summary>
    public bool Overloaded { get; init; }

    /// <summary>The Anthropic simulator refuses the request with 400 <c>invalid_request_error</c> (the OpenAI one ignores it).</summary>
    public bool Invalid { get; init; }

    private static readonly Regex Directive = new(@"\[sim:(?<name>[a-z]+)(=(?<value>\d+))?\]", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    public static SimulatorScript Read(string text, int defaultChunkDelayMs)
    {
        var script = new SimulatorScript(false, null, null, 0, defaultChunkDelayMs, false, null, false);
        foreach (Match match in Directive.Matches(text))
        {
            var value = match.Groups["value"].Success && int.TryParse(match.Groups["value"].ValueSpan, out var v) ? v : (int?)null;
            script = match.Groups["name"].Value switch
            {
                "fail" => script with { Fail = true },
                "cut" => script with { CutAfterTokens = value ?? 3 },
                "reset" => script with { ResetAfterTokens = value ?? 3 },
                "slow" => script with { SlowMs = value ?? 5_000 },
                "delay" => script with { ChunkDelayMs = value ?? 100 },
                "fill" => script with { Fill = true },
                "tokens" => script with { Tokens = value },
                "nousage" => script with { NoUsage = true },
                "tool" => script with { Tool = true },
                "reasoning" => script with { ReasoningTokens = value ?? 16 },
                "cached" => script with { CachedTokens = value ?? 0 },
                "cachewrite" => script with { CacheWriteTokens = value ?? 0 },
                "overloaded" => script with { Overloaded = true },
                "invalid" => script with { Invalid = true },
                _ => script,
            };
        }
        return script;
    }
}

/// <summary>
/// Deterministic replies: the same messages always give the same words. Every word is a single o200k token
/// (with or without its leading space), so a reply of N words is exactly N tokens.
/// </summary>
public static class SimulatedReplies
{
    private static readonly string[] Words =
    [
        "the", "model", "token", "forge", "reply", "answer", "route", "price", "request", "stream", "chunk", "data", "value", "test",
        "demo", "light", "quick", "green", "river", "stone", "cloud", "paper", "table", "window", "garden", "music", "simple", "clear", "ready",
    ];

    /// <summary>The text the messages ask about: every message's text content, joined.</summary>
    public static string PromptText(ChatCompletionRequest request)
    {
        var text = new StringBuilder();
        foreach (var message in request.Messages ?? [])
        {
            if (message.Content is not { } content) continue;
            if (content.ValueKind == JsonValueKind.String) text.Append(content.GetString()).Append('\n');
            else if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                        text.Append(t.GetString()).Append('\n');
                }
            }
        }
        return text.ToString();
    }

    /// <summary><paramref name="count"/> words chosen from the prompt's hash: the first without a leading space.</summary>
    public static IReadOnlyList<string> Tokens(string prompt, int count)
    {
        var state = Seed(prompt);
        var tokens = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            var word = Words[(int)((state >> 33) % (ulong)Words.Length)];
            tokens.Add(i == 0 ? word : " " + word);
        }
        return tokens;
    }

    /// <summary>
    /// The tool call a <c>[sim:tool]</c> request gets, or null when it should be answered in text: the tool named by
    /// <c>tool_choice</c>, else the first declared; arguments fill each declared parameter (strings with words from the
    /// prompt's hash, numbers with 42, booleans with true). A conversation whose last message is a tool result gets text,
    /// so a call → result → answer round trip ends.
    /// </summary>
    public static (string Name, string Arguments)? ToolCall(ChatCompletionRequest request, string prompt)
    {
        if (request.Messages is not { Count: > 0 } messages || messages[^1].Role == "tool") return null;
        if (request.Extra is null || !request.Extra.TryGetValue("tools", out var tools) || tools.ValueKind != JsonValueKind.Array) return null;
        var choice = request.Extra.TryGetValue("tool_choice", out var c) ? c : default;
        if (choice.ValueKind == JsonValueKind.String && choice.GetString() == "none") return null;
        var wanted = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out var f) && f.TryGetProperty("name", out var n) ? n.GetString() : null;
        var function = tools.EnumerateArray()
            .Where(t => t.ValueKind == JsonValueKind.Object && t.TryGetProperty("function", out _))
            .Select(t => t.GetProperty("function"))
            .FirstOrDefault(t => wanted is null || (t.TryGetProperty("name", out var name) && name.GetString() == wanted));
        if (function.ValueKind != JsonValueKind.Object || !function.TryGetProperty("name", out var toolName) || toolName.GetString() is not { } callName) return null;

        var parameters = function.TryGetProperty("parameters", out var p) ? p : default;
        return (callName, Fill(parameters, prompt + callName).ToJsonString());
    }

    /// <summary>
    /// The answer to a request for JSON (<c>response_format</c>), or null when it asks for text: an object filled from
    /// the <c>json_schema</c>'s properties, or <c>{"answer": …}</c> for <c>json_object</c>.
    /// </summary>
    public static string? StructuredReply(ChatCompletionRequest request, string prompt)
    {
        if (request.Extra is null || !request.Extra.TryGetValue("response_format", out var format) || format.ValueKind != JsonValueKind.Object
            || !format.TryGetProperty("type", out var type)) return null;
        return type.GetString() switch
        {
            "json_schema" when format.TryGetProperty("json_schema", out var jsonSchema) && jsonSchema.TryGetProperty("schema", out var schema) =>
                Fill(schema, prompt).ToJsonString(),
            "json_object" => new JsonObject { ["answer"] = string.Concat(Tokens(prompt, 3)) }.ToJsonString(),
            _ => null,
        };
    }

    /// <summary>An object with every property of <paramref name="schema"/>: strings a word, numbers 42, booleans true.</summary>
    private static JsonObject Fill(JsonElement schema, string seed)
    {
        var filled = new JsonObject();
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            return filled;
        var words = Tokens(seed, properties.EnumerateObject().Count());
        var i = 0;
        foreach (var property in properties.EnumerateObject())
        {
            var type = property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString() : "string";
            filled[property.Name] = type switch
            {
                "integer" or "number" => JsonValue.Create(42),
                "boolean" => JsonValue.Create(true),
                _ => JsonValue.Create(words[i].Trim()),
            };
            i++;
        }
        return filled;
    }

    /// <summary>A unit vector of <paramref name="dimensions"/> floats derived from the text.</summary>
    public static float[] Vector(string text, int dimensions)
    {
        var state = Seed(text);
        var vector = new float[dimensions];
        double norm = 0;
        for (var i = 0; i < dimensions; i++)
        {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            vector[i] = (float)(((state >> 11) / (double)(1UL << 53)) * 2 - 1);
            norm += vector[i] * vector[i];
        }
        var scale = norm > 0 ? 1 / Math.Sqrt(norm) : 0;
        for (var i = 0; i < dimensions; i++) vector[i] = (float)(vector[i] * scale);
        return vector;
    }

    private static ulong Seed(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
