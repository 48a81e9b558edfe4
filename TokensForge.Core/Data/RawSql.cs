using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace TokensForge.Core.Data;

/// <summary>
/// Parameterised SQL on a unit's own connection and transaction, for the gateway's hot path: a hold and a settlement
/// are a dozen tiny statements, and EF's LINQ pipeline (expression funcletizing, cache lookups, change tracking) cost
/// several times what SQLite spends running them. The SQL is the plain dialect both providers accept (double-quoted
/// identifiers, <c>@name</c> parameters), and every parameter takes the type mapping EF itself uses for that column,
/// value converter included, so a Guid, a UTC time or an enum stored as text is written exactly as EF writes it.
/// </summary>
/// <remarks>
/// On a connection that stays open (<see cref="KeepCommands"/>: the group committer's) commands are kept, keyed by their
/// text, and handed out again: Microsoft.Data.Sqlite keeps a statement compiled only as long as its command lives, and
/// compiling was a fifth of SQLite's time on the hot path. A command is out of the cache while in use, so two statements
/// of one unit never share one. Pooled connections that close after each use keep nothing: a compiled statement belongs
/// to the native connection, which the pool may hand to someone else. A kept command keeps its parameter objects too,
/// and each use sets their values in the order they were added: Npgsql binds a statement it has prepared from the
/// parameters it saw when preparing it, so new parameter objects would go unseen.
/// </remarks>
internal static class RawSql
{
    /// <summary>At most this many commands are kept per connection; the hot path uses about twenty distinct texts.</summary>
    private const int CommandsPerConnection = 128;

    private static readonly ConcurrentDictionary<(IModel, Type, string), RelationalTypeMapping> Mappings = new();
    private static readonly ConditionalWeakTable<DbConnection, KeptCommands> Kept = new();

    /// <summary>A kept connection's idle commands, by text, and the writes queued to travel with its next round trip.</summary>
    private sealed class KeptCommands(bool queues) : Dictionary<string, RawCommand>(StringComparer.Ordinal)
    {
        /// <summary>Whether writes are queued at all: on PostgreSQL, where each statement is a round trip; SQLite runs in-process.</summary>
        public bool Queues { get; } = queues;

        public List<RawCommand> Queued { get; } = [];
    }

    public static RawCommand Command(AppDbContext db, string sql)
    {
        var connection = db.Database.GetDbConnection();
        if (!Kept.TryGetValue(connection, out var kept) || !kept.Remove(sql, out var command))
        {
            var created = connection.CreateCommand();
            created.CommandText = sql;
            command = new RawCommand(created);
        }
        command.Start(db.Database.CurrentTransaction?.GetDbTransaction());
        return command;
    }

    /// <summary>Keeps the commands run on <paramref name="connection"/> for reuse, until <see cref="ForgetCommands"/>; it must stay open till then.</summary>
    /// <remarks>
    /// On PostgreSQL such a connection also queues writes whose row count nobody reads (<see cref="RawCommand.ExecuteOrQueueAsync"/>):
    /// they travel with the connection's next statement, in one round trip (<see cref="FlushAsync(AppDbContext, CancellationToken, string[])"/>).
    /// </remarks>
    public static void KeepCommands(DbConnection connection) => Kept.AddOrUpdate(connection, new KeptCommands(connection is Npgsql.NpgsqlConnection));

    /// <summary>Whether writes on <paramref name="db"/>'s connection are queued rather than run at once.</summary>
    public static bool Queues(AppDbContext db) => Kept.TryGetValue(db.Database.GetDbConnection(), out var kept) && kept.Queues;

    /// <summary>Queues <paramref name="command"/> on its connection when that connection queues writes; false to run it now.</summary>
    internal static bool TryQueue(RawCommand command)
    {
        if (command.Inner.Connection is not { } connection || !Kept.TryGetValue(connection, out var kept) || !kept.Queues) return false;
        kept.Queued.Add(command);
        return true;
    }

    /// <summary>
    /// Sends the writes queued on <paramref name="db"/>'s connection and then <paramref name="then"/> (statements without
    /// parameters, a savepoint's say) in one round trip. A queued write that fails throws here, and what follows it does
    /// not run: the unit that queued it must flush before its own end, so that the failure is its own.
    /// </summary>
    public static Task FlushAsync(AppDbContext db, CancellationToken ct, params string[] then)
    {
        var connection = db.Database.GetDbConnection();
        if (Kept.TryGetValue(connection, out var kept) && kept.Queued.Count > 0)
            return SendAsync(kept, (Npgsql.NpgsqlConnection)connection, db.Database.CurrentTransaction?.GetDbTransaction(), then, ct);
        return then.Length == 0 ? Task.CompletedTask : Command(db, string.Join("; ", then)).ExecuteAsync(ct);
    }

    /// <summary>Sends what <paramref name="connection"/> has queued before another statement runs on it (no-op when nothing is queued).</summary>
    internal static Task FlushAsync(DbConnection? connection, DbTransaction? transaction, CancellationToken ct) =>
        connection is not null && Kept.TryGetValue(connection, out var kept) && kept.Queued.Count > 0
            ? SendAsync(kept, (Npgsql.NpgsqlConnection)connection, transaction, [], ct)
            : Task.CompletedTask;

    private static async Task SendAsync(KeptCommands kept, Npgsql.NpgsqlConnection connection, DbTransaction? transaction, string[] then, CancellationToken ct)
    {
        // Taken off the queue first: a statement run below must not find them queued still.
        var queued = kept.Queued.ToArray();
        kept.Queued.Clear();
        await using var batch = new Npgsql.NpgsqlBatch(connection, (Npgsql.NpgsqlTransaction?)transaction);
        try
        {
            foreach (var command in queued)
            {
                // A batch command takes one statement and parameters of its own: the kept command keeps its objects for its next use.
                var statement = new Npgsql.NpgsqlBatchCommand(command.Inner.CommandText);
                foreach (Npgsql.NpgsqlParameter parameter in command.Inner.Parameters) statement.Parameters.Add(parameter.Clone());
                batch.BatchCommands.Add(statement);
            }
            foreach (var sql in then) batch.BatchCommands.Add(new Npgsql.NpgsqlBatchCommand(sql));
            await batch.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            foreach (var command in queued) Return(command);
        }
    }

    /// <summary>Forgets the writes queued on <paramref name="db"/>'s connection: their unit rolled back.</summary>
    public static void DropQueued(AppDbContext db)
    {
        if (!Kept.TryGetValue(db.Database.GetDbConnection(), out var kept) || kept.Queued.Count == 0) return;
        var queued = kept.Queued.ToArray();
        kept.Queued.Clear();
        foreach (var command in queued) Return(command);
    }

    /// <summary>Disposes the commands kept for <paramref name="connection"/> and keeps no more.</summary>
    public static void ForgetCommands(DbConnection connection)
    {
        if (!Kept.TryGetValue(connection, out var kept)) return;
        Kept.Remove(connection);
        foreach (var command in kept.Values.Concat(kept.Queued)) command.Inner.Dispose();
    }

    /// <summary>Gives a command from <see cref="Command"/> back to its connection's cache (or disposes it when the cache is full).</summary>
    internal static void Return(RawCommand command)
    {
        var inner = command.Inner;
        if (inner.Connection is { } connection && Kept.TryGetValue(connection, out var kept) && kept.Count < CommandsPerConnection
            && kept.TryAdd(inner.CommandText, command))
        {
            inner.Transaction = null;
            return;
        }
        inner.Dispose();
    }

    /// <summary>The type mapping EF uses for <paramref name="entity"/>'s <paramref name="property"/> column.</summary>
    internal static RelationalTypeMapping MappingOf(AppDbContext db, Type entity, string property) =>
        Mappings.GetOrAdd((db.Model, entity, property), static key =>
            key.Item1.FindEntityType(key.Item2)?.FindProperty(key.Item3)?.GetRelationalTypeMapping()
            ?? throw new InvalidOperationException($"{key.Item2.Name}.{key.Item3} is not a mapped column."));

    /// <summary>A UTC time read back from a column (SQLite hands times back unspecified).</summary>
    public static DateTime GetUtc(this DbDataReader reader, int ordinal) => DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);

    public static DateTime? GetUtcOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetUtc(ordinal);

    public static string? GetStringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static Guid? GetGuidOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetGuid(ordinal);
}

/// <summary>
/// One use of a command from <see cref="RawSql.Command"/>: parameters are bound in order (on a kept command, into the
/// parameter objects of its earlier uses), then it runs once and goes back to its connection's cache.
/// </summary>
internal sealed class RawCommand(DbCommand command)
{
    /// <summary>How many parameters this use has bound so far.</summary>
    private int _bound;

    public DbCommand Inner { get; } = command;

    internal void Start(DbTransaction? transaction)
    {
        _bound = 0;
        Inner.Transaction = transaction;
    }

    /// <summary>Binds <paramref name="value"/> as <paramref name="name"/>, typed like <typeparamref name="TEntity"/>'s <paramref name="property"/> column.</summary>
    public RawCommand With<TEntity>(AppDbContext db, string name, string property, object? value) =>
        With(RawSql.MappingOf(db, typeof(TEntity), property), name, value, nullable: true);

    /// <summary>Binds <paramref name="value"/> as <paramref name="name"/> with the column type <paramref name="mapping"/>.</summary>
    public RawCommand With(RelationalTypeMapping mapping, string name, object? value, bool nullable)
    {
        var parameters = Inner.Parameters;
        if (_bound < parameters.Count)
        {
            var kept = parameters[_bound];
            Debug.Assert(kept.ParameterName == name, $"Parameter {_bound} of a kept command is {kept.ParameterName}, not {name}: bind in the same order each time.");
            // What CreateParameter does with the value; the type it configured stays.
            kept.Value = (mapping.Converter is { } converter ? converter.ConvertToProvider(value) : value) ?? DBNull.Value;
        }
        else
        {
            parameters.Add(mapping.CreateParameter(Inner, name, value, nullable));
        }
        _bound++;
        return this;
    }

    /// <summary>Binds a parameter the caller built (a PostgreSQL array, say); on a kept command only its value is taken.</summary>
    public RawCommand With(DbParameter parameter)
    {
        var parameters = Inner.Parameters;
        if (_bound < parameters.Count) parameters[_bound].Value = parameter.Value;
        else parameters.Add(parameter);
        _bound++;
        return this;
    }

    public async Task<int> ExecuteAsync(CancellationToken ct)
    {
        try
        {
            await RawSql.FlushAsync(Inner.Connection, Inner.Transaction, ct);
            return await Ready().ExecuteNonQueryAsync(ct);
        }
        finally
        {
            RawSql.Return(this);
        }
    }

    /// <summary>
    /// A write whose row count nobody reads (an insert, a counter's update): on a connection that queues writes it waits
    /// to travel with the next statement (<see cref="RawSql.FlushAsync(AppDbContext, CancellationToken, string[])"/>);
    /// elsewhere it runs now. Either way it is ordered before every later statement on the connection.
    /// </summary>
    public Task ExecuteOrQueueAsync(CancellationToken ct)
    {
        Ready();
        return RawSql.TryQueue(this) ? Task.CompletedTask : ExecuteAsync(ct);
    }

    public async Task<object?> ScalarAsync(CancellationToken ct)
    {
        try
        {
            await RawSql.FlushAsync(Inner.Connection, Inner.Transaction, ct);
            return await Ready().ExecuteScalarAsync(ct);
        }
        finally
        {
            RawSql.Return(this);
        }
    }

    /// <summary>
    /// Runs the query and maps each row with <paramref name="row"/>; the command goes back to its connection's cache.
    /// <paramref name="skipResults"/> passes over the result sets of statements sent before it in the same command (a
    /// lock taken in the same round trip, say).
    /// </summary>
    public async Task<List<T>> ReadAllAsync<T>(Func<DbDataReader, T> row, CancellationToken ct, int skipResults = 0)
    {
        var rows = new List<T>();
        try
        {
            await RawSql.FlushAsync(Inner.Connection, Inner.Transaction, ct);
            await using var reader = await Ready().ExecuteReaderAsync(ct);
            for (var i = 0; i < skipResults; i++) await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add(row(reader));
        }
        finally
        {
            RawSql.Return(this);
        }
        return rows;
    }

    /// <summary>The command with exactly the parameters this use bound.</summary>
    private DbCommand Ready()
    {
        var parameters = Inner.Parameters;
        while (parameters.Count > _bound) parameters.RemoveAt(parameters.Count - 1);
        return Inner;
    }
}

/// <summary>
/// Sends the writes a kept connection has queued (<see cref="RawCommand.ExecuteOrQueueAsync"/>) before EF runs a command
/// of its own there, so a query or SaveChanges inside a unit sees, and follows, every write the unit made before it.
/// </summary>
internal sealed class QueuedWritesFirst : DbCommandInterceptor
{
    public static readonly QueuedWritesFirst Instance = new();

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await RawSql.FlushAsync(command.Connection, command.Transaction, cancellationToken);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        await RawSql.FlushAsync(command.Connection, command.Transaction, cancellationToken);
        return result;
    }

    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result,
        CancellationToken cancellationToken = default)
    {
        await RawSql.FlushAsync(command.Connection, command.Transaction, cancellationToken);
        return result;
    }

    // The writer runs asynchronously; a synchronous command on its connection is still ordered after the queue.
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        RawSql.FlushAsync(command.Connection, command.Transaction, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        RawSql.FlushAsync(command.Connection, command.Transaction, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        RawSql.FlushAsync(command.Connection, command.Transaction, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }
}

/// <summary>Sends the writes still queued on a kept connection before its transaction commits, so none is lost.</summary>
internal sealed class QueuedWritesBeforeCommit : DbTransactionInterceptor
{
    public static readonly QueuedWritesBeforeCommit Instance = new();

    public override async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData,
        InterceptionResult result, CancellationToken cancellationToken = default)
    {
        await RawSql.FlushAsync(transaction.Connection, transaction, cancellationToken);
        return result;
    }

    public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        RawSql.FlushAsync(transaction.Connection, transaction, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }
}
