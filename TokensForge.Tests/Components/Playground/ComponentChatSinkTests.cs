using Microsoft.Extensions.Time.Testing;
using TokensForge.Core.Upstreams;
using TokensForge.Web.Components.Pages.Playground;

namespace TokensForge.Tests.Components.Playground;

public sealed class ComponentChatSinkTests
{
    private static ChatCompletionChunk Chunk(string text) => new() { Choices = [new ChunkChoice { Index = 0, Delta = new ResponseMessage { Content = text } }] };

    [Fact]
    public async Task Chunks_AccumulateText_AndRendersAreThrottled()
    {
        var time = new FakeTimeProvider();
        var renders = 0;
        var sink = new ComponentChatSink(() => { renders++; return Task.CompletedTask; }, time, TimeSpan.FromMilliseconds(100));
        var receipt = Guid.NewGuid();

        await sink.StartAsync(receipt, default);
        await sink.WriteAsync(Chunk("Hello"), default);
        await sink.WriteAsync(Chunk(" world"), default);
        Assert.Equal(1, renders);
        time.Advance(TimeSpan.FromMilliseconds(100));
        await sink.WriteAsync(Chunk("!"), default);
        await sink.WriteAsync(new ChatCompletionChunk { Choices = [], Usage = new Core.Upstreams.Usage { CompletionTokens = 3 } }, default);
        await sink.CompleteAsync(default);

        Assert.Equal(2, renders);
        Assert.Equal("Hello world!", sink.Text);
        Assert.Equal(receipt, sink.ReceiptId);
        Assert.True(sink.Started && sink.Completed);
    }

    [Fact]
    public async Task AGonePage_EndsTheStreamAsTheCallerGoingAway()
    {
        var sink = new ComponentChatSink(() => throw new ObjectDisposedException("circuit"), new FakeTimeProvider());

        await Assert.ThrowsAsync<ClientGoneException>(() => sink.StartAsync(Guid.NewGuid(), default));
    }
}
