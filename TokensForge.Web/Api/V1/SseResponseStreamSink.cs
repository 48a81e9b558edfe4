using System.Text.Json;
using TokensForge.Core.Upstreams;
using TokensForge.Core.Gateway.Responses;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// Writes a streamed response to the HTTP response as typed server-sent events (<c>event: response.output_text.delta</c>
/// then its <c>data:</c>), flushing each at once. A write the caller can no longer receive becomes <see cref="ClientGoneException"/>.
/// </summary>
public sealed class SseResponseStreamSink(HttpContext context) : IResponseEventSink
{
    public bool Started { get; private set; }

    public Task StartAsync(Guid receiptId, CancellationToken ct)
    {
        Started = true;
        return ServerSentEvents.StartAsync(context, receiptId, ct);
    }

    // Serialised before anything is awaited: the writer goes on changing the response object the event points at.
    public Task WriteAsync(ResponseStreamEvent streamEvent, CancellationToken ct) =>
        ServerSentEvents.WriteAsync(context, streamEvent.Type, JsonSerializer.SerializeToUtf8Bytes(streamEvent, ResponsesJsonContext.Default.ResponseStreamEvent), ct);

    public Task WriteRawAsync(string type, byte[] json, CancellationToken ct) => ServerSentEvents.WriteAsync(context, type, json, ct);

}
