using CsvHelper;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

namespace TokensForge.Core.Exports;

/// <summary>The two CSV files a user can download of their own account.</summary>
public enum OwnDataset
{
    /// <summary>Their receipts: the finance receipts export's columns.</summary>
    Receipts,

    /// <summary>The ledger transfers that touched one of their accounts: the finance ledger export's columns.</summary>
    Ledger,
}

/// <summary>
/// A user's own receipts and ledger rows for a range, written like the finance exports (same columns, same
/// <see cref="CsvExporter.Options"/>, so the same formula neutralisation). Every query is narrowed to the one user
/// before anything else, so no other account's row can be in the file.
/// </summary>
public sealed class OwnExports(IDbContextFactory<AppDbContext> contexts)
{
    /// <summary>Writes the rows of <paramref name="userId"/> in <paramref name="range"/> to <paramref name="destination"/> (left open); returns the row count.</summary>
    public async Task<long> WriteAsync(OwnDataset dataset, string userId, ExportRange range, Stream destination, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        await using var csv = CsvWriter.Create(destination, CsvExporter.Options, leaveOpen: true);
        var rows = dataset switch
        {
            OwnDataset.Receipts => await WriteRowsAsync(csv, RequestRecordsExport.Project(db,
                db.RequestRecords.Where(r => r.UserId == userId && r.CreatedAt >= range.From && r.CreatedAt < range.To)), ct),
            _ => await WriteRowsAsync(csv, LedgerTransfersExport.Project(db, db.Transfers
                .Where(t => t.CreatedAt >= range.From && t.CreatedAt < range.To)
                .Where(t => db.LedgerAccounts.Any(a => a.UserId == userId && (a.Id == t.DebitAccountId || a.Id == t.CreditAccountId)))), ct),
        };
        await csv.FlushAsync(ct);
        return rows;
    }

    /// <summary>The download name: <c>tokensforge-my-receipts-2026-06-01_2026-06-30.csv</c>.</summary>
    public static string FileName(OwnDataset dataset, ExportRange range) => $"tokensforge-my-{dataset.ToString().ToLowerInvariant()}-{range.Label}.csv";

    private static async Task<long> WriteRowsAsync<TRow>(CsvWriter csv, IQueryable<TRow> rows, CancellationToken ct)
    {
        csv.WriteHeader<TRow>();
        long count = 0;
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            await csv.WriteRecordAsync(row, ct);
            count++;
        }
        return count;
    }
}
