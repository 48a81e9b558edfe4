using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using TokensForge.Core.Gateway;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// Writes a streaming chat completion to the HTTP response as server-sent events, flushing each chunk at once
/// (response buffering off). A write the caller can no longer receive becomes <see cref="ClientGoneException"/>.
/// </summary>
public sealed class SseChatStreamSink(HttpContext context) : IChatStreamSink
{
    private static readonly byte[] Data = "data: "u8.ToArray();
    private static readonly byte[] End = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

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

    public Task WriteAsync(ChatCompletionChunk chunk, CancellationToken ct) =>
        WriteEventAsync(JsonSerializer.SerializeToUtf8Bytes(chunk, RelayJson.ChatChunk), ct);

    public Task CompleteAsync(CancellationToken ct) => GuardAsync(async () =>
    {
        await context.Response.Body.WriteAsync(Done, ct);
        await context.Response.Body.FlushAsync(ct);
    });

    public Task FailAsync(GatewayError error, CancellationToken ct) =>
        WriteEventAsync(JsonSerializer.SerializeToUtf8Bytes(new ErrorBody(new ErrorDetail(error.Message, OpenAiErrors.TypeOf(error.Kind), error.Param, error.Code)),
            RelayJson.Error), ct);

    private Task WriteEventAsync(byte[] json, CancellationToken ct) => GuardAsync(async () =>
    {
        var body = context.Response.Body;
        await body.WriteAsync(Data, ct);
        await body.WriteAsync(json, ct);
        await body.WriteAsync(End, ct);
        await body.FlushAsync(ct);
    });

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
