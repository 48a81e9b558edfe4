using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using MudBlazor;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Web.Extensions;

namespace TokensForge.Web.Components.Pages.Playground;

/// <summary>
/// Try a model in the browser: the request goes through the gateway pipeline in-process (the one billing path, marked
/// playground on its receipt), the answer streams in as it arrives, and every request ends with a receipt card.
/// </summary>
public partial class PlaygroundPage : IDisposable
{
    [Inject] private GatewayPipeline Pipeline { get; set; } = null!;
    [Inject] private ModelAccess Models { get; set; } = null!;
    [Inject] private HoldPreviewer Previewer { get; set; } = null!;
    [Inject] private WalletCapacityQuery Capacity { get; set; } = null!;
    [Inject] private ReceiptQueries Receipts { get; set; } = null!;
    [Inject] private ApiKeyService Keys { get; set; } = null!;
    [Inject] private TokensForge.Core.PriceGroups.PriceGroupService PriceGroups { get; set; } = null!;
    [Inject] private ClientAddress Client { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;
    [Inject] private IOptions<GatewayOptions> GatewayOptions { get; set; } = null!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    /// <summary>The output limit the page starts with; empty means the gateway's default.</summary>
    public const int DefaultMaxTokens = 512;

    private string _userId = "";
    private IReadOnlyList<CatalogModel>? _models;
    private string? _modelId;
    private RoutePreference _preference = RoutePreference.Auto;
    private string _systemPrompt = "You are a helpful assistant. Answer in Markdown.";
    private double? _temperature = 0.7;
    private int? _maxTokens = DefaultMaxTokens;
    private string _input = "";
    private readonly List<ChatTurn> _turns = [];
    private WalletCapacity _wallet = WalletCapacity.Empty;
    private TokensForge.Core.PriceGroups.PriceTier? _tier;
    private string? _keyPrefix;
    private bool _showCode;

    private ComponentChatSink? _sink;
    private CancellationTokenSource? _cancel;
    private bool _streaming;
    private bool _stopping;
    private string? _notice;
    private Severity _noticeSeverity = Severity.Info;
    private bool _refused;
    private string? _loadError;
    private readonly List<ReceiptDetail> _receipts = [];

    private CatalogModel? Model => _models?.FirstOrDefault(m => m.Id == _modelId);

    /// <summary>The conversation as it would be sent now: the turns so far plus what is typed.</summary>
    private ChatDraft Draft => new(_modelId ?? "", _systemPrompt, string.IsNullOrWhiteSpace(_input) ? _turns : [.. _turns, new ChatTurn(ChatTurn.User, _input)],
        _temperature, _maxTokens);

    private HoldPreview? Preview => Model is { } model ? Previewer.Preview(model, _preference, Draft.ToRequest(), _wallet, _tier) : null;

    private long SessionTotal => _receipts.Sum(r => r.Cost);

    protected override async Task OnInitializedAsync()
    {
        _userId = (await AuthState).User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        try
        {
            _models = (await Models.ListAsync(null)).Where(m => m.Kind == ModelKind.Chat).ToList();
            _modelId = _models.FirstOrDefault(m => m.Id == "gpt-4o-mini")?.Id ?? _models.FirstOrDefault()?.Id;
            _keyPrefix = (await Keys.ListAsync(_userId)).FirstOrDefault(k => k.Status == ApiKeyStatus.Active)?.Prefix;
            _tier = await PriceGroups.TierOfAsync(_userId);
            await RefreshWalletAsync();
        }
        catch (Exception)
        {
            _models ??= [];
            _loadError = "The model list or your wallet could not be loaded just now. Reload the page to try again.";
        }
    }

    private async Task RefreshWalletAsync() => _wallet = await Capacity.GetAsync(_userId);

    private bool CanSend => !_streaming && Model is not null && !string.IsNullOrWhiteSpace(_input) && Preview is { CanPay: true };

    private async Task SendAsync()
    {
        if (!CanSend) return;
        var text = _input.Trim();
        _turns.Add(new ChatTurn(ChatTurn.User, text));
        _input = "";
        var draft = Draft;
        _notice = null;
        _refused = false;
        _cancel = new CancellationTokenSource();
        _sink = new ComponentChatSink(() => InvokeAsync(StateHasChanged), Time);
        _streaming = true;
        _stopping = false;
        var caller = GatewayCaller.Playground(_userId, _preference, "req_" + Guid.CreateVersion7().ToString("N")) with { ClientIp = Client.Ip };
        var sink = _sink;
        var token = _cancel.Token;

        GatewayResult? result = null;
        try
        {
            // Off the renderer's context: the pipeline streams on its own and pushes renders through the sink.
            result = await Task.Run(() => Pipeline.ChatAsync(caller, draft.ToRequest(), sink, token));
        }
        catch (OperationCanceledException)
        {
            Notify("Stopped before the request reached a route: no receipt, nothing was charged.", Severity.Info);
        }
        finally
        {
            _streaming = false;
        }

        var delivered = sink.Text;
        if (delivered.Length > 0) _turns.Add(new ChatTurn(ChatTurn.Assistant, delivered));
        else
        {
            // Nothing came back: give the message back to the input so it can be sent again.
            _turns.RemoveAt(_turns.Count - 1);
            _input = text;
        }

        if (result is not null) await ShowResultAsync(result, sink);
        _sink = null;
        _cancel.Dispose();
        _cancel = null;
        await RefreshWalletAsync();
    }

    private async Task ShowResultAsync(GatewayResult result, ComponentChatSink sink)
    {
        if (result.ReceiptId is { } id && await Receipts.GetAsync(id, _userId) is { } receipt) _receipts.Insert(0, receipt);
        switch (result.Error)
        {
            case null:
                break;
            case { Kind: GatewayErrorKind.InsufficientBalance } refused:
                _refused = true;
                Notify(refused.Message, Severity.Warning);
                break;
            case { Code: ReceiptReasons.ClientCancelled }:
                Notify("Stopped. As documented, a cancelled request is charged for the prompt and the output delivered so far; the receipt shows it.", Severity.Info);
                break;
            case var error:
                Notify(sink.Error?.Message ?? error.Message, Severity.Error);
                break;
        }
    }

    private void Notify(string message, Severity severity) => (_notice, _noticeSeverity) = (message, severity);

    private void Stop()
    {
        _stopping = true;
        _cancel?.Cancel();
    }

    private void Clear()
    {
        if (_streaming) return;
        _turns.Clear();
        _notice = null;
        _refused = false;
    }

    private void ClearReceipts() => _receipts.Clear();

    public void Dispose()
    {
        // Leaving the page stops a running answer; its receipt is still written (cancelled by the caller).
        _cancel?.Cancel();
    }
}
