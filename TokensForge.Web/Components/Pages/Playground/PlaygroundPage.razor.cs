using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;
using TokensForge.Web.Extensions;

namespace TokensForge.Web.Components.Pages.Playground;

/// <summary>
/// Try a model in the browser: the request goes through the gateway pipeline in-process (the one billing path, marked
/// playground on its receipt), the answer streams in as it arrives, and every request ends with a receipt card.
/// </summary>
public partial class PlaygroundPage
{
    [Inject] private ModelAccess Models { get; set; } = null!;
    [Inject] private HoldPreviewer Previewer { get; set; } = null!;
    [Inject] private WalletCapacityQuery Capacity { get; set; } = null!;
    [Inject] private ApiKeyService Keys { get; set; } = null!;
    [Inject] private TokensForge.Core.PriceGroups.PriceGroupService PriceGroups { get; set; } = null!;
    [Inject] private ClientAddress Client { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
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
    private readonly ChatConversation _conversation = new();
    private WalletCapacity _wallet = WalletCapacity.Empty;
    private TokensForge.Core.PriceGroups.PriceTier? _tier;
    private string? _keyPrefix;
    private bool _showCode;

    private readonly List<ReceiptDetail> _receipts = [];

    private CatalogModel? Model => _models?.FirstOrDefault(m => m.Id == _modelId);

    /// <summary>The conversation as it would be sent now: the turns so far plus what is typed.</summary>
    private ChatDraft Draft => DraftOf(_conversation.Pending);

    private ChatDraft DraftOf(IReadOnlyList<ChatTurn> turns) => new(_modelId ?? "", _systemPrompt, turns, _temperature, _maxTokens);

    private HoldPreview? Preview => Model is { } model ? Previewer.Preview(model, _preference, Draft.ToRequest(), _wallet, _tier) : null;

    private long SessionTotal => _receipts.Sum(r => r.Cost);

    protected override async Task OnInitializedAsync()
    {
        _userId = (await AuthState).User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        _models = (await Models.ListAsync(null)).Where(m => m.Kind == ModelKind.Chat).ToList();
        _modelId = _models.FirstOrDefault(m => m.Id == "gpt-4o-mini")?.Id ?? _models.FirstOrDefault()?.Id;
        _keyPrefix = (await Keys.ListAsync(_userId)).FirstOrDefault(k => k.Status == ApiKeyStatus.Active)?.Prefix;
        _tier = await PriceGroups.TierOfAsync(_userId);
        await RefreshWalletAsync();
    }

    private async Task RefreshWalletAsync() => _wallet = await Capacity.GetAsync(_userId);

    private static readonly ChatLabels Labels = ChatLabels.Default with { NoticeTestId = "playground-notice" };

    private bool Ready => Model is not null && Preview is { CanPay: true };

    private ChatCompletionRequest Request(IReadOnlyList<ChatTurn> turns) => DraftOf(turns).ToRequest();

    private GatewayCaller Caller(string requestId) => GatewayCaller.Playground(_userId, _preference, requestId) with { ClientIp = Client.Ip };

    private static ChatNotice? Explain(ChatOutcome outcome) => outcome switch
    {
        { StoppedBeforeSend: true } => ChatNotice.Info("Stopped before the request reached a route: no receipt, nothing was charged."),
        { Error.Code: ReceiptReasons.ClientCancelled } =>
            ChatNotice.Info("Stopped. As documented, a cancelled request is charged for the prompt and the output delivered so far; the receipt shows it."),
        _ => ChatNotice.Of(outcome),
    };

    private async Task AnsweredAsync(ChatOutcome outcome)
    {
        if (outcome.Receipt is { } receipt) _receipts.Insert(0, receipt);
        await RefreshWalletAsync();
    }

    private void ClearReceipts() => _receipts.Clear();
}
