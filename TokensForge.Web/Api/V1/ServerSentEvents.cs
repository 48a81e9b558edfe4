using System.Text;
using Microsoft.AspNetCore.Http.Features;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// The server-sent-events response every streaming front door writes: the headers that keep proxies from buffering it,
/// the receipt id up front, and frames flushed one by one. A write the caller can no longer receive becomes
/// <see cref="ClientGoneException"/>, so the pipeline charges only what was delivered.
/// </summary>
internal static class ServerSentEvents
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] FrameEnd = "\n\n"u8.ToArray();

    public static Task StartAsync(HttpContext context, Guid receiptId, CancellationToken ct)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.Headers[V1Endpoints.ReceiptHeader] = receiptId.ToString();
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return GuardAsync(() => response.StartAsync(ct));
    }

    /// <summary>One frame: an optional <c>event:</c> line, then <c>data:</c> with <paramref name="json"/>.</summary>
    public static Task WriteAsync(HttpContext context, string? eventName, byte[] json, CancellationToken ct) => GuardAsync(async () =>
    {
        var body = context.Response.Body;
        if (eventName is not null) await body.WriteAsync(Encoding.UTF8.GetBytes($"event: {eventName}\n"), ct);
        await body.WriteAsync(DataPrefix, ct);
        await body.WriteAsync(json, ct);
        await body.WriteAsync(FrameEnd, ct);
        await body.FlushAsync(ct);
    });

    /// <summary>
    /// A stored stream of typed events (<see cref="Core.Gateway.EventTranscript"/>) written again, event for event: a retried
    /// <c>/v1/responses</c> or <c>/v1/messages</c> stream, marked as a replay and charged nothing.
    /// </summary>
    public static async Task ReplayAsync(HttpContext context, Guid receiptId, long cost, string transcript, CancellationToken ct)
    {
        context.Response.Headers[V1Endpoints.ReplayHeader] = "true";
        context.Response.Headers[V1Endpoints.CostHeader] = cost.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await StartAsync(context, receiptId, ct);
        foreach (var (eventName, data) in Core.Gateway.EventTranscript.Events(transcript)) await WriteAsync(context, eventName, Encoding.UTF8.GetBytes(data), ct);
    }

    /// <summary>Bytes written as they are (a closing marker such as <c>data: [DONE]</c>).</summary>
    public static Task WriteRawAsync(HttpContext context, byte[] frame, CancellationToken ct) => GuardAsync(async () =>
    {
        await context.Response.Body.WriteAsync(frame, ct);
        await context.Response.Body.FlushAsync(ct);
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
