using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Messages;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// Writes a streaming Messages answer as Anthropic's server-sent events (<c>event:</c> and <c>data:</c> lines), flushing each
/// at once. A write the caller can no longer receive becomes <see cref="ClientGoneException"/>.
/// </summary>
public sealed class AnthropicSseSink(HttpContext context) : IMessagesStreamSink
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

    public Task WriteAsync(string eventName, byte[] json, CancellationToken ct) => GuardAsync(async () =>
    {
        var body = context.Response.Body;
        await body.WriteAsync(Encoding.UTF8.GetBytes($"event: {eventName}\ndata: "), ct);
        await body.WriteAsync(json, ct);
        await body.WriteAsync("\n\n"u8.ToArray(), ct);
        await body.FlushAsync(ct);
    });

    public Task FailAsync(GatewayError error, CancellationToken ct) =>
        WriteAsync("error", JsonSerializer.SerializeToUtf8Bytes(AnthropicErrors.Body(error), MessagesJsonContext.Default.MessagesErrorBody), ct);

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
