using System.Globalization;
using CsvHelper;
using TokensForge.Core.Campaigns;

namespace TokensForge.Core.Exports;

/// <summary>One line of a code batch CSV.</summary>
[CsvRecord]
public sealed partial class CodeBatchCsvRow
{
    public string Code { get; set; } = "";
    public string Campaign { get; set; } = "";
    public int MaxRedemptions { get; set; }

    /// <summary>ISO 8601 UTC, e.g. <c>2026-06-01T12:00:00Z</c>.</summary>
    public string CreatedAtUtc { get; set; } = "";

    public string BatchId { get; set; } = "";
}

/// <summary>
/// Streams a generated batch of codes as CSV (RFC 4180, a header line, CRLF). Text cells that a spreadsheet would
/// run as a formula (starting with <c>= + - @</c>, tab or CR) are prefixed with <c>'</c>.
/// </summary>
public static class CodeBatchCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static readonly CsvWriterOptions Options = new() { Injection = CsvInjection.Escape };

    public static string FileName(Guid batchId) => $"codes-{batchId}.csv";

    public static async Task WriteAsync(Stream destination, IAsyncEnumerable<BatchCode> codes, CancellationToken ct = default)
    {
        await using var csv = CsvWriter.Create(destination, Options, leaveOpen: true);
        await csv.WriteRecordsAsync(codes.Select(ToRow), ct);
        await csv.FlushAsync(ct);
    }

    private static CodeBatchCsvRow ToRow(BatchCode code) => new()
    {
        Code = code.Code,
        Campaign = code.CampaignName,
        MaxRedemptions = code.MaxRedemptions,
        CreatedAtUtc = code.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        BatchId = code.BatchId.ToString(),
    };
}
