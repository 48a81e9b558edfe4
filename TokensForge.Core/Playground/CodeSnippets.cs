using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TokensForge.Core.Playground;

/// <summary>
/// The playground's request as code for <c>/v1</c>: curl, Python and JavaScript (both with the official OpenAI SDK).
/// The key is read from <c>TOKENSFORGE_API_KEY</c>; the snippet names the user's key by its visible prefix only.
/// </summary>
public static class CodeSnippets
{
    public const string KeyVariable = "TOKENSFORGE_API_KEY";

    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="baseUrl">The site's address, e.g. <c>https://tokens.example/</c>; <c>/v1</c> is appended.</param>
    /// <param name="keyPrefix">The visible prefix of one of the user's keys, or null when the user has none yet.</param>
    public static string Curl(string baseUrl, string? keyPrefix, ChatDraft draft) => $"""
        # {KeyHint(keyPrefix)}
        curl -N {V1(baseUrl)}/chat/completions \
          -H "Authorization: Bearer ${KeyVariable}" \
          -H "Content-Type: application/json" \
          -d @- <<'JSON'
        {Body(draft)}
        JSON
        """;

    public static string Python(string baseUrl, string? keyPrefix, ChatDraft draft) => $"""
        # pip install openai
        # {KeyHint(keyPrefix)}
        import os
        from openai import OpenAI

        client = OpenAI(base_url="{V1(baseUrl)}", api_key=os.environ["{KeyVariable}"])
        stream = client.chat.completions.create(
            model={Quote(draft.Model)},
            messages={Messages(draft, "    ")},{Options(draft, "    ", "=")}
            stream=True,
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                print(chunk.choices[0].delta.content, end="", flush=True)
        """;

    public static string JavaScript(string baseUrl, string? keyPrefix, ChatDraft draft) => $$"""
        // npm install openai; save as chat.mjs and run: node chat.mjs
        // {{KeyHint(keyPrefix)}}
        import OpenAI from "openai";

        const client = new OpenAI({ baseURL: "{{V1(baseUrl)}}", apiKey: process.env.{{KeyVariable}} });
        const stream = await client.chat.completions.create({
          model: {{Quote(draft.Model)}},
          messages: {{Messages(draft, "  ")}},{{Options(draft, "  ", ": ")}}
          stream: true,
        });
        for await (const chunk of stream) {
          process.stdout.write(chunk.choices[0]?.delta?.content ?? "");
        }
        """;

    private static string KeyHint(string? keyPrefix) => keyPrefix is null
        ? $"Create an API key on the API keys page, then: export {KeyVariable}=tf-…"
        : $"export {KeyVariable}=<your key {keyPrefix}…>";

    private static string V1(string baseUrl) => baseUrl.TrimEnd('/') + "/v1";

    private static string Quote(string text) => JsonSerializer.Serialize(text, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>The request body as indented JSON, the same fields the playground sends.</summary>
    public static string Body(ChatDraft draft)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Indented))
        {
            json.WriteStartObject();
            json.WriteString("model", draft.Model);
            json.WritePropertyName("messages");
            WriteMessages(json, draft);
            if (draft.Temperature is { } t) json.WriteNumber("temperature", Math.Round((decimal)t, 3));
            if (draft.MaxTokens is { } m) json.WriteNumber("max_tokens", m);
            json.WriteBoolean("stream", true);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The messages as a JSON array of string-only objects: valid Python and JavaScript as they are.</summary>
    private static string Messages(ChatDraft draft, string indent)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Indented)) WriteMessages(json, draft);
        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\n", "\n" + indent);
    }

    private static void WriteMessages(Utf8JsonWriter json, ChatDraft draft)
    {
        json.WriteStartArray();
        foreach (var message in draft.Messages)
        {
            json.WriteStartObject();
            json.WriteString("role", message.Role);
            json.WriteString("content", message.Content);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static string Options(ChatDraft draft, string indent, string assign)
    {
        var options = new StringBuilder();
        if (draft.Temperature is { } t) options.Append('\n').Append(indent).Append("temperature").Append(assign).Append(Math.Round((decimal)t, 3).ToString(CultureInfo.InvariantCulture)).Append(',');
        if (draft.MaxTokens is { } m) options.Append('\n').Append(indent).Append("max_tokens").Append(assign).Append(m.ToString(CultureInfo.InvariantCulture)).Append(',');
        return options.ToString();
    }
}
