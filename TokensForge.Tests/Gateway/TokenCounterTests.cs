using System.Text.Json;
using TokensForge.Core.Gateway;
using TokensForge.Core.Upstreams;
using TokensForge.Web.Simulator;

namespace TokensForge.Tests.Gateway;

public sealed class TokenCounterTests
{
    private static readonly TokenCounter Counter = new();

    [Fact]
    public void Count_UsesO200k()
    {
        Assert.Equal(2, Counter.Count("hello world"));
        Assert.Equal(0, Counter.Count(""));
    }

    [Fact]
    public void CountPrompt_AddsMessageFraming_AndContentParts()
    {
        var request = new ChatCompletionRequest
        {
            Messages =
            [
                new ChatMessage { Role = "system", Content = JsonSerializer.SerializeToElement("hello world") },
                new ChatMessage { Role = "user", Content = JsonSerializer.SerializeToElement(new[] { new { type = "text", text = "hello world" } }) },
            ],
        };

        // 3 for the reply, then per message 3 + role (1) + content (2).
        Assert.Equal(3 + (3 + 1 + 2) * 2, Counter.CountPrompt(request));
    }

    [Fact]
    public void CountEmbeddingInput_StringsAreEncoded_TokenArraysCounted()
    {
        Assert.Equal(2, Counter.CountEmbeddingInput(JsonSerializer.SerializeToElement("hello world")));
        Assert.Equal(4, Counter.CountEmbeddingInput(JsonSerializer.SerializeToElement(new[] { "hello world", "hello world" })));
        Assert.Equal(3, Counter.CountEmbeddingInput(JsonSerializer.SerializeToElement(new[] { 1, 2, 3 })));
        Assert.Equal(5, Counter.CountEmbeddingInput(JsonSerializer.SerializeToElement(new[] { new[] { 1, 2 }, new[] { 3, 4, 5 } })));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(24)]
    [InlineData(500)]
    public void SimulatedReply_OfNWords_IsExactlyNTokens(int count)
    {
        var text = string.Concat(SimulatedReplies.Tokens("any prompt " + count, count));

        Assert.Equal(count, Counter.Count(text));
    }

    [Fact]
    public void SimulatedReply_IsDeterministic()
    {
        Assert.Equal(SimulatedReplies.Tokens("same", 30), SimulatedReplies.Tokens("same", 30));
        Assert.NotEqual(SimulatedReplies.Tokens("one", 30), SimulatedReplies.Tokens("other", 30));
    }
}
