using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using TokensForge.Core.Exports;

namespace TokensForge.Web.Components.Pages.Finance;

/// <summary>
/// Finance downloads. The browser fetches <c>/api/exports/{dataset}</c> (streamed by the server) and reports bytes and
/// rows as they arrive, so a long export shows its progress against the row count taken before it starts.
/// </summary>
public partial class ExportsPage
{
    [Inject] private CsvExporter Exporter { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;

    private string? _from;
    private string? _to;
    private IExportDataset? _running;
    private long? _total;
    private long _rows;
    private long _bytes;
    private string? _error;
    private string? _done;
    private IJSObjectReference? _module;
    private DotNetObjectReference<ExportsPage>? _self;

    protected override void OnInitialized()
    {
        var today = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);
        _from = new DateOnly(today.Year, today.Month, 1).ToString("yyyy-MM-dd");
        _to = today.ToString("yyyy-MM-dd");
    }

    private async Task DownloadAsync(IExportDataset dataset)
    {
        _error = null;
        _done = null;
        var range = ExportRange.Parse(_from, _to);
        if (!range.Succeeded)
        {
            _error = range.Error!.Message;
            return;
        }

        _running = dataset;
        (_rows, _bytes, _total) = (0, 0, null);
        try
        {
            _total = await dataset.CountAsync(range.Value);
            StateHasChanged();
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Pages/Finance/ExportsPage.razor.js");
            _self ??= DotNetObjectReference.Create(this);
            var url = $"api/exports/{Uri.EscapeDataString(dataset.Name)}?from={Uri.EscapeDataString(_from!)}&to={Uri.EscapeDataString(_to!)}";
            var result = await _module.InvokeAsync<DownloadResult>("download", TimeSpan.FromHours(1), url, CsvExporter.FileName(dataset, range.Value), _self);
            if (result.Ok)
            {
                _rows = result.Rows;
                _done = $"{dataset.Title}: {result.Rows:N0} rows ({Size(result.Bytes)}) saved as {result.FileName}.";
            }
            else _error = $"The export failed ({result.Status}): {result.Message}";
        }
        catch (JSException ex)
        {
            _error = $"The download was interrupted: {ex.Message}";
        }
        finally
        {
            _running = null;
        }
    }

    /// <summary>Called by the page script while the file arrives.</summary>
    [JSInvokable]
    public Task OnProgress(long bytes, long rows)
    {
        (_bytes, _rows) = (bytes, rows);
        return InvokeAsync(StateHasChanged);
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes / (1024.0 * 1024):0.#} MB",
    };

    public async ValueTask DisposeAsync()
    {
        _self?.Dispose();
        if (_module is not null)
        {
            try { await _module.DisposeAsync(); }
            catch (JSDisconnectedException) { }
        }
    }

    private sealed record DownloadResult(bool Ok, int Status, string? Message, long Bytes, long Rows, string? FileName);
}
