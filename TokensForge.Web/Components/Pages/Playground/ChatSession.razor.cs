using Microsoft.AspNetCore.Components;
using TokensForge.Core.Gateway;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Components.Pages.Playground;

/// <summary>
/// One chat conversation through the gateway pipeline in-process (the one billing path): the message is sent with the page's
/// caller and request, the answer streams into the view as it arrives, and it keeps the receipt of the request that produced it.
/// The playground and the research assistant differ only in what they pass in.
/// </summary>
public partial class ChatSession : IDisposable
{
    [Inject] private GatewayPipeline Pipeline { get; set; } = null!;
    [Inject] private ReceiptQueries Receipts { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;

    [Parameter, EditorRequired] public ChatConversation Conversation { get; set; } = null!;

    /// <summary>Whose receipts the answers get.</summary>
    [Parameter, EditorRequired] public string UserId { get; set; } = "";

    /// <summary>The gateway caller for a new request id: who pays and how the route is chosen.</summary>
    [Parameter, EditorRequired] public Func<string, GatewayCaller> Caller { get; set; } = null!;

    /// <summary>The request for the turns to send: model, system prompt and sampling are the page's.</summary>
    [Parameter, EditorRequired] public Func<IReadOnlyList<ChatTurn>, ChatCompletionRequest> Request { get; set; } = null!;

    /// <summary>Whether the page lets a typed message go (a model is chosen and the worst case can be paid).</summary>
    [Parameter] public bool Ready { get; set; } = true;

    [Parameter] public ChatLabels Labels { get; set; } = ChatLabels.Default;

    /// <summary>The page's words for how a message ended; <see cref="ChatNotice.Of"/> reads what it does not know itself.</summary>
    [Parameter] public Func<ChatOutcome, ChatNotice?> Explain { get; set; } = ChatNotice.Of;

    /// <summary>The input changed, a message went out or the conversation was cleared: what the page prices may have changed.</summary>
    [Parameter] public EventCallback Changed { get; set; }

    /// <summary>A message ended, answered or not; the page refreshes what it spent.</summary>
    [Parameter] public EventCallback<ChatOutcome> Answered { get; set; }

    /// <summary>Shown under every answer with its receipt (null while it streams, or when none was found).</summary>
    [Parameter] public RenderFragment<ReceiptDetail?>? AnswerFooter { get; set; }

    /// <summary>Ways out offered with a notice that asks for them (a refused request: top up, redeem).</summary>
    [Parameter] public RenderFragment? NoticeActions { get; set; }

    /// <summary>The page's own controls at the end of the send row.</summary>
    [Parameter] public RenderFragment? Tools { get; set; }

    private ComponentChatSink? _sink;
    private CancellationTokenSource? _cancel;
    private bool _stopping;
    private ChatNotice? _notice;

    private bool CanSend => !Conversation.Streaming && Ready && !string.IsNullOrWhiteSpace(Conversation.Input);

    private async Task InputAsync(string value)
    {
        Conversation.Input = value;
        await Changed.InvokeAsync();
    }

    private async Task SendAsync()
    {
        if (!CanSend) return;
        var text = Conversation.Input.Trim();
        Conversation.Ask(text);
        var request = Request(Conversation.Turns);
        var caller = Caller("req_" + Guid.CreateVersion7().ToString("N"));
        _notice = null;
        _stopping = false;
        var cancel = _cancel = new CancellationTokenSource();
        var sink = _sink = new ComponentChatSink(() => InvokeAsync(StateHasChanged), Time);
        Conversation.Streaming = true;
        await Changed.InvokeAsync();

        GatewayResult? result = null;
        try
        {
            // Off the renderer's context: the pipeline streams on its own and pushes renders through the sink.
            result = await Task.Run(() => Pipeline.ChatAsync(caller, request, sink, cancel.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped before the request reached a route: no receipt, nothing was charged.
        }
        finally
        {
            Conversation.Streaming = false;
        }

        var receipt = result?.ReceiptId is { } id ? await Receipts.GetAsync(id, UserId) : null;
        if (sink.Text.Length > 0) Conversation.Answer(sink.Text, receipt);
        else Conversation.GiveBack(text);
        var outcome = new ChatOutcome(result, receipt, sink.Error);
        _notice = Explain(outcome);
        _sink = null;
        _cancel = null;
        cancel.Dispose();
        await Answered.InvokeAsync(outcome);
    }

    private void Stop()
    {
        _stopping = true;
        _cancel?.Cancel();
    }

    private async Task ClearAsync()
    {
        if (Conversation.Streaming) return;
        Conversation.Clear();
        _notice = null;
        await Changed.InvokeAsync();
    }

    public void Dispose()
    {
        // Leaving the page stops a running answer; its receipt is still written (cancelled by the caller).
        _cancel?.Cancel();
    }
}
