using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace TokensForge.Core.Data;

/// <summary>
/// Inserts many rows of one entity type with multi-row INSERT statements inside the caller's open transaction,
/// bypassing change tracking. Parameters are made by EF's own type mappings (value converters included), so the
/// stored values are exactly what <c>SaveChanges</c> would store.
/// </summary>
internal static class BulkInsert
{
    /// <summary>Rows per statement: SQLite looks bound parameters up by name one by one, so statements stay small.</summary>
    private const int RowsPerStatement = 100;

    public static async Task InsertAsync<T>(AppDbContext db, IReadOnlyList<T> rows, CancellationToken ct = default) where T : class
    {
        if (rows.Count == 0) return;
        var transaction = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("A bulk insert runs inside the caller's transaction.");
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not an entity.");
        var properties = entity.GetProperties().Where(p => p.PropertyInfo is not null).ToArray();
        var columns = string.Join(", ", properties.Select(p => $"\"{p.GetColumnName()}\""));
        var table = entity.GetTableName();

        foreach (var chunk in rows.Chunk(RowsPerStatement))
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = transaction.GetDbTransaction();
            var values = new List<string>(chunk.Length);
            for (var r = 0; r < chunk.Length; r++)
            {
                var names = new string[properties.Length];
                for (var c = 0; c < properties.Length; c++)
                {
                    names[c] = $"@p{r}_{c}";
                    var property = properties[c];
                    command.Parameters.Add(property.GetRelationalTypeMapping().CreateParameter(command, names[c], property.PropertyInfo!.GetValue(chunk[r]), property.IsNullable));
                }
                values.Add($"({string.Join(", ", names)})");
            }
            command.CommandText = $"INSERT INTO \"{table}\" ({columns}) VALUES {string.Join(", ", values)}";
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
