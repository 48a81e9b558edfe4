using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway.Messages;

/// <summary>Where a streaming Messages request goes: server-sent events with Anthropic's event names on <c>/v1/messages</c>.</summary>
public interface IMessagesStreamSink
{
    /// <summary>The first byte: called once, right before <c>message_start</c>.</summary>
    Task StartAsync(Guid receiptId, CancellationToken ct);

    /// <summary>One event: <c>event: {name}</c> and its JSON.</summary>
    Task WriteAsync(string eventName, byte[] json, CancellationToken ct);

    /// <summary>The stream broke after it started: an <c>error</c> event in Anthropic's shape.</summary>
    Task FailAsync(GatewayError error, CancellationToken ct);
}

/// <summary>
/// An <see cref="IMessagesStreamSink"/> that keeps every event it passes on (<see cref="EventTranscript"/>), for a stream
/// under an <c>Idempotency-Key</c> whose retry replays it.
/// </summary>
public sealed class RecordedMessagesSink(IMessagesStreamSink inner) : IMessagesStreamSink
{
    public EventTranscript Transcript { get; } = new();

    public Task StartAsync(Guid receiptId, CancellationToken ct) => inner.StartAsync(receiptId, ct);

    public async Task WriteAsync(string eventName, byte[] json, CancellationToken ct)
    {
        await inner.WriteAsync(eventName, json, ct);
        Transcript.Add(eventName, Encoding.UTF8.GetString(json));
    }

    public Task FailAsync(GatewayError error, CancellationToken ct) => inner.FailAsync(error, ct);
}

/// <summary>
/// Turns the upstream's chat chunks into Anthropic's stream as they arrive, in Anthropic's order: <c>message_start</c> with
/// the first chunk, then one content block per text run or tool call (<c>content_block_start</c>, a <c>ping</c> after the
/// first, <c>text_delta</c> or <c>input_json_delta</c> deltas, <c>content_block_stop</c>). The charge decides the closing <c>message_delta</c>
/// (stop reason and charged usage), written by <see cref="FinishAsync"/>; <c>message_stop</c> follows the receipt.
/// </summary>
public sealed class MessagesStreamTranslator(IMessagesStreamSink sink, string model, int promptTokens, IReadOnlyList<string>? stopSequences) : IChatStreamSink
{
    private int _index = -1;
    private string? _openBlock;
    private int? _openToolCall;
    private string? _finishReason;
    private JsonElement? _matchedStop;
    private bool _pinged;

    public string MessageId { get; private set; } = "";

    public async Task StartAsync(Guid receiptId, CancellationToken ct)
    {
        MessageId = "msg_" + receiptId.ToString("N");
        await sink.StartAsync(receiptId, ct);
        // Our count of the prompt: the upstream's own comes with the last chunk, and the closing message_delta carries it.
        await WriteAsync("message_start", new MessageStartEvent(new MessageResponse(MessageId, "message", "assistant", model, [], null, null,
            new MessagesUsage(promptTokens, 0, 0, 0))), MessagesJsonContext.Default.MessageStartEvent, ct);
    }

    public async Task WriteAsync(ChatCompletionChunk chunk, CancellationToken ct)
    {
        var choice = chunk.Choices?.FirstOrDefault(c => c.Index == 0);
        if (choice is null) return;
        if (choice.Delta is { } delta)
        {
            var text = delta.Content ?? delta.Refusal;
            if (!string.IsNullOrEmpty(text))
            {
                if (_openBlock != "text") await OpenAsync("text", ContentBlock.OfText(""), null, ct);
                await WriteAsync("content_block_delta", new ContentBlockDeltaEvent(_index, new BlockDelta("text_delta", Text: text)),
                    MessagesJsonContext.Default.ContentBlockDeltaEvent, ct);
            }
            foreach (var call in delta.ToolCalls ?? [])
            {
                var callIndex = call.Index ?? 0;
                if (_openBlock != "tool_use" || _openToolCall != callIndex)
                {
                    await OpenAsync("tool_use", ContentBlock.OfToolUse(call.Id ?? MessagesTranslator.ToolUseId(), call.Function?.Name ?? "", EmptyInput), callIndex, ct);
                }
                if (call.Function?.Arguments is { Length: > 0 } arguments)
                {
                    await WriteAsync("content_block_delta", new ContentBlockDeltaEvent(_index, new BlockDelta("input_json_delta", PartialJson: arguments)),
                        MessagesJsonContext.Default.ContentBlockDeltaEvent, ct);
                }
            }
        }
        if (choice.FinishReason is { } finish)
        {
            _finishReason = finish;
            if (choice.Extra?.TryGetValue("stop_reason", out var matched) == true) _matchedStop = matched;
        }
    }

    /// <summary>After a complete answer, before the receipt: closes the last block and writes the stop reason and the charged usage.</summary>
    public async Task FinishAsync(MessagesUsage usage, CancellationToken ct)
    {
        await CloseAsync(ct);
        await PingOnceAsync(ct);
        var (reason, sequence) = MessagesTranslator.StopReason(_finishReason, _matchedStop, stopSequences);
        await WriteAsync("message_delta", new MessageDeltaEvent(new MessageDelta(reason ?? "end_turn", sequence), usage),
            MessagesJsonContext.Default.MessageDeltaEvent, ct);
    }

    /// <summary>The stream ended normally (after the receipt was written).</summary>
    public Task CompleteAsync(CancellationToken ct) => sink.WriteAsync(MessageStop.Event, Encoding.UTF8.GetBytes(MessageStop.Data), ct);

    /// <summary>The last event, written after the receipt: a stored stream ends with it too.</summary>
    public static readonly (string Event, string Data) MessageStop =
        ("message_stop", JsonSerializer.Serialize(new MessageStopEvent(), MessagesJsonContext.Default.MessageStopEvent));

    public Task FailAsync(GatewayError error, CancellationToken ct) => sink.FailAsync(error, ct);

    private async Task OpenAsync(string type, ContentBlock block, int? toolCall, CancellationToken ct)
    {
        await CloseAsync(ct);
        _index++;
        (_openBlock, _openToolCall) = (type, toolCall);
        await WriteAsync("content_block_start", new ContentBlockStartEvent(_index, block), MessagesJsonContext.Default.ContentBlockStartEvent, ct);
        await PingOnceAsync(ct);
    }

    private async Task PingOnceAsync(CancellationToken ct)
    {
        if (_pinged) return;
        _pinged = true;
        await WriteAsync("ping", new PingEvent(), MessagesJsonContext.Default.PingEvent, ct);
    }

    private async Task CloseAsync(CancellationToken ct)
    {
        if (_openBlock is null) return;
        (_openBlock, _openToolCall) = (null, null);
        await WriteAsync("content_block_stop", new ContentBlockStopEvent(_index), MessagesJsonContext.Default.ContentBlockStopEvent, ct);
    }

    private Task WriteAsync<T>(string name, T value, JsonTypeInfo<T> type, CancellationToken ct) => sink.WriteAsync(name, JsonSerializer.SerializeToUtf8Bytes(value, type), ct);

    private static readonly JsonElement EmptyInput = JsonDocument.Parse("{}").RootElement.Clone();
}
