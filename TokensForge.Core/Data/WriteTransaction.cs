using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
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
/// Runs units of work in database transactions. A unit gets a context inside an open transaction (<c>BEGIN IMMEDIATE</c>
/// on SQLite, so the write lock is taken before the first read), does its reads and conditional writes, and decides to
/// commit or roll back; its caller is answered only once that is durable.
/// </summary>
/// <remarks>
/// <para>
/// With <see cref="DatabaseOptions.GroupCommit"/> (the default) one writer per process takes the units that are waiting
/// and applies them in one transaction, each behind its own savepoint: a unit that rolls back, fails or throws is
/// rolled back to its savepoint and the others go on (a batch of one needs none: its transaction is the unit's). Every
/// rule is still decided by the database inside that transaction (conditional updates, unique indexes), so instances
/// sharing PostgreSQL stay correct; what changes is that SQLite's single writer lock is taken once per batch instead of
/// once per request, with no writers sleeping in the busy handler, and a commit's cost is shared. When nothing is waiting and the writer is idle, a unit runs as a
/// batch of one on its caller's thread instead, on the same context.
/// </para>
/// <para>
/// A race with a concurrent writer (<see cref="DbRaces.IsRace"/>: a unique index hit, a PostgreSQL deadlock) runs the
/// unit again in a fresh transaction of its own, where it looks again and now answers precisely. Units must therefore
/// be safe to re-run and must not wait on another unit (the writer runs one unit at a time): everything they read and
/// write goes through the context they are given.
/// </para>
/// </remarks>
public sealed class WriteTransaction : IAsyncDisposable
{
    /// <summary>How often a unit runs before a race is let through to the caller.</summary>
    public const int DefaultAttempts = 4;

    private const string UnitSavepoint = "tf_unit";

    private readonly IDbContextFactory<AppDbContext> _contexts;
    private readonly DatabaseOptions _options;
    private readonly ILogger _log;
    private readonly CommitMetrics? _metrics;
    // Not SingleReader: that channel cannot count what waits, which decides whether a unit may run inline.
    private readonly Channel<IUnit> _queue = Channel.CreateUnbounded<IUnit>();
    private readonly Lock _startLock = new();

    /// <summary>Whose turn it is to write on the writer's context: the writer's, for a batch, or a caller's, for a unit run inline.</summary>
    private readonly SemaphoreSlim _turn = new(1, 1);
    private Task? _writer;

    public WriteTransaction(IDbContextFactory<AppDbContext> contexts, IOptions<DatabaseOptions> options, ILogger<WriteTransaction>? log = null,
        CommitMetrics? metrics = null)
    {
        _metrics = metrics;
        _contexts = contexts;
        _options = options.Value;
        _log = (ILogger?)log ?? NullLogger.Instance;
    }

    private int _largestBatch;

    /// <summary>The most units one transaction has committed together since start (tests read it to see that batches merged).</summary>
    public int LargestBatch => Volatile.Read(ref _largestBatch);

    public Task<T> RunAsync<T>(Func<AppDbContext, CancellationToken, Task<WriteOutcome<T>>> work, CancellationToken ct = default,
        int attempts = DefaultAttempts)
    {
        if (!_options.GroupCommit) return RunAloneAsync(work, ct, attempts);
        ct.ThrowIfCancellationRequested();
        var unit = new Unit<T>(work, ct, attempts);
        EnsureWriter();
        // Nobody writing and nobody waiting: a batch of one on the caller's own thread spares the two thread hops to the
        // writer and back, which are most of a lone request's wait.
        if (_queue.Reader.Count == 0 && _turn.Wait(0)) return RunInlineAsync(unit);
        if (!_queue.Writer.TryWrite(unit)) throw new ObjectDisposedException(nameof(WriteTransaction));
        return unit.Task;
    }

    /// <summary>Commits <paramref name="unit"/> as a batch of its own while holding the writer's turn.</summary>
    private async Task<T> RunInlineAsync<T>(Unit<T> unit)
    {
        try
        {
            await CommitBatchAsync([unit]);
        }
        catch (Exception ex)
        {
            _log.LogWarning(ex, "A commit of one unit failed; it runs again in its own transaction");
            if (!unit.Answered) _ = unit.RunAloneAsync(this);
        }
        finally
        {
            _turn.Release();
        }
        return await unit.Task;
    }

    /// <summary>One unit in a transaction of its own, re-run on a race.</summary>
    private async Task<T> RunAloneAsync<T>(Func<AppDbContext, CancellationToken, Task<WriteOutcome<T>>> work, CancellationToken ct, int attempts)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            await using var db = await CreateAsync(ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                var outcome = await work(db, ct);
                if (outcome.Commit) await tx.CommitAsync(ct);
                else await tx.RollbackAsync(ct);
                if (outcome.Commit) _metrics?.Committed(1, Stopwatch.GetElapsedTime(started));
                return outcome.Value;
            }
            catch (Exception ex) when (attempt < attempts && DbRaces.IsRace(ex))
            {
                // Another writer inserted the same key or resolved the same row first, or PostgreSQL chose this
                // transaction as a deadlock victim: nothing of this attempt was kept.
            }
        }
    }

    private async Task<AppDbContext> CreateAsync(CancellationToken ct)
    {
        var db = await _contexts.CreateDbContextAsync(ct);
        // A unit that fails is rolled back whole (to its savepoint in a batch): EF's own savepoint around every
        // SaveChanges would only add two statements to each.
        db.Database.AutoSavepointsEnabled = false;
        return db;
    }

    private void EnsureWriter()
    {
        if (_writer is not null) return;
        lock (_startLock)
        {
            // Not in the first caller's context: its span and log scope (its receipt id) would otherwise stick to every later batch.
            using (ExecutionContext.SuppressFlow()) _writer ??= Task.Run(WriteLoopAsync);
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<IUnit>(_options.GroupCommitMaxBatch);
        while (await reader.WaitToReadAsync())
        {
            await _turn.WaitAsync();
            batch.Clear();
            while (batch.Count < _options.GroupCommitMaxBatch && reader.TryRead(out var unit)) batch.Add(unit);
            try
            {
                if (batch.Count > 0) await CommitBatchAsync(batch);
            }
            catch (Exception ex)
            {
                // Not one unit's fault (the connection or the commit failed): each runs again on its own and answers for itself.
                _log.LogWarning(ex, "A group commit of {Count} units failed; each runs again in its own transaction", batch.Count);
                foreach (var unit in batch.Where(u => !u.Answered)) _ = unit.RunAloneAsync(this);
            }
            finally
            {
                _turn.Release();
            }
        }
    }

    /// <summary>
    /// The writer's own context, its connection kept open between batches so the statements the units run stay compiled
    /// (<see cref="RawSql"/> keeps them per connection); dropped after a failed batch, in case the connection broke.
    /// </summary>
    private AppDbContext? _writerDb;

    private async Task CommitBatchAsync(List<IUnit> batch)
    {
        var applied = new List<IUnit>(batch.Count);
        var alone = new List<IUnit>();
        var started = Stopwatch.GetTimestamp();
        if (_writerDb is null)
        {
            _writerDb = await CreateAsync(CancellationToken.None);
            await _writerDb.Database.OpenConnectionAsync();
            RawSql.KeepCommands(_writerDb.Database.GetDbConnection());
        }
        var db = _writerDb;
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            var commit = batch.Count == 1 ? await ApplyAloneAsync(db, batch[0], applied, alone) : await ApplyBehindSavepointsAsync(db, batch, applied, alone);
            // Every unit sent its queued writes at its end; the commit sends whatever a unit left (none should).
            if (commit) await tx.CommitAsync();
            else await tx.RollbackAsync();
        }
        catch
        {
            _writerDb = null;
            await DropAsync(db);
            throw;
        }
        _metrics?.Committed(applied.Count, Stopwatch.GetElapsedTime(started));
        if (applied.Count > _largestBatch) Volatile.Write(ref _largestBatch, applied.Count);
        foreach (var unit in applied) unit.Complete();
        // A unit that raced another writer looks again after this batch, in a transaction of its own.
        foreach (var unit in alone) _ = unit.RunAloneAsync(this);
    }

    /// <summary>
    /// A batch of one needs no savepoint: the transaction is the unit's, so its rollback is the transaction's (two
    /// statements fewer for every unit of a lone request). Whether to commit.
    /// </summary>
    private static async Task<bool> ApplyAloneAsync(AppDbContext db, IUnit unit, List<IUnit> applied, List<IUnit> alone)
    {
        if (unit.Cancelled)
        {
            unit.Cancel();
            return false;
        }
        try
        {
            var keep = await unit.ApplyAsync(db);
            // Its queued writes are sent while the failure is still its own.
            if (keep) await RawSql.FlushAsync(db, CancellationToken.None);
            else RawSql.DropQueued(db);
            applied.Add(unit);
            return keep;
        }
        catch (Exception ex)
        {
            RawSql.DropQueued(db);
            if (DbRaces.IsRace(ex)) alone.Add(unit);
            else unit.Fail(ex);
            return false;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>
    /// Each unit behind its own savepoint. A kept unit's writes still queued (PostgreSQL), the release of its savepoint
    /// and the next unit's savepoint go in one round trip at its end, so a failure among them is still its own; the last
    /// unit's savepoint is released by the commit itself. A rolled-back savepoint stays set for the next unit.
    /// </summary>
    private static async Task<bool> ApplyBehindSavepointsAsync(AppDbContext db, List<IUnit> batch, List<IUnit> applied, List<IUnit> alone)
    {
        var open = false;
        for (var i = 0; i < batch.Count; i++)
        {
            var unit = batch[i];
            if (unit.Cancelled)
            {
                unit.Cancel();
                continue;
            }
            if (!open) await SavepointAsync(db, SetSavepoint);
            open = true;
            try
            {
                if (await unit.ApplyAsync(db))
                {
                    if (i < batch.Count - 1) await RawSql.FlushAsync(db, CancellationToken.None, ReleaseSavepoint, SetSavepoint);
                    else await RawSql.FlushAsync(db, CancellationToken.None);
                }
                else
                {
                    RawSql.DropQueued(db);
                    await SavepointAsync(db, RollbackToSavepoint);
                }
                applied.Add(unit);
            }
            catch (Exception ex)
            {
                RawSql.DropQueued(db);
                await SavepointAsync(db, RollbackToSavepoint);
                if (DbRaces.IsRace(ex)) alone.Add(unit);
                else unit.Fail(ex);
            }
            finally
            {
                // What the unit tracked was saved or rolled back with it; the next unit starts clean.
                db.ChangeTracker.Clear();
            }
        }
        return true;
    }

    private const string SetSavepoint = "SAVEPOINT " + UnitSavepoint;
    private const string ReleaseSavepoint = "RELEASE SAVEPOINT " + UnitSavepoint;
    private const string RollbackToSavepoint = "ROLLBACK TO SAVEPOINT " + UnitSavepoint;

    /// <summary>Savepoint statements as kept commands: the same few texts for every unit (EF's own would compile each anew).</summary>
    private static Task SavepointAsync(AppDbContext db, string sql) => RawSql.Command(db, sql).ExecuteAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is { } writer) await writer;
        // A unit running inline holds the turn and the writer's context: wait for it before dropping them.
        await _turn.WaitAsync();
        if (_writerDb is { } db) await DropAsync(db);
    }

    private static async Task DropAsync(AppDbContext db)
    {
        RawSql.ForgetCommands(db.Database.GetDbConnection());
        await db.DisposeAsync();
    }

    private interface IUnit
    {
        bool Answered { get; }
        bool Cancelled { get; }

        /// <summary>Runs the work in the batch's transaction; true to keep its writes. The result waits for the commit.</summary>
        Task<bool> ApplyAsync(AppDbContext db);

        void Complete();
        void Fail(Exception ex);
        void Cancel();
        Task RunAloneAsync(WriteTransaction writes);
    }

    private sealed class Unit<T>(Func<AppDbContext, CancellationToken, Task<WriteOutcome<T>>> work, CancellationToken ct, int attempts) : IUnit
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _value = default!;

        public Task<T> Task => _result.Task;
        public bool Answered => _result.Task.IsCompleted;
        public bool Cancelled => ct.IsCancellationRequested;

        public async Task<bool> ApplyAsync(AppDbContext db)
        {
            // The caller's token is not passed down: a statement cancelled half-way would break the shared transaction.
            var outcome = await work(db, CancellationToken.None);
            _value = outcome.Value;
            return outcome.Commit;
        }

        public void Complete() => _result.TrySetResult(_value);
        public void Fail(Exception ex) => _result.TrySetException(ex);
        public void Cancel() => _result.TrySetCanceled(ct);

        public async Task RunAloneAsync(WriteTransaction writes)
        {
            try
            {
                _result.TrySetResult(await writes.RunAloneAsync(work, CancellationToken.None, attempts));
            }
            catch (Exception ex)
            {
                _result.TrySetException(ex);
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
