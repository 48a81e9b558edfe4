using System.Text.Json;
using TokensForge.Core.Gateway.Responses;
using TokensForge.Core.Upstreams;

namespace TokensForge.Tests.Gateway.Responses;

/// <summary>The Responses ⇄ chat completions translation, as the pure function it is.</summary>
public sealed class ResponsesTranslationTests
{
    private static CreateResponseRequest Request(string json) => JsonSerializer.Deserialize(json, ResponsesJsonContext.Default.CreateResponseRequest)!;

    private static ChatTranslation Translate(string json, params string[] history)
    {
        var (chat, error) = ResponsesTranslation.ToChat(Request(json), history.Select(h => JsonDocument.Parse(h).RootElement.Clone()).ToList());
        Assert.Null(error);
        return chat!;
    }

    private static string Raw(ChatMessage message) => JsonSerializer.Serialize(message, OpenAiJsonContext.Default.ChatMessage);

    [Fact]
    public void ToChat_StringInputAndInstructions_SystemThenUserMessage()
    {
        var chat = Translate("""{"model":"m","input":"Hello","instructions":"Be brief."}""");

        Assert.Equal(["""{"role":"system","content":"Be brief."}""", """{"role":"user","content":"Hello"}"""], chat.Messages.Select(Raw));
        Assert.Equal("""{"type":"message","role":"user","content":"Hello"}""", Assert.Single(chat.InputItems).GetRawText());
    }

    [Fact]
    public void ToChat_ContentParts_TextAndImageBecomeChatParts_DeveloperBecomesSystem()
    {
        var chat = Translate("""
            {"model":"m","input":[
              {"type":"message","role":"developer","content":"Rules."},
              {"role":"user","content":[{"type":"input_text","text":"What is this?"},{"type":"input_image","image_url":"https://x/y.png","detail":"low"}]}]}
            """);

        Assert.Equal("""{"role":"system","content":"Rules."}""", Raw(chat.Messages[0]));
        Assert.Equal("""{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}}]}""",
            Raw(chat.Messages[1]));
    }

    [Fact]
    public void ToChat_FunctionCallsJoinTheAssistantTurn_OutputsBecomeToolMessages()
    {
        var chat = Translate("""
            {"model":"m","input":[
              {"role":"user","content":"Weather?"},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
              {"type":"function_call","call_id":"c1","name":"w","arguments":"{\"city\":\"A\"}"},
              {"type":"function_call","call_id":"c2","name":"w","arguments":"{\"city\":\"B\"}"},
              {"type":"function_call_output","call_id":"c1","output":"sun"},
              {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"rain"}]},
              {"type":"reasoning","id":"rs_1","summary":[]}]}
            """);

        Assert.Equal(4, chat.Messages.Count);
        Assert.Equal(
            """{"role":"assistant","content":"Checking.","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{\u0022city\u0022:\u0022A\u0022}"}},{"id":"c2","type":"function","function":{"name":"w","arguments":"{\u0022city\u0022:\u0022B\u0022}"}}]}""",
            Raw(chat.Messages[1]));
        Assert.Equal("""{"role":"tool","content":"sun","tool_call_id":"c1"}""", Raw(chat.Messages[2]));
        Assert.Equal("""{"role":"tool","content":"rain","tool_call_id":"c2"}""", Raw(chat.Messages[3]));
    }

    [Fact]
    public void ToChat_HistoryComesBeforeTheInput_InstructionsBeforeBoth()
    {
        var chat = Translate("""{"model":"m","input":"Second","instructions":"Sys"}""",
            """{"type":"message","role":"user","content":"First"}""",
            """{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Answer","annotations":[]}]}""");

        Assert.Equal(["system:Sys", "user:First", "assistant:Answer", "user:Second"], chat.Messages.Select(m => $"{m.Role}:{m.Content!.Value.GetString()}"));
        Assert.Single(chat.InputItems);
    }

    [Fact]
    public void ToChat_ToolsChoiceFormatAndSampling_InChatWords()
    {
        var chat = Translate("""
            {"model":"m","input":"x","tools":[{"type":"function","name":"w","description":"d","parameters":{"type":"object"},"strict":true}],
             "tool_choice":{"type":"function","name":"w"},"parallel_tool_calls":false,"temperature":0.2,"top_p":0.9,"user":"u1",
             "text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true}},"reasoning":{"effort":"low"}}
            """);

        Assert.Equal("""[{"type":"function","function":{"name":"w","description":"d","parameters":{"type":"object"},"strict":true}}]""", chat.Options["tools"].GetRawText());
        Assert.Equal("""{"type":"function","function":{"name":"w"}}""", chat.Options["tool_choice"].GetRawText());
        Assert.Equal("""{"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"},"strict":true}}""", chat.Options["response_format"].GetRawText());
        Assert.Equal("false", chat.Options["parallel_tool_calls"].GetRawText());
        Assert.Equal("0.2", chat.Options["temperature"].GetRawText());
        Assert.Equal("0.9", chat.Options["top_p"].GetRawText());
        Assert.Equal("\"u1\"", chat.Options["user"].GetRawText());
        Assert.Equal("\"low\"", chat.Options["reasoning_effort"].GetRawText());
    }

    [Theory]
    [InlineData("""{"type":"json_object"}""", """{"type":"json_object"}""")]
    [InlineData("""{"type":"text"}""", null)]
    public void ToChat_TextFormats(string format, string? responseFormat)
    {
        var chat = Translate($$$"""{"model":"m","input":"x","text":{"format":{{{format}}}}}""");

        Assert.Equal(responseFormat, chat.Options.TryGetValue("response_format", out var value) ? value.GetRawText() : null);
    }

    [Fact]
    public void FromChat_TextAndToolCalls_BecomeItems_LengthIsIncomplete()
    {
        var completion = JsonSerializer.Deserialize("""
            {"choices":[{"index":0,"finish_reason":"length","message":{"role":"assistant","content":"Hi",
              "tool_calls":[{"id":"call_1","type":"function","function":{"name":"w","arguments":"{}"}}]}}]}
            """, OpenAiJsonContext.Default.ChatCompletionResponse)!;

        var (output, status, incomplete) = ResponsesTranslation.FromChat(completion, "abc");

        Assert.Equal(["message", "function_call"], output.Select(o => o.Type));
        Assert.Equal("Hi", output[0].Content![0].Text);
        Assert.Equal(("call_1", "w", "{}"), (output[1].CallId, output[1].Name, output[1].Arguments));
        Assert.NotEqual(output[0].Id, output[1].Id);
        Assert.Equal("incomplete", status);
        Assert.Equal("max_output_tokens", incomplete!.Reason);
    }

    [Fact]
    public void UsageOf_CachedAndReasoningTokens()
    {
        var usage = JsonSerializer.Deserialize("""
            {"usage":{"prompt_tokens":10,"completion_tokens":7,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":3}}}
            """, OpenAiJsonContext.Default.ChatCompletionResponse)!.Usage!;

        var converted = ResponsesTranslation.UsageOf(usage);

        Assert.Equal((10, 7, 17, 4, 3), (converted.InputTokens, converted.OutputTokens, converted.TotalTokens,
            converted.InputTokensDetails.CachedTokens, converted.OutputTokensDetails.ReasoningTokens));
    }
}
