using System.Collections.Concurrent;
using System.Data.Common;
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
internal static class RawSql
{
    private static readonly ConcurrentDictionary<(IModel, Type, string), RelationalTypeMapping> Mappings = new();

    public static DbCommand Command(AppDbContext db, string sql)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        return command;
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
        await using (command) return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A UTC time read back from a column (SQLite hands times back unspecified).</summary>
    public static DateTime GetUtc(this DbDataReader reader, int ordinal) => DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);

    public static DateTime? GetUtcOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetUtc(ordinal);

    public static string? GetStringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static Guid? GetGuidOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetGuid(ordinal);
}
