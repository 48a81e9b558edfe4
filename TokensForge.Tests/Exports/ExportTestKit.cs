using System.Text;
using CsvHelper;
using TokensForge.Core.Exports;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Exports;

/// <summary>Runs an export into memory and reads it back with CsvHelper.</summary>
internal static class ExportTestKit
{
    public static async Task<byte[]> ExportAsync(TestDatabase db, string dataset, ExportRange range)
    {
        var exporter = db.Get<CsvExporter>();
        using var buffer = new MemoryStream();
        await CsvExporter.ExportAsync(exporter.Find(dataset)!, buffer, range);
        return buffer.ToArray();
    }

    public static List<T> Read<T>(byte[] csv)
    {
        using var reader = CsvReader.Create(new MemoryStream(csv));
        return reader.GetRecords<T>().ToList();
    }

    public static bool StartsWithUtf8Bom(byte[] bytes) => bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble);

    public static string Text(byte[] csv) => Encoding.UTF8.GetString(csv.AsSpan(StartsWithUtf8Bom(csv) ? 3 : 0));
}
