using System.Text.Json;
using TokensForge.Core.Gateway;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// Writes a streaming chat completion to the HTTP response as server-sent events, flushing each chunk at once
/// (response buffering off). A write the caller can no longer receive becomes <see cref="ClientGoneException"/>.
/// </summary>
public sealed class SseChatStreamSink(HttpContext context) : IChatStreamSink
{
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public bool Started { get; private set; }

    public Task StartAsync(Guid receiptId, CancellationToken ct)
    {
        Started = true;
        return ServerSentEvents.StartAsync(context, receiptId, ct);
    }

    public Task WriteAsync(ChatCompletionChunk chunk, CancellationToken ct) =>
        WriteEventAsync(JsonSerializer.SerializeToUtf8Bytes(chunk, RelayJson.ChatChunk), ct);

    public Task CompleteAsync(CancellationToken ct) => ServerSentEvents.WriteRawAsync(context, Done, ct);

    public Task FailAsync(GatewayError error, CancellationToken ct) =>
        WriteEventAsync(JsonSerializer.SerializeToUtf8Bytes(new ErrorBody(new ErrorDetail(error.Message, OpenAiErrors.TypeOf(error.Kind), error.Param, error.Code)),
            RelayJson.Error), ct);

    private Task WriteEventAsync(byte[] json, CancellationToken ct) => ServerSentEvents.WriteAsync(context, eventName: null, json, ct);

    /// <summary>A stored stream written again, chunk by chunk, then <c>[DONE]</c>.</summary>
    public async Task ReplayAsync(Guid receiptId, IEnumerable<string> chunks, CancellationToken ct)
    {
        await StartAsync(receiptId, ct);
        foreach (var chunk in chunks) await WriteEventAsync(System.Text.Encoding.UTF8.GetBytes(chunk), ct);
        await CompleteAsync(ct);
    }

}
