using Microsoft.AspNetCore.Components;
using MudBlazor;
using TokensForge.Core.Receipts;

namespace TokensForge.Web.Components.Pages.Admin.Requests;

/// <summary>The cross-user request log: receipts of every account, filtered and paged in the database.</summary>
public partial class RequestLogPage
{
    [Inject] private RequestLogQuery Log { get; set; } = null!;

    /// <summary>The user filter to start with (an account page's "all requests" link).</summary>
    [SupplyParameterFromQuery(Name = "user")] public string? InitialUser { get; set; }

    /// <summary>The key filter to start with.</summary>
    [SupplyParameterFromQuery(Name = "key")] public string? InitialKey { get; set; }

    private MudDataGrid<RequestLogRow>? _grid;
    private IReadOnlyList<string> _models = [];
    private IReadOnlyList<string> _routes = [];
    private string? _user, _key, _model, _route;
    private RequestStatus? _status;
    private DateTime? _from, _to;
    private string? _loadError;

    protected override async Task OnInitializedAsync()
    {
        (_user, _key) = (InitialUser, InitialKey);
        try
        {
            (_models, _routes) = await Log.ChoicesAsync();
        }
        catch (Exception)
        {
            // The grid says what failed; the lists are only emptier.
        }
    }

    private Task ApplyAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private async Task<GridData<RequestLogRow>> LoadAsync(GridState<RequestLogRow> state, CancellationToken ct)
    {
        try
        {
            _loadError = null;
            var filter = new RequestLogFilter(_user, _key, _model, _route, _status,
                _from is { } f ? DateTime.SpecifyKind(f.Date, DateTimeKind.Utc) : null,
                _to is { } t ? DateTime.SpecifyKind(t.Date.AddDays(1), DateTimeKind.Utc) : null);
            var page = await Log.ListAsync(filter, state.Page, state.PageSize, ct);
            return new GridData<RequestLogRow> { Items = page.Items, TotalItems = page.TotalCount };
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            _loadError = "The request log could not be loaded. Try again.";
            return new GridData<RequestLogRow> { Items = [], TotalItems = 0 };
        }
    }

    private static string StatusText(RequestStatus status) => status switch
    {
        RequestStatus.Succeeded => "succeeded",
        RequestStatus.Partial => "partial",
        _ => "failed",
    };

    /// <summary>A reason code as words ("upstream_error" reads "upstream error"); the full sentence is in the tooltip.</summary>
    private static string ReasonText(string reason) => reason.Replace('_', ' ');
}
