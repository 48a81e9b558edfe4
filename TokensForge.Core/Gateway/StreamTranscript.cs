using System.Text;
using System.Text.Json;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// A streamed chat completion's chunks as the caller received them, kept when the request carries an
/// <c>Idempotency-Key</c>: the receipt stores them (a JSON array) so a retry of the same stream — which SDKs send after
/// a dropped connection — is replayed as the same stream instead of being refused.
/// </summary>
public sealed class StreamTranscript(IChatStreamSink inner) : IChatStreamSink
{
    private readonly StringBuilder _chunks = new("[");
    private int _count;

    public Task StartAsync(Guid receiptId, CancellationToken ct) => inner.StartAsync(receiptId, ct);

    public async Task WriteAsync(ChatCompletionChunk chunk, CancellationToken ct)
    {
        await inner.WriteAsync(chunk, ct);
        // Recorded once delivered: a chunk the caller never got is not part of what a replay repeats.
        if (_count++ > 0) _chunks.Append(',');
        _chunks.Append(JsonSerializer.Serialize(chunk, RelayJson.ChatChunk));
    }

    public Task CompleteAsync(CancellationToken ct) => inner.CompleteAsync(ct);

    public Task FailAsync(GatewayError error, CancellationToken ct) => inner.FailAsync(error, ct);

    /// <summary>The chunks so far, as one JSON array.</summary>
    public string ToJson() => _chunks.ToString() + "]";

    /// <summary>The chunks of a stored transcript, each as the JSON it was sent as.</summary>
    public static IEnumerable<string> Chunks(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(e => e.GetRawText()).ToList();
    }
}
