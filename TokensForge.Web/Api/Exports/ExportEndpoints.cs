using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using TokensForge.Core.Exports;
using TokensForge.Core.Users;

namespace TokensForge.Web.Api.Exports;

/// <summary>A dataset as the exports page lists it.</summary>
public sealed record ExportDatasetInfo(string Name, string Title, string Description);

/// <summary>How many rows a download will have, for its progress bar; null when not known in advance.</summary>
public sealed record ExportCount(string Dataset, DateTime From, DateTime To, long? Rows);

/// <summary>An error of the export API.</summary>
public sealed record ExportError(string Error, string Message);

/// <summary>
/// Finance CSV downloads, for the Finance and Admin roles: <c>GET /api/exports</c> lists the datasets,
/// <c>GET /api/exports/{dataset}?from=2026-06-01&amp;to=2026-06-30</c> streams one (both days included),
/// <c>GET /api/exports/{dataset}/count?…</c> says how many rows it will have.
/// </summary>
public static class ExportEndpoints
{
    public static IEndpointRouteBuilder MapExports(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/exports").RequireAuthorization(policy => policy.RequireRole(Roles.Finance, Roles.Admin));
        group.MapGet("/", List);
        group.MapGet("/{dataset}/count", CountAsync);
        group.MapGet("/{dataset}", Download);
        return app;
    }

    public static Ok<ExportDatasetInfo[]> List(CsvExporter exporter) =>
        TypedResults.Ok(exporter.Datasets.Select(d => new ExportDatasetInfo(d.Name, d.Title, d.Description)).ToArray());

    public static async Task<Results<Ok<ExportCount>, NotFound<ExportError>, BadRequest<ExportError>>> CountAsync(
        string dataset, string? from, string? to, CsvExporter exporter, CancellationToken ct)
    {
        if (exporter.Find(dataset) is not { } found) return TypedResults.NotFound(UnknownDataset(dataset));
        var range = ExportRange.Parse(from, to);
        if (!range.Succeeded) return TypedResults.BadRequest(new ExportError(range.Error!.Code, range.Error.Message));
        var rows = await found.CountAsync(range.Value, ct);
        return TypedResults.Ok(new ExportCount(found.Name, range.Value.From, range.Value.To, rows));
    }

    public static Results<CsvDownload, NotFound<ExportError>, BadRequest<ExportError>> Download(string dataset, string? from, string? to, CsvExporter exporter)
    {
        if (exporter.Find(dataset) is not { } found) return TypedResults.NotFound(UnknownDataset(dataset));
        var range = ExportRange.Parse(from, to);
        if (!range.Succeeded) return TypedResults.BadRequest(new ExportError(range.Error!.Code, range.Error.Message));
        return new CsvDownload(found, range.Value);
    }

    private static ExportError UnknownDataset(string name) => new("unknown_dataset", $"There is no export called '{name}'.");
}

/// <summary>
/// Streams a dataset into the response as it is read from the database: no buffering of the file, so memory stays
/// flat for any row count. A failure after the first bytes aborts the connection, so a cut file is never mistaken
/// for a whole one.
/// </summary>
public sealed class CsvDownload(IExportDataset dataset, ExportRange range) : IResult
{
    public async Task ExecuteAsync(HttpContext context)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{CsvExporter.FileName(dataset, range)}\"";
        context.Response.Headers.CacheControl = "no-store";
        try
        {
            await CsvExporter.ExportAsync(dataset, context.Response.Body, range, ct: context.RequestAborted);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            context.RequestServices.GetRequiredService<ILogger<CsvDownload>>().LogError(ex, "Export {Dataset} failed while streaming", dataset.Name);
            if (!context.Response.HasStarted) throw;
            context.Abort();
        }
    }
}
