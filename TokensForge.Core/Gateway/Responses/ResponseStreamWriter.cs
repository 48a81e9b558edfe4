using System.Text;
using System.Text.Json;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway.Responses;

/// <summary>Where the events of a streamed response go (server-sent events on /v1). Nothing reaches it before the upstream's first chunk.</summary>
public interface IResponseEventSink
{
    /// <summary>The first byte: called once, right before the first event.</summary>
    Task StartAsync(Guid receiptId, CancellationToken ct);

    Task WriteAsync(ResponseStreamEvent streamEvent, CancellationToken ct);

    /// <summary>An event as an upstream that speaks Responses natively wrote it: <c>event: {type}</c> and its JSON.</summary>
    Task WriteRawAsync(string type, byte[] json, CancellationToken ct);
}

/// <summary>
/// An <see cref="IResponseEventSink"/> that keeps every event it passes on (<see cref="EventTranscript"/>), for a stream
/// under an <c>Idempotency-Key</c> whose retry replays it.
/// </summary>
public sealed class RecordedResponseSink(IResponseEventSink inner) : IResponseEventSink
{
    public EventTranscript Transcript { get; } = new();

    public Task StartAsync(Guid receiptId, CancellationToken ct) => inner.StartAsync(receiptId, ct);

    public async Task WriteAsync(ResponseStreamEvent streamEvent, CancellationToken ct)
    {
        // Serialised before anything is awaited: the writer goes on changing the response object the event points at.
        var json = Serialize(streamEvent);
        await inner.WriteAsync(streamEvent, ct);
        Transcript.Add(streamEvent.Type, json);
    }

    /// <summary>A natively streamed event is kept as the caller got it.</summary>
    public async Task WriteRawAsync(string type, byte[] json, CancellationToken ct)
    {
        await inner.WriteRawAsync(type, json, ct);
        Transcript.Add(type, Encoding.UTF8.GetString(json));
    }

    public static string Serialize(ResponseStreamEvent streamEvent) => JsonSerializer.Serialize(streamEvent, ResponsesJsonContext.Default.ResponseStreamEvent);
}

/// <summary>
/// Turns a streamed chat completion into the Responses API's typed events as OpenAI sends them: <c>response.created</c>
/// and <c>response.in_progress</c> at the first chunk; per output item <c>response.output_item.added</c>, then for a message
/// <c>response.content_part.added</c> and <c>response.output_text.delta</c>s, for a function call
/// <c>response.function_call_arguments.delta</c>s; each item is closed (<c>…done</c> events) when the next begins or the
/// stream ends; finally <c>response.completed</c> (or <c>response.incomplete</c>) with usage. Every event carries the next
/// <c>sequence_number</c>. It is the chat sink <see cref="ChatUpstream"/> streams into, so the upstream's chunks are
/// translated as they arrive, never buffered.
/// </summary>
public sealed class ResponseStreamWriter(IResponseEventSink events, ResponseObject response, string idSuffix) : IChatStreamSink
{
    private readonly Dictionary<int, OpenItem> _toolCalls = [];
    private OpenItem? _open;
    private int _sequence;
    private string? _finishReason;

    /// <summary>The response as streamed so far; final once <see cref="CloseOutputAsync"/> ran.</summary>
    public ResponseObject Response => response;

    public async Task StartAsync(Guid receiptId, CancellationToken ct)
    {
        await events.StartAsync(receiptId, ct);
        await EmitAsync(new ResponseStreamEvent { Type = "response.created", Response = response }, ct);
        await EmitAsync(new ResponseStreamEvent { Type = "response.in_progress", Response = response }, ct);
    }

    public async Task WriteAsync(ChatCompletionChunk chunk, CancellationToken ct)
    {
        if (chunk.Choices?.FirstOrDefault(c => c.Index == 0) is not { } choice) return;
        if (choice.FinishReason is { } finish) _finishReason = finish;
        var delta = choice.Delta;
        if (delta?.Content is { Length: > 0 } text) await TextAsync(text, refusal: false, ct);
        if (delta?.Refusal is { Length: > 0 } refusal) await TextAsync(refusal, refusal: true, ct);
        foreach (var call in delta?.ToolCalls ?? []) await ToolCallAsync(call, ct);
    }

    /// <summary>Chat's end marker has no counterpart here: the response ends with <see cref="CloseOutputAsync"/> and <see cref="CompleteAsync(ResponseUsage, CancellationToken)"/>.</summary>
    public Task CompleteAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Chat's error event has no counterpart here: a broken stream ends with <see cref="FailAsync(GatewayError, ResponseUsage, CancellationToken)"/>.</summary>
    public Task FailAsync(GatewayError error, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// The upstream's stream ended: closes the open item (its <c>…done</c> events) and settles the response's status.
    /// The response's state is final before anything is written, so a caller that left does not leave it half closed.
    /// </summary>
    public Task CloseOutputAsync(CancellationToken ct)
    {
        (response.Status, response.IncompleteDetails) = ResponsesTranslation.StatusOf(_finishReason);
        return CloseOpenItemAsync("completed", ct);
    }

    /// <summary>
    /// The stream's last event, made before the receipt (a stored stream ends with it) and written after it by
    /// <see cref="EndAsync"/>: <c>response.completed</c> (or <c>response.incomplete</c>) with the whole response and <paramref name="usage"/>.
    /// </summary>
    public ResponseStreamEvent Completion(ResponseUsage usage)
    {
        response.Usage = usage;
        return new ResponseStreamEvent
        {
            Type = response.Status == "incomplete" ? "response.incomplete" : "response.completed", Response = response, SequenceNumber = _sequence++,
        };
    }

    /// <summary>Ends the stream with the event <see cref="Completion"/> made.</summary>
    public Task EndAsync(ResponseStreamEvent completion, CancellationToken ct) => events.WriteAsync(completion, ct);

    /// <summary>Ends the stream: <see cref="Completion"/> written at once.</summary>
    public Task CompleteAsync(ResponseUsage usage, CancellationToken ct) => EndAsync(Completion(usage), ct);

    /// <summary>
    /// The upstream broke off after output reached the caller: the open item ends incomplete, then <c>response.failed</c>
    /// (the partial output and the usage charged) and an <c>error</c> event, so clients that stop at either learn it.
    /// </summary>
    public async Task FailAsync(GatewayError error, ResponseUsage usage, CancellationToken ct)
    {
        response.Status = "failed";
        response.Error = new ResponseErrorInfo("server_error", error.Message);
        response.Usage = usage;
        await CloseOpenItemAsync("incomplete", ct);
        await EmitAsync(new ResponseStreamEvent { Type = "response.failed", Response = response }, ct);
        await EmitAsync(new ResponseStreamEvent { Type = "error", Code = error.Code, Message = error.Message, Param = error.Param }, ct);
    }

    /// <summary>Text or a refusal: each is one content part of a message item, so a switch between them starts a new item.</summary>
    private async Task TextAsync(string text, bool refusal, CancellationToken ct)
    {
        var kind = refusal ? ItemKind.Refusal : ItemKind.Text;
        if (_open?.Kind != kind)
        {
            await CloseOpenItemAsync("completed", ct);
            var item = ResponseOutputItem.Message(ResponsesTranslation.ItemId("msg", idSuffix, response.Output.Count), "in_progress");
            _open = await AddItemAsync(item, kind, ct);
            await EmitAsync(new ResponseStreamEvent
            {
                Type = "response.content_part.added", ItemId = item.Id, OutputIndex = _open.Index, ContentIndex = 0,
                Part = refusal ? ResponseContentPart.RefusalText("") : ResponseContentPart.OutputText(""),
            }, ct);
        }
        _open.Text.Append(text);
        await EmitAsync(refusal
            ? new ResponseStreamEvent { Type = "response.refusal.delta", ItemId = _open.Item.Id, OutputIndex = _open.Index, ContentIndex = 0, Delta = text }
            : new ResponseStreamEvent
            {
                Type = "response.output_text.delta", ItemId = _open.Item.Id, OutputIndex = _open.Index, ContentIndex = 0, Delta = text, Logprobs = [],
            }, ct);
    }

    private async Task ToolCallAsync(ToolCall call, CancellationToken ct)
    {
        var index = call.Index ?? 0;
        if (!_toolCalls.TryGetValue(index, out var open))
        {
            await CloseOpenItemAsync("completed", ct);
            var position = response.Output.Count;
            var item = ResponseOutputItem.FunctionCall(ResponsesTranslation.ItemId("fc", idSuffix, position), "in_progress",
                call.Id ?? ResponsesTranslation.ItemId("call", idSuffix, position), call.Function?.Name ?? "", "");
            _toolCalls[index] = open = _open = await AddItemAsync(item, ItemKind.FunctionCall, ct);
        }
        if (call.Function?.Arguments is not { Length: > 0 } arguments) return;
        open.Text.Append(arguments);
        // A call whose item already closed (calls interleaved by the upstream) still counts in the final arguments.
        if (open != _open) return;
        await EmitAsync(new ResponseStreamEvent { Type = "response.function_call_arguments.delta", ItemId = open.Item.Id, OutputIndex = open.Index, Delta = arguments }, ct);
    }

    private async Task<OpenItem> AddItemAsync(ResponseOutputItem item, ItemKind kind, CancellationToken ct)
    {
        var open = new OpenItem(item, kind, response.Output.Count);
        response.Output.Add(item);
        await EmitAsync(new ResponseStreamEvent { Type = "response.output_item.added", OutputIndex = open.Index, Item = item }, ct);
        return open;
    }

    private async Task CloseOpenItemAsync(string status, CancellationToken ct)
    {
        if (_open is not { } open) return;
        _open = null;
        var item = open.Item;
        var text = open.Text.ToString();
        item.Status = status;
        if (open.Kind == ItemKind.Text)
        {
            var part = ResponseContentPart.OutputText(text);
            item.Content = [part];
            await EmitAsync(new ResponseStreamEvent { Type = "response.output_text.done", ItemId = item.Id, OutputIndex = open.Index, ContentIndex = 0, Text = text, Logprobs = [] }, ct);
            await EmitAsync(new ResponseStreamEvent { Type = "response.content_part.done", ItemId = item.Id, OutputIndex = open.Index, ContentIndex = 0, Part = part }, ct);
        }
        else if (open.Kind == ItemKind.Refusal)
        {
            var part = ResponseContentPart.RefusalText(text);
            item.Content = [part];
            await EmitAsync(new ResponseStreamEvent { Type = "response.refusal.done", ItemId = item.Id, OutputIndex = open.Index, ContentIndex = 0, Refusal = text }, ct);
            await EmitAsync(new ResponseStreamEvent { Type = "response.content_part.done", ItemId = item.Id, OutputIndex = open.Index, ContentIndex = 0, Part = part }, ct);
        }
        else
        {
            item.Arguments = text;
            await EmitAsync(new ResponseStreamEvent
            {
                Type = "response.function_call_arguments.done", ItemId = item.Id, OutputIndex = open.Index, Name = item.Name, Arguments = text,
            }, ct);
        }
        await EmitAsync(new ResponseStreamEvent { Type = "response.output_item.done", OutputIndex = open.Index, Item = item }, ct);
    }

    private Task EmitAsync(ResponseStreamEvent streamEvent, CancellationToken ct)
    {
        streamEvent.SequenceNumber = _sequence++;
        return events.WriteAsync(streamEvent, ct);
    }

    private enum ItemKind
    {
        Text,
        Refusal,
        FunctionCall,
    }

    private sealed class OpenItem(ResponseOutputItem item, ItemKind kind, int index)
    {
        public ResponseOutputItem Item { get; } = item;
        public ItemKind Kind { get; } = kind;
        public int Index { get; } = index;

        /// <summary>The text, refusal or arguments streamed so far.</summary>
        public StringBuilder Text { get; } = new();
    }
}
