using System.Text.Json;
using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Messages;
using TokensForge.Core.Upstreams;

namespace TokensForge.Tests.Gateway.Messages;

/// <summary>Anthropic Messages ⇄ chat completions, field by field.</summary>
public sealed class MessagesTranslatorTests
{
    private static MessagesRequest Parse(string json) => JsonSerializer.Deserialize(json, MessagesJsonContext.Default.MessagesRequest)!;

    private static string Raw(JsonElement? element) => element?.GetRawText() ?? "null";

    [Fact]
    public void ToChat_TranslatesSystemImagesToolsAndOptions()
    {
        var request = Parse("""
            {"model":"gpt-4o-mini","max_tokens":100,"system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Be kind.","cache_control":{"type":"ephemeral"}}],
             "stop_sequences":["END"],"temperature":0.2,"top_p":0.8,"top_k":5,"metadata":{"user_id":"u-1"},
             "tools":[{"name":"lookup","description":"Looks up.","input_schema":{"type":"object","properties":{"q":{"type":"string"}}}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "messages":[
               {"role":"user","content":[{"type":"text","text":"Look at these."},
                 {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}},
                 {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}}]},
               {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"x"},{"type":"text","text":"Let me check."},
                 {"type":"tool_use","id":"toolu_1","name":"lookup","input":{"q":"stones"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"granite"}]},{"type":"text","text":"And now?"}]}]}
            """);

        var (chat, error) = MessagesTranslator.ToChat(request);

        Assert.Null(error);
        var messages = chat!.Messages!;
        Assert.Equal(["system", "user", "assistant", "tool", "user"], messages.Select(m => m.Role!).ToArray());
        Assert.Equal("Be brief.\n\nBe kind.", messages[0].Content!.Value.GetString());
        var parts = messages[1].Content!.Value.EnumerateArray().ToList();
        Assert.Equal("data:image/png;base64,iVBOR", parts[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("https://example.com/a.jpg", parts[2].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("Let me check.", messages[2].Content!.Value.GetString());
        var call = messages[2].Extra!["tool_calls"][0];
        Assert.Equal(("toolu_1", "lookup"), (call.GetProperty("id").GetString(), call.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal("stones", JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("q").GetString());
        Assert.Equal("toolu_1", messages[3].Extra!["tool_call_id"].GetString());
        Assert.Equal("granite", messages[3].Content!.Value.GetString());
        var extra = chat.Extra!;
        Assert.Equal("lookup", extra["tools"][0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("object", extra["tools"][0].GetProperty("function").GetProperty("parameters").GetProperty("type").GetString());
        Assert.Equal("\"required\"", Raw(extra["tool_choice"]));
        Assert.Equal("false", Raw(extra["parallel_tool_calls"]));
        Assert.Equal("[\"END\"]", Raw(extra["stop"]));
        Assert.Equal((0.2, 0.8, "u-1"), (extra["temperature"].GetDouble(), extra["top_p"].GetDouble(), extra["user"].GetString()));
        Assert.False(extra.ContainsKey("top_k"));
    }

    [Theory]
    [InlineData("""{"type":"auto"}""", "\"auto\"")]
    [InlineData("""{"type":"none"}""", "\"none\"")]
    [InlineData("""{"type":"tool","name":"lookup"}""", """{"type":"function","function":{"name":"lookup"}}""")]
    public void ToChat_ToolChoice(string choice, string expected)
    {
        var (chat, _) = MessagesTranslator.ToChat(Parse($$"""{"model":"m","max_tokens":1,"tool_choice":{{choice}},"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(expected, Raw(chat!.Extra!["tool_choice"]));
    }

    [Fact]
    public void ToChat_Documents_BecomeAFilePartOrText_CacheControlIsTolerated()
    {
        var (chat, error) = MessagesTranslator.ToChat(Parse("""
            {"model":"m","max_tokens":50,"messages":[{"role":"user","content":[
              {"type":"document","title":"contract","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"},"cache_control":{"type":"ephemeral"}},
              {"type":"document","title":"notes","source":{"type":"text","media_type":"text/plain","data":"Pay on the 5th."}},
              {"type":"text","text":"Summarise both.","cache_control":{"type":"ephemeral"}}]}]}
            """));

        Assert.Null(error);
        var parts = chat!.Messages![0].Content!.Value.EnumerateArray().ToList();
        Assert.Equal("file", parts[0].GetProperty("type").GetString());
        Assert.Equal("contract.pdf", parts[0].GetProperty("file").GetProperty("filename").GetString());
        Assert.Equal("data:application/pdf;base64,JVBERi0x", parts[0].GetProperty("file").GetProperty("file_data").GetString());
        Assert.Equal("notes\n\nPay on the 5th.", parts[1].GetProperty("text").GetString());
        Assert.Equal("Summarise both.", parts[2].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(1_024, "low")]
    [InlineData(8_000, "medium")]
    [InlineData(32_000, "high")]
    public void ToChat_ExtendedThinking_AsksForReasoningByItsBudget(int budget, string effort)
    {
        var (chat, _) = MessagesTranslator.ToChat(Parse($$"""
            {"model":"m","max_tokens":64000,"thinking":{"type":"enabled","budget_tokens":{{budget}}},"messages":[{"role":"user","content":"think"}]}
            """));
        var (plain, _) = MessagesTranslator.ToChat(Parse("""{"model":"m","max_tokens":5,"thinking":{"type":"disabled"},"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(effort, chat!.Extra!["reasoning_effort"].GetString());
        Assert.False(plain!.Extra?.ContainsKey("reasoning_effort") ?? false);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", "max_tokens")]
    [InlineData("""{"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[]}""", "messages")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}""", "messages[0].content[0].source")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":"x"}]}]}""", "messages[0].content[0].input")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result"}]}]}""", "messages[0].content[0].tool_use_id")]
    [InlineData("""{"model":"m","max_tokens":5,"tool_choice":{"type":"tool"},"messages":[{"role":"user","content":"hi"}]}""", "tool_choice.name")]
    [InlineData("""{"model":"m","max_tokens":5,"tools":[{"name":"x"}],"messages":[{"role":"user","content":"hi"}]}""", "tools[0].input_schema")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"url","url":"https://x/a.pdf"}}]}]}""", "messages[0].content[0].source")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"image/png","data":"x"}}]}]}""", "messages[0].content[0].source")]
    public void ToChat_RefusesWhatItCannotTranslate_NamingTheField(string json, string param)
    {
        var (chat, error) = MessagesTranslator.ToChat(Parse(json));

        Assert.Null(chat);
        Assert.Equal(GatewayErrorKind.InvalidRequest, error!.Kind);
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void ToChat_ForCounting_NeedsNoMaxTokens()
    {
        var (chat, error) = MessagesTranslator.ToChat(Parse("""{"model":"m","messages":[{"role":"user","content":"hi"}]}"""), forCounting: true);

        Assert.Null(error);
        Assert.Single(chat!.Messages!);
    }

    [Theory]
    [InlineData("stop", null, "end_turn", null)]
    [InlineData("stop", "END", "stop_sequence", "END")]
    [InlineData("stop", "OTHER", "end_turn", null)]
    [InlineData("length", null, "max_tokens", null)]
    [InlineData("tool_calls", null, "tool_use", null)]
    [InlineData("content_filter", null, "refusal", null)]
    public void StopReason_FromTheFinishReason(string finish, string? matched, string reason, string? sequence)
    {
        JsonElement? stop = matched is null ? null : JsonSerializer.SerializeToElement(matched, OpenAiJsonContext.Default.String);

        Assert.Equal((reason, sequence), MessagesTranslator.StopReason(finish, stop, ["END"]));
    }

    [Fact]
    public void ToMessage_TextAndToolCalls_BecomeBlocks_BrokenArgumentsAnEmptyInput()
    {
        var completion = new ChatCompletionResponse
        {
            Choices =
            [
                new ChatChoice
                {
                    Index = 0, FinishReason = "tool_calls",
                    Message = new ResponseMessage
                    {
                        Content = "Checking.",
                        ToolCalls =
                        [
                            new ToolCall { Id = "call_1", Function = new FunctionCall { Name = "a", Arguments = """{"x":1}""" } },
                            new ToolCall { Id = "call_2", Function = new FunctionCall { Name = "b", Arguments = """{"x":""" } },
                        ],
                    },
                },
            ],
        };

        var message = MessagesTranslator.ToMessage(completion, "msg_1", "gpt-4o-mini", null, new MessagesUsage(1, 2, 0, 0));

        Assert.Equal(["text", "tool_use", "tool_use"], message.Content.Select(b => b.Type).ToArray());
        Assert.Equal("""{"x":1}""", message.Content[1].Input!.Value.GetRawText());
        Assert.Equal("{}", message.Content[2].Input!.Value.GetRawText());
        Assert.Equal("tool_use", message.StopReason);
        var json = JsonSerializer.Serialize(message, MessagesJsonContext.Default.MessageResponse);
        Assert.Contains("\"stop_sequence\":null", json);
        Assert.Contains("\"type\":\"message\"", json);
    }
}
