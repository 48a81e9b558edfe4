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
        public readonly ConcurrentDictionary<(int Rows, string Prefix), (string Sql, string[] Names)> Statements = new();

        public Table(IEntityType entity)
        {
            _entity = entity;
            Properties = entity.GetProperties().Where(p => p.PropertyInfo is not null || p.FieldInfo is not null).ToArray();
            Mappings = Properties.Select(p => p.GetRelationalTypeMapping()).ToArray();
            Getters = Properties.Select(p => p.GetGetter()).ToArray();
        }

        public int RowsPerStatement => Math.Max(1, Math.Min(100, ParametersPerStatement / Properties.Length));

        /// <summary>The insert of <paramref name="rows"/> rows, its parameters named <paramref name="prefix"/>0, 1, … (unique within one command).</summary>
        public (string Sql, string[] Names) StatementFor(int rows, string prefix = "@p") => Statements.GetOrAdd((rows, prefix), key =>
        {
            var n = key.Rows;
            var names = new string[n * Properties.Length];
            for (var i = 0; i < names.Length; i++) names[i] = $"{key.Prefix}{i}";
            var columns = string.Join(", ", Properties.Select(p => $"\"{p.GetColumnName()}\""));
            var values = string.Join(", ", Enumerable.Range(0, n).Select(r => $"({string.Join(", ", names.Skip(r * Properties.Length).Take(Properties.Length))})"));
            return ($"INSERT INTO \"{_entity.GetTableName()}\" ({columns}) VALUES {values}", names);
        });
    }

    private static readonly ConcurrentDictionary<(IModel, Type), Table> Tables = new();

    public static async Task InsertAsync<T>(AppDbContext db, IReadOnlyList<T> rows, CancellationToken ct = default) where T : class
    {
        if (rows.Count == 0) return;
        var table = TableOf<T>(db);
        var perStatement = table.RowsPerStatement;
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            var count = Math.Min(perStatement, rows.Count - start);
            var (sql, names) = table.StatementFor(count);
            var command = RawSql.Command(db, sql);
            Bind(command, table, rows, start, count, names);
            await command.ExecuteOrQueueAsync(ct);
        }
    }

    /// <summary>
    /// Rows of three tables in one command, so one round trip (the receipt, its attempts and its paid-by parts on every
    /// request). Parents come first, as their foreign keys need. Lists too long for one statement go one by one.
    /// </summary>
    public static async Task InsertAsync<T1, T2, T3>(AppDbContext db, IReadOnlyList<T1> first, IReadOnlyList<T2> second, IReadOnlyList<T3> third,
        CancellationToken ct = default) where T1 : class where T2 : class where T3 : class
    {
        var (a, b, c) = (TableOf<T1>(db), TableOf<T2>(db), TableOf<T3>(db));
        // Where writes are queued (PostgreSQL's writer) the three go in one round trip anyway, and a queued statement holds one SQL statement.
        if (first.Count > a.RowsPerStatement || second.Count > b.RowsPerStatement || third.Count > c.RowsPerStatement || RawSql.Queues(db))
        {
            await InsertAsync(db, first, ct);
            await InsertAsync(db, second, ct);
            await InsertAsync(db, third, ct);
            return;
        }
        var parts = new List<(string Sql, string[] Names)>(3);
        if (first.Count > 0) parts.Add(a.StatementFor(first.Count, "@a"));
        if (second.Count > 0) parts.Add(b.StatementFor(second.Count, "@b"));
        if (third.Count > 0) parts.Add(c.StatementFor(third.Count, "@c"));
        if (parts.Count == 0) return;
        var command = RawSql.Command(db, Combined.GetOrAdd((parts[0].Sql, parts.Count > 1 ? parts[1].Sql : "", parts.Count > 2 ? parts[2].Sql : ""),
            static k => string.Join(";\n", new[] { k.Item1, k.Item2, k.Item3 }.Where(t => t.Length > 0))));
        var next = 0;
        if (first.Count > 0) Bind(command, a, first, 0, first.Count, parts[next++].Names);
        if (second.Count > 0) Bind(command, b, second, 0, second.Count, parts[next++].Names);
        if (third.Count > 0) Bind(command, c, third, 0, third.Count, parts[next].Names);
        await command.ExecuteOrQueueAsync(ct);
    }

    /// <summary>The combined texts, built once per shape: they are the keys of the kept commands.</summary>
    private static readonly ConcurrentDictionary<(string, string, string), string> Combined = new();

    private static Table TableOf<T>(AppDbContext db) where T : class
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("A bulk insert runs inside the caller's transaction.");
        return Tables.GetOrAdd((db.Model, typeof(T)), static key =>
            new Table(key.Item1.FindEntityType(key.Item2) ?? throw new InvalidOperationException($"{key.Item2.Name} is not an entity.")));
    }

    private static void Bind<T>(RawCommand command, Table table, IReadOnlyList<T> rows, int start, int count, string[] names) where T : class
    {
        var (properties, mappings, getters) = (table.Properties, table.Mappings, table.Getters);
        for (var r = 0; r < count; r++)
        {
            var row = rows[start + r];
            for (var c = 0; c < properties.Length; c++)
                command.With(mappings[c], names[r * properties.Length + c], getters[c].GetClrValueUsingContainingEntity(row), properties[c].IsNullable);
        }
    }
}
