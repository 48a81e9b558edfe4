using System.Text.Json;
using TokensForge.Core.Playground;
using TokensForge.Core.Upstreams;

namespace TokensForge.Tests.Playground;

public sealed class CodeSnippetsTests
{
    private static readonly ChatDraft Draft = new("gpt-4o-mini", "Be \"brief\".", [new ChatTurn(ChatTurn.User, "Line one\nline two 你好")], 0.7, 256);

    [Fact]
    public void Body_IsTheSameRequestThePlaygroundSends()
    {
        var parsed = JsonSerializer.Deserialize(CodeSnippets.Body(Draft), OpenAiJsonContext.Default.ChatCompletionRequest)!;
        var sent = Draft.ToRequest();

        Assert.Equal(sent.Model, parsed.Model);
        Assert.Equal(sent.MaxTokens, parsed.MaxTokens);
        Assert.True(parsed.Stream);
        Assert.Equal(sent.Messages!.Select(m => (m.Role, m.Content!.Value.GetString())), parsed.Messages!.Select(m => (m.Role, m.Content!.Value.GetString())));
        Assert.Equal(0.7, parsed.Extra!["temperature"].GetDouble());
        Assert.Equal(0.7, sent.Extra!["temperature"].GetDouble());
    }

    [Fact]
    public void Snippets_UseTheV1BaseUrl_AndNameTheKeyOnlyByItsPrefix()
    {
        foreach (var snippet in new[]
                 {
                     CodeSnippets.Curl("https://forge.test/", "tf-ab12cd34", Draft),
                     CodeSnippets.Python("https://forge.test/", "tf-ab12cd34", Draft),
                     CodeSnippets.JavaScript("https://forge.test/", "tf-ab12cd34", Draft),
                 })
        {
            Assert.Contains("https://forge.test/v1", snippet);
            Assert.Contains("tf-ab12cd34…", snippet);
            Assert.Contains(CodeSnippets.KeyVariable, snippet);
            Assert.Contains("gpt-4o-mini", snippet);
            Assert.Contains("Line one\\nline two 你好", snippet);
        }
        Assert.Contains("max_tokens=256,", CodeSnippets.Python("https://forge.test/", null, Draft));
        Assert.Contains("max_tokens: 256,", CodeSnippets.JavaScript("https://forge.test/", null, Draft));
        Assert.Contains("create one", CodeSnippets.Curl("https://forge.test/", null, Draft).Replace("Create an API key", "create one"));
    }

    [Fact]
    public void PythonMessages_AreAValidLiteral()
    {
        var python = CodeSnippets.Python("https://forge.test", "tf-x", Draft);
        var start = python.IndexOf("messages=", StringComparison.Ordinal) + "messages=".Length;
        var end = python.IndexOf("],", start, StringComparison.Ordinal) + 1;

        using var messages = JsonDocument.Parse(python[start..end]);
        Assert.Equal(["system", "user"], messages.RootElement.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
    }
}
