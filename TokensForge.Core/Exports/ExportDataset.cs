using CsvHelper;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

namespace TokensForge.Core.Exports;

/// <summary>
/// One finance export: a name (used in <c>/api/exports/{name}</c> and <c>export {name}</c>), a title for its button,
/// and a streamed source of CSV rows for a date range. Derive from <see cref="ExportDataset{TRow}"/> to add one.
/// </summary>
public interface IExportDataset
{
    string Name { get; }
    string Title { get; }
    string Description { get; }

    /// <summary>How many rows the range has, for progress; null when not known in advance.</summary>
    Task<long?> CountAsync(ExportRange range, CancellationToken ct = default);

    /// <summary>Writes the header and every row of the range; returns the number of rows (header excluded).</summary>
    Task<long> WriteAsync(CsvWriter csv, ExportRange range, IProgress<long>? progress = null, CancellationToken ct = default);
}

/// <summary>
/// A dataset whose rows are a <c>[CsvRecord]</c> type. Rows are pulled one at a time from the database
/// (<c>AsAsyncEnumerable</c>, never a list) and written as they come, with a flush every
/// <see cref="FlushEvery"/> rows, so memory stays flat whatever the row count.
/// </summary>
public abstract class ExportDataset<TRow>(IDbContextFactory<AppDbContext> contexts) : IExportDataset
{
    /// <summary>Rows between flushes to the destination (and progress reports).</summary>
    public const int FlushEvery = 5_000;

    public abstract string Name { get; }
    public abstract string Title { get; }
    public abstract string Description { get; }

    /// <summary>The rows of the range, in a stable order, streamed from <paramref name="db"/>.</summary>
    protected abstract IAsyncEnumerable<TRow> RowsAsync(AppDbContext db, ExportRange range, CancellationToken ct);

    /// <summary>The row count of the range; override with a cheap COUNT where there is one.</summary>
    protected virtual Task<long?> CountRowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) => Task.FromResult<long?>(null);

    public async Task<long?> CountAsync(ExportRange range, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await CountRowsAsync(db, range, ct);
    }

    public async Task<long> WriteAsync(CsvWriter csv, ExportRange range, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        csv.WriteHeader<TRow>();
        long rows = 0;
        await foreach (var row in RowsAsync(db, range, ct).WithCancellation(ct))
        {
            await csv.WriteRecordAsync(row, ct);
            if (++rows % FlushEvery == 0)
            {
                await csv.FlushAsync(ct);
                progress?.Report(rows);
            }
        }
        await csv.FlushAsync(ct);
        progress?.Report(rows);
        return rows;
    }
}
