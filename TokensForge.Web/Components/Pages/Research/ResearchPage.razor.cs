using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using TokensForge.Core.Gateway;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;
using TokensForge.Core.Research;
using TokensForge.Core.Upstreams;
using TokensForge.Web.Components.Pages.Playground;
using TokensForge.Web.Extensions;

namespace TokensForge.Web.Components.Pages.Research;

/// <summary>
/// The free research assistant: a chat with its own system prompt and starter templates, paid from <c>sys:research</c>
/// within the user's daily allowance through the same gateway pipeline as everything else.
/// </summary>
public partial class ResearchPage
{
    [Inject] private ResearchAssistant Assistant { get; set; } = null!;
    [Inject] private ClientAddress Client { get; set; } = null!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    private string _userId = "";
    private ResearchAllowanceStatus? _allowance;
    private HoldPreview? _preview;
    private readonly ChatConversation _conversation = new();
    private bool _exhausted;

    private static readonly ChatLabels Labels = new()
    {
        You = "you",
        Assistant = "research assistant",
        Waiting = "(thinking…)",
        Writing = "(writing…)",
        Empty = "Paste material and ask, or start from a template on the left.",
        Input = "Your question or material",
        InputLines = 4,
        InputMaxLines = 16,
        Send = "Ask",
        CopyTitle = "Copy answer",
        CopyOwnMessages = false,
        NoticeTestId = "research-status",
    };

    private bool Ready => _allowance is { Exhausted: false } && _preview is not { CanPay: false };

    protected override async Task OnInitializedAsync()
    {
        _userId = (await AuthState).User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        await RefreshAllowanceAsync();
    }

    private async Task RefreshAllowanceAsync()
    {
        _allowance = await Assistant.AllowanceAsync(_userId);
        _exhausted = _allowance.Exhausted;
        await RefreshPreviewAsync();
    }

    private async Task RefreshPreviewAsync() => _preview = _allowance is null ? null : await Assistant.PreviewAsync(_conversation.Pending, _allowance);

    private async Task UseTemplateAsync(ResearchTemplate template)
    {
        if (_conversation.Streaming) return;
        _conversation.Input = template.Prompt;
        await RefreshPreviewAsync();
    }

    private ChatCompletionRequest Request(IReadOnlyList<ChatTurn> turns) => Assistant.Draft(turns).ToRequest();

    private GatewayCaller Caller(string requestId) => Assistant.Caller(_userId, requestId, Client.Ip);

    private static ChatNotice? Explain(ChatOutcome outcome) => outcome switch
    {
        { StoppedBeforeSend: true } => ChatNotice.Info("Stopped before the question was sent: nothing was used from your allowance."),
        // The allowance alert above the conversation says it, with when it resets.
        { Error.Code: ReceiptReasons.ResearchAllowanceExhausted } => null,
        { Error.Code: ReceiptReasons.ClientCancelled } =>
            ChatNotice.Info("Stopped. The part of the answer delivered so far was paid from your free allowance, as its receipt shows."),
        _ => ChatNotice.Of(outcome),
    };

    private async Task AnsweredAsync(ChatOutcome outcome)
    {
        await RefreshAllowanceAsync();
        if (outcome.Error is { Code: ReceiptReasons.ResearchAllowanceExhausted }) _exhausted = true;
    }
}
