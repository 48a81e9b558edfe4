using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Responses;
using TokensForge.Core.Upstreams;

namespace TokensForge.Tests.Gateway.Responses;

/// <summary>Chat chunks in, the Responses API's typed events out, in OpenAI's order.</summary>
public sealed class ResponseStreamWriterTests
{
    private sealed class RecordingSink : IResponseEventSink
    {
        public List<ResponseStreamEvent> Events { get; } = [];
        public Guid? Started { get; private set; }

        public Task StartAsync(Guid receiptId, CancellationToken ct)
        {
            Started = receiptId;
            return Task.CompletedTask;
        }

        public Task WriteAsync(ResponseStreamEvent streamEvent, CancellationToken ct)
        {
            Events.Add(streamEvent);
            return Task.CompletedTask;
        }

        public Task WriteRawAsync(string type, byte[] json, CancellationToken ct) => throw new NotSupportedException("The writer only writes typed events.");
    }

    private static ChatCompletionChunk Chunk(ResponseMessage delta, string? finish = null) =>
        new() { Choices = [new ChunkChoice { Index = 0, Delta = delta, FinishReason = finish }] };

    private static ChatCompletionChunk Call(int index, string? id, string? name, string arguments) =>
        Chunk(new ResponseMessage { ToolCalls = [new ToolCall { Index = index, Id = id, Function = new FunctionCall { Name = name, Arguments = arguments } }] });

    private static (ResponseStreamWriter Writer, RecordingSink Sink) Writer()
    {
        var sink = new RecordingSink();
        return (new ResponseStreamWriter(sink, new ResponseObject { Id = "resp_x" }, "x"), sink);
    }

    [Fact]
    public async Task TextThenTwoToolCalls_EachItemClosesBeforeTheNextOpens_CompletedCarriesTheWhole()
    {
        var (writer, sink) = Writer();
        var receipt = Guid.NewGuid();

        await writer.StartAsync(receipt, default);
        await writer.WriteAsync(Chunk(new ResponseMessage { Role = "assistant", Content = "Let me " }), default);
        await writer.WriteAsync(Chunk(new ResponseMessage { Content = "check." }), default);
        await writer.WriteAsync(Call(0, "call_a", "w", "{\"c\":"), default);
        await writer.WriteAsync(Call(0, null, null, "\"A\"}"), default);
        await writer.WriteAsync(Call(1, "call_b", "w", "{}"), default);
        await writer.WriteAsync(Chunk(new ResponseMessage(), "tool_calls"), default);
        await writer.CloseOutputAsync(default);
        await writer.CompleteAsync(new ResponseUsage { InputTokens = 5, OutputTokens = 9, TotalTokens = 14 }, default);

        Assert.Equal(receipt, sink.Started);
        Assert.Equal(Enumerable.Range(0, sink.Events.Count), sink.Events.Select(e => e.SequenceNumber));
        Assert.Equal([
            "response.created", "response.in_progress",
            "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done",
            "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
            "response.function_call_arguments.done", "response.output_item.done",
            "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done",
            "response.completed",
        ], sink.Events.Select(e => e.Type));
        Assert.Equal("Let me check.", sink.Events.Single(e => e.Type == "response.output_text.done").Text);
        Assert.Equal(["{\"c\":\"A\"}", "{}"], sink.Events.Where(e => e.Type == "response.function_call_arguments.done").Select(e => e.Arguments));
        var response = sink.Events[^1].Response!;
        Assert.Equal("completed", response.Status);
        Assert.Equal(14, response.Usage!.TotalTokens);
        Assert.Equal(["message", "function_call", "function_call"], response.Output.Select(o => o.Type));
        Assert.Equal(["call_a", "call_b"], response.Output.Skip(1).Select(o => o.CallId));
        Assert.All(response.Output, o => Assert.Equal("completed", o.Status));
        Assert.Equal(3, response.Output.Select(o => o.Id).Distinct().Count());
    }

    [Fact]
    public async Task Refusal_IsARefusalPart_WithItsOwnEvents()
    {
        var (writer, sink) = Writer();

        await writer.StartAsync(Guid.NewGuid(), default);
        await writer.WriteAsync(Chunk(new ResponseMessage { Role = "assistant", Refusal = "I can't " }), default);
        await writer.WriteAsync(Chunk(new ResponseMessage { Refusal = "help." }, "stop"), default);
        await writer.CloseOutputAsync(default);
        await writer.CompleteAsync(new ResponseUsage(), default);

        Assert.Equal(2, sink.Events.Count(e => e.Type == "response.refusal.delta"));
        Assert.Equal("I can't help.", sink.Events.Single(e => e.Type == "response.refusal.done").Refusal);
        Assert.Equal("refusal", sink.Events.Single(e => e.Type == "response.content_part.added").Part!.Type);
        Assert.Equal("I can't help.", Assert.Single(sink.Events[^1].Response!.Output[0].Content!).Refusal);
    }

    [Fact]
    public async Task LengthFinish_IsIncomplete_AndBrokenStreams_EndFailedThenError()
    {
        var (cut, cutSink) = Writer();
        await cut.StartAsync(Guid.NewGuid(), default);
        await cut.WriteAsync(Chunk(new ResponseMessage { Content = "Half" }), default);
        await cut.FailAsync(GatewayErrors.UpstreamCut(1), new ResponseUsage { OutputTokens = 1 }, default);

        var (limited, limitedSink) = Writer();
        await limited.StartAsync(Guid.NewGuid(), default);
        await limited.WriteAsync(Chunk(new ResponseMessage { Content = "Long" }, "length"), default);
        await limited.CloseOutputAsync(default);
        await limited.CompleteAsync(new ResponseUsage(), default);

        Assert.Equal(["response.output_item.done", "response.failed", "error"], cutSink.Events.TakeLast(3).Select(e => e.Type));
        var failed = cutSink.Events[^2].Response!;
        Assert.Equal("failed", failed.Status);
        Assert.Equal("incomplete", failed.Output[0].Status);
        Assert.Equal("Half", failed.Output[0].Content![0].Text);
        Assert.Equal("upstream_error", cutSink.Events[^1].Code);
        Assert.Equal("response.incomplete", limitedSink.Events[^1].Type);
        Assert.Equal("max_output_tokens", limitedSink.Events[^1].Response!.IncompleteDetails!.Reason);
    }
}
