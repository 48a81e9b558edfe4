using Microsoft.EntityFrameworkCore;
using Npgsql;
using TokensForge.Core.Data;

namespace TokensForge.Core.Ledger;

/// <summary>
/// The entry point for money movements that stand alone: each batch commits atomically in its own
/// transaction. Callers that must write business rows in the same transaction use <see cref="LedgerWriter"/>.
/// </summary>
public sealed class LedgerService(IDbContextFactory<AppDbContext> contexts, LedgerWriter writer)
{
    private const int Attempts = 4;

    /// <summary>
    /// Submits one transfer as its own transaction. The transaction id is the transfer id, so a replay of the
    /// same spec is recognised as the same request (a fresh id here would make every replay look different).
    /// </summary>
    public Task<LedgerOutcome> SubmitAsync(TransferSpec transfer, CancellationToken ct = default) =>
        SubmitAsync(transfer.Id, [transfer], ct);

    public async Task<LedgerOutcome> SubmitAsync(Guid txId, IReadOnlyList<TransferSpec> batch, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                var outcome = await writer.ApplyAsync(db, txId, batch, ct);
                if (outcome.Status == LedgerStatus.Created) await tx.CommitAsync(ct);
                else await tx.RollbackAsync(ct);
                return outcome;
            }
            catch (Exception ex) when (attempt < Attempts && IsRace(ex))
            {
                // Another writer inserted the same id or resolved the same hold first (or PostgreSQL chose us as a
                // deadlock victim): look again, which now answers AlreadyApplied or a precise error.
            }
        }
    }

    /// <summary>A unique-index or lock conflict with a concurrent writer, worth evaluating again.</summary>
    public static bool IsRace(Exception ex) => ex switch
    {
        DbUpdateException { InnerException: { } inner } => IsRace(inner),
        PostgresException pg => pg.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */,
        _ => false,
    };
}
