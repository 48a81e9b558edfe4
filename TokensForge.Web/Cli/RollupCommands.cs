using System.Globalization;
using TokensForge.Core.Receipts;

namespace TokensForge.Web.Cli;

/// <summary><c>rollups rebuild [--from DATE]</c> and <c>rollups verify [--from DATE]</c> (exit 1 when a rollup differs from its receipts).</summary>
public static class RollupCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [new("rollups rebuild", RebuildAsync), new("rollups verify", VerifyAsync)];

    private static async Task<int> RebuildAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var (days, completeBefore) = await services.GetRequiredService<DailyRollups>().RebuildAsync(From(args));
        await output.WriteLineAsync($"rollups rebuilt: {days} days, complete before {completeBefore:yyyy-MM-dd}");
        return 0;
    }

    private static async Task<int> VerifyAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var result = await services.GetRequiredService<DailyRollups>().VerifyAsync(From(args));
        foreach (var difference in result.Differences) await output.WriteLineAsync(difference);
        var range = result.Until is null ? "no day rolled up yet" : $"{result.From:yyyy-MM-dd} to {result.Until.Value.AddDays(-1):yyyy-MM-dd}";
        await output.WriteLineAsync(result.Ok
            ? $"rollups ok: {result.Rows} rows, {range}"
            : $"rollups differ: {result.Differences.Count} differences in {result.Rows} rows, {range}");
        return result.Ok ? 0 : 1;
    }

    private static DateOnly? From(CliArguments args) => args.Option("from") is not { } text ? null
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day
        : throw new CliException("invalid_date", $"--from takes a UTC day as yyyy-MM-dd, not '{text}'.");
}
