using MudBlazor;
using TokensForge.Core.Gateway;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;

namespace TokensForge.Web.Components.Pages.Playground;

/// <summary>
/// A chat page's conversation: the turns so far, what is being typed, and the receipt of each answer. The page reads it to
/// price what would be sent; <see cref="ChatSession"/> changes it.
/// </summary>
public sealed class ChatConversation
{
    private readonly List<ChatTurn> _turns = [];
    private readonly Dictionary<int, ReceiptDetail> _receipts = [];

    public IReadOnlyList<ChatTurn> Turns => _turns;

    public string Input { get; set; } = "";

    /// <summary>An answer is on its way; the page keeps what would change the request (templates, settings) still.</summary>
    public bool Streaming { get; internal set; }

    /// <summary>The conversation as it would be sent now: the turns so far plus what is typed.</summary>
    public IReadOnlyList<ChatTurn> Pending => string.IsNullOrWhiteSpace(Input) ? _turns : [.. _turns, new ChatTurn(ChatTurn.User, Input)];

    /// <summary>The receipt of the request that produced the answer at <paramref name="turn"/>, when it was found.</summary>
    public ReceiptDetail? ReceiptOf(int turn) => _receipts.GetValueOrDefault(turn);

    internal void Ask(string text)
    {
        _turns.Add(new ChatTurn(ChatTurn.User, text));
        Input = "";
    }

    internal void Answer(string text, ReceiptDetail? receipt)
    {
        _turns.Add(new ChatTurn(ChatTurn.Assistant, text));
        if (receipt is not null) _receipts[_turns.Count - 1] = receipt;
    }

    /// <summary>Nothing came back: the question goes back to the input so it can be sent again.</summary>
    internal void GiveBack(string text)
    {
        _turns.RemoveAt(_turns.Count - 1);
        Input = text;
    }

    internal void Clear()
    {
        _turns.Clear();
        _receipts.Clear();
    }
}

/// <summary>
/// How one message ended: the gateway's result (null when it was stopped before it was sent), the receipt the answer got,
/// and why the stream broke after it started.
/// </summary>
public sealed record ChatOutcome(GatewayResult? Result, ReceiptDetail? Receipt, GatewayError? StreamError)
{
    public bool StoppedBeforeSend => Result is null;

    public GatewayError? Error => Result?.Error;
}

/// <summary>What the conversation says under the answer about how it ended; <see cref="ShowActions"/> offers the page's ways out (top up, redeem).</summary>
public sealed record ChatNotice(string Message, Severity Severity, bool ShowActions = false)
{
    public static ChatNotice Info(string message) => new(message, Severity.Info);

    /// <summary>The reading of an outcome a page has no words of its own for: nothing when it succeeded, the error as a sentence otherwise.</summary>
    public static ChatNotice? Of(ChatOutcome outcome) => outcome switch
    {
        { StoppedBeforeSend: true } => Info("Stopped before the request was sent: nothing was charged."),
        { Error: null } => null,
        { Error.Code: ReceiptReasons.ClientCancelled } => Info("Stopped. The answer delivered so far was charged, as its receipt shows."),
        { Error: { Kind: GatewayErrorKind.InsufficientBalance } refused } => new ChatNotice(refused.Message, Severity.Warning, ShowActions: true),
        { Error: { } error } => new ChatNotice((outcome.StreamError ?? error).Message, Severity.Error),
    };
}

/// <summary>The words of a chat page's conversation; the defaults are the playground's.</summary>
public sealed record ChatLabels
{
    public static readonly ChatLabels Default = new();

    public string You { get; init; } = "user";
    public string Assistant { get; init; } = "assistant";
    public string Waiting { get; init; } = "(waiting for the first token…)";
    public string Writing { get; init; } = "(streaming…)";
    public string Empty { get; init; } = "No messages yet. Type below and send.";
    public string Input { get; init; } = "Message";
    public int InputLines { get; init; } = 3;
    public int InputMaxLines { get; init; } = 12;
    public string Send { get; init; } = "Send";
    public string CopyTitle { get; init; } = "Copy message";

    /// <summary>Whether the user's own messages get a copy button too (a pasted source needs none).</summary>
    public bool CopyOwnMessages { get; init; } = true;

    public string NoticeTestId { get; init; } = "chat-notice";
}
