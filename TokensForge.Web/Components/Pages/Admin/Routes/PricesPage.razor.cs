using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using TokensForge.Core.Routing;
using TokensForge.Web.Extensions;
using TokensForge.Web.Formatting;

namespace TokensForge.Web.Components.Pages.Admin.Routes;

/// <summary>
/// Prices per route and model: each save adds a snapshot in force from now or a chosen time, never an edit; the history of
/// every snapshot, or of one pair, below.
/// </summary>
public partial class PricesPage
{
    [Inject] private RouteAdminQueries Queries { get; set; } = null!;
    [Inject] private RouteAdministration Administration { get; set; } = null!;
    [Inject] private ClientAddress Client { get; set; } = null!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    private IReadOnlyList<PricedModel>? _rows;
    private IReadOnlyList<PriceView>? _history;
    private PricedModel? _historyOf;

    /// <summary>The new prices being typed for one pair; null when none is being priced.</summary>
    private PriceForm? _form;

    private string? _error, _errorCode, _saved;
    private bool _busy;

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _rows = await Queries.PricedModelsAsync();
        _history = await Queries.PriceHistoryAsync(_historyOf?.RouteId, _historyOf?.ModelId);
    }

    private void Edit(PricedModel row)
    {
        _form = PriceForm.Of(row);
        _error = _saved = null;
    }

    private void CancelEdit() => _form = null;

    private async Task ShowHistoryAsync(PricedModel? row)
    {
        _historyOf = row;
        _history = await Queries.PriceHistoryAsync(row?.RouteId, row?.ModelId);
    }

    private async Task SaveAsync()
    {
        if (_form is not { } form) return;
        _error = _errorCode = _saved = null;
        if (!form.TryDraft(out var draft))
        {
            (_error, _errorCode) = ($"'{form.EffectiveFrom}' is not a UTC time like 2026-12-01 09:00.", "invalid_time");
            return;
        }
        _busy = true;
        try
        {
            var result = await Administration.SetPricesAsync(draft, await AdminActorSource.ActorAsync(AuthState, Client));
            if (!result.Succeeded)
            {
                (_error, _errorCode) = (result.Error!.Message, result.Error.Code);
                return;
            }
            _saved = $"New prices for {form.Pair.ModelId} on {form.Pair.RouteName}, in force from {Format.Time(result.Value!.EffectiveFrom)} (snapshot {result.Value.Id}).";
            _form = null;
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }
}

/// <summary>New prices for one route and model as typed, in µ per 1M tokens; the time they take effect still text (empty: now).</summary>
public sealed class PriceForm(PricedModel pair)
{
    private static readonly string[] TimeFormats = ["yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"];

    public PricedModel Pair { get; } = pair;
    public long Input { get; set; }
    public long Output { get; set; }
    public long CachedInput { get; set; }

    /// <summary>Empty: the input price.</summary>
    public long? CacheWrite5m { get; set; }

    /// <summary>Empty: the input price.</summary>
    public long? CacheWrite1h { get; set; }

    public string? EffectiveFrom { get; set; }

    /// <summary>The form for a pair, starting from the prices in force (zero when it has none).</summary>
    public static PriceForm Of(PricedModel pair) => new(pair)
    {
        Input = pair.Current?.InputPrice ?? 0,
        Output = pair.Current?.OutputPrice ?? 0,
        CachedInput = pair.Current?.CachedInputPrice ?? 0,
        CacheWrite5m = pair.Current?.CacheWrite5mPrice,
        CacheWrite1h = pair.Current?.CacheWrite1hPrice,
    };

    /// <returns>False when the effective time is not a UTC time in one of the accepted shapes.</returns>
    public bool TryDraft(out PriceDraft draft)
    {
        draft = null!;
        DateTime? effective = null;
        if (!string.IsNullOrWhiteSpace(EffectiveFrom))
        {
            if (!DateTime.TryParseExact(EffectiveFrom.Trim(), TimeFormats, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
                return false;
            effective = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
        }
        draft = new PriceDraft(Pair.RouteId, Pair.ModelId, Input, Output, CachedInput, effective, CacheWrite5m, CacheWrite1h);
        return true;
    }
}
