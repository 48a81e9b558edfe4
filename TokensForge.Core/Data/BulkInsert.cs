using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace TokensForge.Core.Data;

/// <summary>
/// Inserts rows of one entity type with multi-row INSERT statements inside the caller's open transaction, bypassing
/// change tracking: for bulk work (a batch of redeem codes) and for the receipt on every request's hot path, where EF's
/// SaveChanges (graph attach, command batching) cost more than the insert itself. Parameters are made by EF's own type
/// mappings (value converters included), so the stored values are exactly what <c>SaveChanges</c> would store.
/// </summary>
internal static class BulkInsert
{
    /// <summary>SQLite looks bound parameters up by name one by one, so statements stay small.</summary>
    private const int ParametersPerStatement = 900;

    /// <summary>What an insert into one table needs, read from the model once.</summary>
    private sealed class Table
    {
        private readonly IEntityType _entity;
        public readonly IProperty[] Properties;
        public readonly RelationalTypeMapping[] Mappings;
        public readonly IClrPropertyGetter[] Getters;
        public readonly ConcurrentDictionary<int, (string Sql, string[] Names)> Statements = new();

        public Table(IEntityType entity)
        {
            _entity = entity;
            Properties = entity.GetProperties().Where(p => p.PropertyInfo is not null || p.FieldInfo is not null).ToArray();
            Mappings = Properties.Select(p => p.GetRelationalTypeMapping()).ToArray();
            Getters = Properties.Select(p => p.GetGetter()).ToArray();
        }

        public int RowsPerStatement => Math.Max(1, Math.Min(100, ParametersPerStatement / Properties.Length));

        public (string Sql, string[] Names) StatementFor(int rows) => Statements.GetOrAdd(rows, n =>
        {
            var names = new string[n * Properties.Length];
            for (var i = 0; i < names.Length; i++) names[i] = $"@p{i}";
            var columns = string.Join(", ", Properties.Select(p => $"\"{p.GetColumnName()}\""));
            var values = string.Join(", ", Enumerable.Range(0, n).Select(r => $"({string.Join(", ", names.Skip(r * Properties.Length).Take(Properties.Length))})"));
            return ($"INSERT INTO \"{_entity.GetTableName()}\" ({columns}) VALUES {values}", names);
        });
    }

    private static readonly ConcurrentDictionary<(IModel, Type), Table> Tables = new();

    public static async Task InsertAsync<T>(AppDbContext db, IReadOnlyList<T> rows, CancellationToken ct = default) where T : class
    {
        if (rows.Count == 0) return;
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("A bulk insert runs inside the caller's transaction.");
        var table = Tables.GetOrAdd((db.Model, typeof(T)), static key =>
            new Table(key.Item1.FindEntityType(key.Item2) ?? throw new InvalidOperationException($"{key.Item2.Name} is not an entity.")));
        var (properties, mappings, getters) = (table.Properties, table.Mappings, table.Getters);
        var perStatement = table.RowsPerStatement;
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            var count = Math.Min(perStatement, rows.Count - start);
            var (sql, names) = table.StatementFor(count);
            var command = RawSql.Command(db, sql);
            for (var r = 0; r < count; r++)
            {
                var row = rows[start + r];
                for (var c = 0; c < properties.Length; c++)
                {
                    command.Parameters.Add(mappings[c].CreateParameter(command, names[r * properties.Length + c], getters[c].GetClrValueUsingContainingEntity(row),
                        properties[c].IsNullable));
                }
            }
            await command.ExecuteAsync(ct);
        }
    }
}
