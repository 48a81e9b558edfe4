using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
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
/// to the native connection, which the pool may hand to someone else.
/// </remarks>
internal static class RawSql
{
    /// <summary>At most this many commands are kept per connection; the hot path uses about twenty distinct texts.</summary>
    private const int CommandsPerConnection = 128;

    private static readonly ConcurrentDictionary<(IModel, Type, string), RelationalTypeMapping> Mappings = new();
    private static readonly ConditionalWeakTable<DbConnection, Dictionary<string, DbCommand>> Kept = new();

    public static DbCommand Command(AppDbContext db, string sql)
    {
        var connection = db.Database.GetDbConnection();
        if (Kept.TryGetValue(connection, out var kept) && kept.Remove(sql, out var command))
        {
            command.Parameters.Clear();
        }
        else
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
        }
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        return command;
    }

    /// <summary>Keeps the commands run on <paramref name="connection"/> for reuse, until <see cref="ForgetCommands"/>; it must stay open till then.</summary>
    public static void KeepCommands(DbConnection connection) => Kept.AddOrUpdate(connection, new Dictionary<string, DbCommand>(StringComparer.Ordinal));

    /// <summary>Disposes the commands kept for <paramref name="connection"/> and keeps no more.</summary>
    public static void ForgetCommands(DbConnection connection)
    {
        if (!Kept.TryGetValue(connection, out var kept)) return;
        Kept.Remove(connection);
        foreach (var command in kept.Values) command.Dispose();
    }

    /// <summary>Gives a command from <see cref="Command"/> back to its connection's cache (or disposes it when the cache is full).</summary>
    public static void Return(DbCommand command)
    {
        if (command.Connection is { } connection && Kept.TryGetValue(connection, out var kept) && kept.Count < CommandsPerConnection
            && kept.TryAdd(command.CommandText, command))
        {
            command.Transaction = null;
            return;
        }
        command.Dispose();
    }

    /// <summary>Adds <paramref name="value"/> as <paramref name="name"/>, typed like <typeparamref name="TEntity"/>'s <paramref name="property"/> column.</summary>
    public static DbCommand With<TEntity>(this DbCommand command, AppDbContext db, string name, string property, object? value)
    {
        var mapping = Mappings.GetOrAdd((db.Model, typeof(TEntity), property), static key =>
            key.Item1.FindEntityType(key.Item2)?.FindProperty(key.Item3)?.GetRelationalTypeMapping()
            ?? throw new InvalidOperationException($"{key.Item2.Name}.{key.Item3} is not a mapped column."));
        command.Parameters.Add(mapping.CreateParameter(command, name, value, nullable: true));
        return command;
    }

    public static async Task<int> ExecuteAsync(this DbCommand command, CancellationToken ct)
    {
        try
        {
            return await command.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            Return(command);
        }
    }

    public static async Task<object?> ScalarAsync(this DbCommand command, CancellationToken ct)
    {
        try
        {
            return await command.ExecuteScalarAsync(ct);
        }
        finally
        {
            Return(command);
        }
    }

    /// <summary>
    /// Runs the query and maps each row with <paramref name="row"/>; the command goes back to its connection's cache.
    /// <paramref name="skipResults"/> passes over the result sets of statements sent before it in the same command (a
    /// lock taken in the same round trip, say).
    /// </summary>
    public static async Task<List<T>> ReadAllAsync<T>(this DbCommand command, Func<DbDataReader, T> row, CancellationToken ct, int skipResults = 0)
    {
        var rows = new List<T>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            for (var i = 0; i < skipResults; i++) await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add(row(reader));
        }
        finally
        {
            Return(command);
        }
        return rows;
    }

    /// <summary>A UTC time read back from a column (SQLite hands times back unspecified).</summary>
    public static DateTime GetUtc(this DbDataReader reader, int ordinal) => DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);

    public static DateTime? GetUtcOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetUtc(ordinal);

    public static string? GetStringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static Guid? GetGuidOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetGuid(ordinal);
}
