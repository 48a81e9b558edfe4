using CsvHelper;

namespace TokensForge.Core.Exports;

/// <summary>
/// Writes a dataset as CSV for spreadsheets and finance tools: UTF-8 with a byte order mark, RFC 4180, ISO-8601 UTC
/// times, and text cells that start with = + - @, tab or CR prefixed with ' so no spreadsheet runs them as formulas
/// (OWASP CSV injection). Numbers (amounts, including negative ones) are not text and stay numbers.
/// </summary>
public sealed class CsvExporter(IEnumerable<IExportDataset> datasets)
{
    public static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        WriteByteOrderMark = true,
        Injection = CsvInjection.Escape,
    };

    private readonly IReadOnlyList<IExportDataset> _datasets = datasets.ToList();

    /// <summary>Every registered dataset, in registration order.</summary>
    public IReadOnlyList<IExportDataset> Datasets => _datasets;

    public IExportDataset? Find(string name) => _datasets.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Streams <paramref name="dataset"/> to <paramref name="destination"/> (left open); returns the row count.</summary>
    public static async Task<long> ExportAsync(IExportDataset dataset, Stream destination, ExportRange range, IProgress<long>? progress = null,
        CancellationToken ct = default)
    {
        await using var csv = CsvWriter.Create(destination, Options, leaveOpen: true);
        var rows = await dataset.WriteAsync(csv, range, progress, ct);
        await csv.FlushAsync(ct);
        return rows;
    }

    /// <summary>The download name: <c>tokensforge-ledger-2026-06-01_2026-06-30.csv</c>.</summary>
    public static string FileName(IExportDataset dataset, ExportRange range) => $"tokensforge-{dataset.Name}-{range.Label}.csv";
}

/// <summary>Decimal yuan with exactly six decimals (every µ shows), e.g. <c>12.500000</c>.</summary>
public sealed class YuanConverter : ICsvConverter<decimal>
{
    public decimal Read(CsvReader reader, int index) => reader.Parse<decimal>(index, System.Globalization.CultureInfo.InvariantCulture);
    public void Write(CsvWriter writer, decimal value) => writer.WriteField(value, "0.000000");

    /// <summary>µ as decimal yuan, exactly.</summary>
    public static decimal Yuan(long micros) => micros / (decimal)Common.Money.MicrosPerUnit;
}
