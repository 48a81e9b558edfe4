using System.Data.Common;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Common;
using TokensForge.Web.Components.Shared;
using TokensForge.Web.Extensions;

namespace TokensForge.Web.Components.Pages.Admin;

/// <summary>
/// Redeem codes across campaigns: search by the start of a code, campaign, status or generated batch; disable, enable or
/// delete one code or the selected ones (a redeemed code is never deleted).
/// </summary>
public partial class CodesPage
{
    [Inject] private CodeQueries Codes { get; set; } = null!;
    [Inject] private CampaignQueries CampaignList { get; set; } = null!;
    [Inject] private CampaignService Campaigns { get; set; } = null!;
    [Inject] private ClientAddress Client { get; set; } = null!;
    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    [SupplyParameterFromQuery(Name = "campaign")] public Guid? CampaignId { get; set; }
    [SupplyParameterFromQuery(Name = "batch")] public Guid? BatchId { get; set; }
    [SupplyParameterFromQuery(Name = "q")] public string? Query { get; set; }

    private enum BulkKind
    {
        Disable,
        Enable,
        Delete,
    }

    private MudDataGrid<CodeRow>? _grid;
    private IReadOnlyList<CampaignOption> _campaigns = [];
    private CodeFilterForm _filter = new();
    private HashSet<CodeRow> _selected = [];
    private bool _loading, _busy, _outcomeIsError;
    private string? _loadError, _outcome;

    protected override async Task OnInitializedAsync()
    {
        _filter = new CodeFilterForm { Search = Query, CampaignId = CampaignId, BatchId = BatchId };
        try
        {
            _campaigns = await CampaignList.ListAsync(CampaignKind.Promo);
        }
        catch (DbException)
        {
            _loadError = "The campaigns could not be loaded. Try again.";
        }
    }

    private async Task<GridData<CodeRow>> LoadAsync(GridState<CodeRow> state, CancellationToken ct)
    {
        _loading = true;
        _loadError = null;
        StateHasChanged();
        try
        {
            var sort = state.SortDefinitions.FirstOrDefault();
            var page = await Codes.SearchAsync(_filter.ToFilter(), new PageRequest(state.Page, state.PageSize, sort?.SortBy, sort?.Descending ?? false), ct);
            return new GridData<CodeRow> { Items = page.Items, TotalItems = page.TotalCount };
        }
        // A database that does not answer is said where the rows would be; the filters stay usable for another try.
        catch (DbException) when (!ct.IsCancellationRequested)
        {
            _loadError = "The codes could not be loaded. Try again.";
            return new GridData<CodeRow> { Items = [], TotalItems = 0 };
        }
        finally
        {
            _loading = false;
            StateHasChanged();
        }
    }

    private void SelectionChanged(HashSet<CodeRow> items)
    {
        _selected = items;
    }

    private async Task SearchKeyAsync(KeyboardEventArgs e)
    {
        if (e.Key == "Enter") await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        _selected = [];
        if (_grid is not null) await _grid.ReloadServerData();
    }

    private Task ClearBatch()
    {
        _filter.BatchId = null;
        return ReloadAsync();
    }

    private Task OneAsync(CodeRow row, BulkKind kind) => RunAsync([row], kind);

    private Task BulkAsync(BulkKind kind) => RunAsync(_selected.ToList(), kind);

    private async Task RunAsync(IReadOnlyList<CodeRow> rows, BulkKind kind)
    {
        if (rows.Count == 0) return;
        if (kind == BulkKind.Delete && !await ConfirmDeleteAsync(rows)) return;
        (_busy, _outcome) = (true, null);
        try
        {
            var actor = await AdminLinks.ActorAsync(AuthState);
            var ids = rows.Select(r => r.Id).ToList();
            var outcome = kind switch
            {
                BulkKind.Disable => await Campaigns.DisableCodesAsync(ids, actor, Client.Ip),
                BulkKind.Enable => await Campaigns.EnableCodesAsync(ids, actor, Client.Ip),
                _ => await Campaigns.DeleteCodesAsync(ids, actor, Client.Ip),
            };
            (_outcome, _outcomeIsError) = Describe(kind, outcome);
        }
        finally
        {
            _busy = false;
        }
        await ReloadAsync();
    }

    private Task<bool> ConfirmDeleteAsync(IReadOnlyList<CodeRow> rows) => rows.Count == 1
        ? Dialogs.ConfirmAsync("Delete this code?", $"{rows[0].Code} will be gone for good; nobody can redeem it afterwards.", "Delete")
        : Dialogs.ConfirmAsync($"Delete {rows.Count} codes?",
            $"The {rows.Count} selected codes will be gone for good. Any of them already redeemed is kept and only reported.", "Delete");

    private static (string Text, bool IsError) Describe(BulkKind kind, BulkCodeOutcome outcome)
    {
        var verb = kind switch { BulkKind.Disable => "Disabled", BulkKind.Enable => "Enabled", _ => "Deleted" };
        var parts = new List<string>();
        if (outcome.Changed.Count > 0) parts.Add($"{verb} {string.Join(", ", outcome.Changed.Take(5))}{More(outcome.Changed.Count)}.");
        if (outcome.Unchanged.Count > 0) parts.Add($"{outcome.Unchanged.Count} already {verb.ToLowerInvariant()}.");
        if (outcome.Refused.Count > 0)
            parts.Add($"Refused {string.Join(", ", outcome.Refused.Take(5).Select(r => r.Code))}{More(outcome.Refused.Count)}: {outcome.Refused[0].Error.Message}");
        if (outcome.NotFound > 0) parts.Add($"{outcome.NotFound} no longer exist.");
        return (parts.Count == 0 ? "Nothing to change." : string.Join(" ", parts), outcome.Refused.Count > 0);
    }

    private static string More(int count) => count > 5 ? $" and {count - 5} more" : "";
}

/// <summary>The code search as typed; the batch comes only from a link (the generate page's result) and is cleared from its chip.</summary>
public sealed class CodeFilterForm
{
    public string? Search { get; set; }
    public Guid? CampaignId { get; set; }
    public CodeStatus? Status { get; set; }
    public Guid? BatchId { get; set; }

    public CodeFilter ToFilter() => new(Search, CampaignId, Status, BatchId);
}
