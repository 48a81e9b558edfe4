using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Responses;
using TokensForge.Core.Upstreams;

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
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.Headers[V1Endpoints.ReceiptHeader] = receiptId.ToString();
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        Started = true;
        return GuardAsync(() => response.StartAsync(ct));
    }

    public Task WriteAsync(ResponseStreamEvent streamEvent, CancellationToken ct)
    {
        // Serialised now: the writer goes on changing the response object the event points at.
        var frame = Encoding.UTF8.GetBytes($"event: {streamEvent.Type}\ndata: {JsonSerializer.Serialize(streamEvent, ResponsesJsonContext.Default.ResponseStreamEvent)}\n\n");
        return GuardAsync(async () =>
        {
            await context.Response.Body.WriteAsync(frame, ct);
            await context.Response.Body.FlushAsync(ct);
        });
    }

    private static async Task GuardAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            throw new ClientGoneException("The caller stopped receiving the stream.", ex);
        }
    }
}
