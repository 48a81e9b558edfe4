using System.Text;
using TokensForge.Core.Gateway;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Components.Pages.Playground;

/// <summary>
/// Receives a streaming completion for a page: the text so far, safe to read from the renderer while the pipeline
/// appends to it, and a render pushed at most once per <c>interval</c> (the page renders the end itself). A page that
/// has gone away makes the next push fail, which ends the request as cancelled by the caller.
/// </summary>
public sealed class ComponentChatSink(Func<Task> render, TimeProvider time, TimeSpan? interval = null) : IChatStreamSink
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(60);

    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();
    private readonly TimeSpan _interval = interval ?? DefaultInterval;
    private long _lastRender;

    /// <summary>Known from the first byte on; the receipt is written under this id when the request ends.</summary>
    public Guid? ReceiptId { get; private set; }

    public bool Started { get; private set; }
    public bool Completed { get; private set; }

    /// <summary>Why the stream broke after it started (the upstream stopped mid-answer).</summary>
    public GatewayError? Error { get; private set; }

    public string Text
    {
        get
        {
            lock (_gate) return _text.ToString();
        }
    }

    public Task StartAsync(Guid receiptId, CancellationToken ct)
    {
        ReceiptId = receiptId;
        Started = true;
        _lastRender = time.GetTimestamp();
        return PushAsync();
    }

    public Task WriteAsync(ChatCompletionChunk chunk, CancellationToken ct)
    {
        var content = chunk.Choices?.FirstOrDefault(c => c.Index == 0)?.Delta?.Content;
        if (string.IsNullOrEmpty(content)) return Task.CompletedTask;
        lock (_gate) _text.Append(content);
        if (time.GetElapsedTime(_lastRender) < _interval) return Task.CompletedTask;
        _lastRender = time.GetTimestamp();
        return PushAsync();
    }

    public Task CompleteAsync(CancellationToken ct)
    {
        Completed = true;
        return Task.CompletedTask;
    }

    public Task FailAsync(GatewayError error, CancellationToken ct)
    {
        Error = error;
        return Task.CompletedTask;
    }

    private async Task PushAsync()
    {
        try
        {
            await render();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or TaskCanceledException)
        {
            throw new ClientGoneException("The page that showed this answer is gone.", ex);
        }
    }
}
