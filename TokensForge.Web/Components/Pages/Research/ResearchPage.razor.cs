using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using TokensForge.Core.Gateway;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;
using TokensForge.Core.Research;
using TokensForge.Web.Components.Pages.Playground;
using TokensForge.Web.Extensions;

namespace TokensForge.Web.Components.Pages.Research;

/// <summary>An answer of the assistant with the receipt of the request that produced it.</summary>
public sealed record ResearchAnswer(string Text, ReceiptDetail? Receipt);

/// <summary>
/// The free research assistant: a chat with its own system prompt and starter templates, paid from <c>sys:research</c>
/// within the user's daily allowance through the same gateway pipeline as everything else.
/// </summary>
public partial class ResearchPage : IDisposable
{
    [Inject] private GatewayPipeline Pipeline { get; set; } = null!;
    [Inject] private ResearchAssistant Assistant { get; set; } = null!;
    [Inject] private ReceiptQueries Receipts { get; set; } = null!;
    [Inject] private ClientAddress Client { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    private string _userId = "";
    private ResearchAllowanceStatus? _allowance;
    private HoldPreview? _preview;
    private string _input = "";
    private readonly List<ChatTurn> _turns = [];

    /// <summary>Answers by their index in <see cref="_turns"/>.</summary>
    private readonly Dictionary<int, ResearchAnswer> _answers = [];

    private ComponentChatSink? _sink;
    private CancellationTokenSource? _cancel;
    private bool _streaming;
    private bool _stopping;
    private string? _notice;
    private Severity _noticeSeverity = Severity.Info;
    private bool _exhausted;
    private string? _loadError;

    private IReadOnlyList<ChatTurn> Pending => string.IsNullOrWhiteSpace(_input) ? _turns : [.. _turns, new ChatTurn(ChatTurn.User, _input)];

    private bool CanSend => !_streaming && !string.IsNullOrWhiteSpace(_input) && _allowance is { Exhausted: false } && _preview is not { CanPay: false };

    protected override async Task OnInitializedAsync()
    {
        _userId = (await AuthState).User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        await RefreshAllowanceAsync();
    }

    private async Task RefreshAllowanceAsync()
    {
        try
        {
            _allowance = await Assistant.AllowanceAsync(_userId);
            _exhausted = _allowance.Exhausted;
            await RefreshPreviewAsync();
        }
        catch (Exception)
        {
            _loadError = "Your research allowance could not be read just now. Reload the page to try again.";
        }
    }

    private async Task RefreshPreviewAsync() => _preview = _allowance is null ? null : await Assistant.PreviewAsync(Pending, _allowance);

    private async Task InputChangedAsync(string value)
    {
        _input = value;
        await RefreshPreviewAsync();
    }

    private async Task UseTemplateAsync(ResearchTemplate template)
    {
        if (_streaming) return;
        await InputChangedAsync(template.Prompt);
    }

    private async Task SendAsync()
    {
        if (!CanSend) return;
        var text = _input.Trim();
        _turns.Add(new ChatTurn(ChatTurn.User, text));
        _input = "";
        var request = Assistant.Draft(_turns).ToRequest();
        _notice = null;
        _cancel = new CancellationTokenSource();
        _sink = new ComponentChatSink(() => InvokeAsync(StateHasChanged), Time);
        _streaming = true;
        _stopping = false;
        var caller = Assistant.Caller(_userId, "req_" + Guid.CreateVersion7().ToString("N"), Client.Ip);
        var sink = _sink;
        var token = _cancel.Token;

        GatewayResult? result = null;
        try
        {
            result = await Task.Run(() => Pipeline.ChatAsync(caller, request, sink, token));
        }
        catch (OperationCanceledException)
        {
            Notify("Stopped before the question was sent: nothing was used from your allowance.", Severity.Info);
        }
        finally
        {
            _streaming = false;
        }

        var receipt = result?.ReceiptId is { } id ? await Receipts.GetAsync(id, _userId) : null;
        if (sink.Text.Length > 0)
        {
            _turns.Add(new ChatTurn(ChatTurn.Assistant, sink.Text));
            _answers[_turns.Count - 1] = new ResearchAnswer(sink.Text, receipt);
        }
        else
        {
            _turns.RemoveAt(_turns.Count - 1);
            _input = text;
        }

        switch (result?.Error)
        {
            case null:
                break;
            case { Code: ReceiptReasons.ResearchAllowanceExhausted }:
                _exhausted = true;
                break;
            case { Code: ReceiptReasons.ClientCancelled }:
                Notify("Stopped. The part of the answer delivered so far was paid from your free allowance, as its receipt shows.", Severity.Info);
                break;
            case var error:
                Notify(sink.Error?.Message ?? error.Message, Severity.Error);
                break;
        }
        _sink = null;
        _cancel.Dispose();
        _cancel = null;
        await RefreshAllowanceAsync();
        if (result?.Error is { Code: ReceiptReasons.ResearchAllowanceExhausted }) _exhausted = true;
    }

    private void Notify(string message, Severity severity) => (_notice, _noticeSeverity) = (message, severity);

    private void Stop()
    {
        _stopping = true;
        _cancel?.Cancel();
    }

    private async Task ClearAsync()
    {
        if (_streaming) return;
        _turns.Clear();
        _answers.Clear();
        _notice = null;
        await RefreshPreviewAsync();
    }

    public void Dispose() => _cancel?.Cancel();
}
