using System.Text.Json;
using TokensForge.Core.Gateway;
using TokensForge.Core.Upstreams;
using TokensForge.Core.Gateway.Messages;

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
        Started = true;
        return ServerSentEvents.StartAsync(context, receiptId, ct);
    }

    public Task WriteAsync(string eventName, byte[] json, CancellationToken ct) => ServerSentEvents.WriteAsync(context, eventName, json, ct);

    public Task FailAsync(GatewayError error, CancellationToken ct) =>
        WriteAsync("error", JsonSerializer.SerializeToUtf8Bytes(AnthropicErrors.Body(error), MessagesJsonContext.Default.MessagesErrorBody), ct);

}
