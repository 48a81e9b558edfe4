using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace TokensForge.Core.Data;

/// <summary>What a unit of work decided: commit its writes or roll them back, and the value to hand back either way.</summary>
public readonly record struct WriteOutcome<T>(T Value, bool Commit);

/// <summary>Short names for the two decisions a unit of work can return.</summary>
public static class Write
{
    public static WriteOutcome<T> Commit<T>(T value) => new(value, true);

    public static WriteOutcome<T> Rollback<T>(T value) => new(value, false);
}

/// <summary>
/// Runs one unit of work in its own database transaction: a new context, <c>BEGIN</c> (IMMEDIATE on SQLite, so the
/// write lock is taken before the first read), the work, then commit or roll back as the work decides. A race with a
/// concurrent writer (<see cref="DbRaces.IsRace"/>) runs the whole unit again on a new context and transaction, where
/// it looks again and now answers precisely (already applied, already claimed…). The work must therefore be safe to
/// re-run: everything it reads and writes goes through the context it is given.
/// </summary>
public sealed class WriteTransaction(IDbContextFactory<AppDbContext> contexts)
{
    /// <summary>How often a unit runs before a race is let through to the caller.</summary>
    public const int DefaultAttempts = 4;

    public async Task<T> RunAsync<T>(Func<AppDbContext, CancellationToken, Task<WriteOutcome<T>>> work, CancellationToken ct = default,
        int attempts = DefaultAttempts)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                var outcome = await work(db, ct);
                if (outcome.Commit) await tx.CommitAsync(ct);
                else await tx.RollbackAsync(ct);
                return outcome.Value;
            }
            catch (Exception ex) when (attempt < attempts && DbRaces.IsRace(ex))
            {
                // Another writer inserted the same key or resolved the same row first, or PostgreSQL chose this
                // transaction as a deadlock victim: nothing of this attempt was kept.
            }
        }
    }
}

/// <summary>Recognises the failures that mean "a concurrent writer got there first", as opposed to bugs.</summary>
public static class DbRaces
{
    /// <summary>A unique-index or lock conflict with a concurrent writer, worth evaluating again.</summary>
    public static bool IsRace(Exception ex) => ex switch
    {
        DbUpdateException { InnerException: { } inner } => IsRace(inner),
        PostgresException pg => pg.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */,
        _ => false,
    };
}
