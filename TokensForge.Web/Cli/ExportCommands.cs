using TokensForge.Core.Exports;

namespace TokensForge.Web.Cli;

/// <summary>
/// <c>export &lt;dataset&gt; --from 2026-06-01 --to 2026-06-30 --out file.csv</c>: the same CSV as the finance page. The
/// datasets are the registered <see cref="IExportDataset"/>s, so the dataset is a word of its own, not part of the name.
/// </summary>
public static class ExportCommands
{
    public const string Word = "export";

    public static bool IsExport(string word) => string.Equals(word, Word, StringComparison.OrdinalIgnoreCase);

    public static async Task<int> ExportAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var exporter = services.GetRequiredService<CsvExporter>();
        var names = string.Join(", ", exporter.Datasets.Select(d => d.Name));
        if (args.Words.Count < 2) throw new CliException("missing_dataset", $"Name the dataset: export <dataset>. Datasets: {names}.");
        if (exporter.Find(args.Words[1]) is not { } dataset)
            throw new CliException("unknown_dataset", $"There is no export called '{args.Words[1]}'. Datasets: {names}.");
        var range = CliCommand.Require(ExportRange.Parse(args.Required("from"), args.Required("to")));
        var path = Path.GetFullPath(args.Required("out"));

        long rows;
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true))
            rows = await CsvExporter.ExportAsync(dataset, file, range);
        await output.WriteLineAsync($"exported {rows} rows of {dataset.Name} ({CliParse.Time(range.From)} to {CliParse.Time(range.To)}, end excluded) to {path}");
        return 0;
    }
}
