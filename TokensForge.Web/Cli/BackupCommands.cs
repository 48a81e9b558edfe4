using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Web.Extensions;

namespace TokensForge.Web.Cli;

/// <summary>
/// <c>backup --out FILE</c> and <c>restore --from FILE [--replace]</c> for the SQLite database, with SQLite's online
/// backup API: a backup is a consistent copy even while the app keeps writing. PostgreSQL is backed up with its own
/// tools (<c>pg_dump</c>, <c>pg_restore</c>). A restore is followed by <c>ledger verify</c> and <c>audit verify</c> on what
/// it restored; the app must be stopped while it runs (every instance), since it replaces the database under it.
/// </summary>
public static class BackupCommands
{
    public static bool IsCommand(string[] args) =>
        args.Length > 0 && (string.Equals(args[0], "backup", StringComparison.OrdinalIgnoreCase) || string.Equals(args[0], "restore", StringComparison.OrdinalIgnoreCase));

    public static async Task<int> RunAsync(string[] args, TextWriter output, IDictionary<string, string?>? configuration)
    {
        var parsed = new CliArguments(args);
        try
        {
            var database = DatabaseOf(configuration);
            if (database is null)
            {
                await output.WriteLineAsync("postgres_backup: on PostgreSQL use its own tools: pg_dump --format=custom --file=FILE DATABASE to back up, "
                    + "pg_restore --clean --if-exists --dbname=DATABASE FILE to restore (with every instance stopped), then ledger verify and audit verify.");
                return 2;
            }
            return string.Equals(parsed.Words[0], "backup", StringComparison.OrdinalIgnoreCase)
                ? await BackupAsync(database, parsed, output)
                : await RestoreAsync(database, parsed, args.Contains("--replace", StringComparer.OrdinalIgnoreCase), output, configuration);
        }
        catch (CliException ex)
        {
            await output.WriteLineAsync($"{ex.Code}: {ex.Message}");
            return 2;
        }
        catch (SqliteException ex)
        {
            await output.WriteLineAsync($"sqlite_error: {ex.Message}");
            return 2;
        }
    }

    private static async Task<int> BackupAsync(string database, CliArguments args, TextWriter output)
    {
        var target = Path.GetFullPath(args.Required("out"));
        if (File.Exists(target)) throw new CliException("file_exists", $"{target} exists already; choose a new file for the backup.");
        if (!File.Exists(database)) throw new CliException("no_database", $"there is no database at {database} to back up.");
        await using (var source = Open(database, SqliteOpenMode.ReadOnly))
        await using (var copy = Open(target, SqliteOpenMode.ReadWriteCreate))
        {
            source.BackupDatabase(copy);
            await RequireIntactAsync(copy, target);
        }
        await output.WriteLineAsync($"backup written: {target} ({new FileInfo(target).Length} bytes, integrity ok)");
        return 0;
    }

    private static async Task<int> RestoreAsync(string database, CliArguments args, bool replace, TextWriter output, IDictionary<string, string?>? configuration)
    {
        var source = Path.GetFullPath(args.Required("from"));
        if (!File.Exists(source)) throw new CliException("file_not_found", $"there is no backup at {source}.");
        if (File.Exists(database) && new FileInfo(database).Length > 0 && !replace)
            throw new CliException("database_exists", $"{database} holds a database; add --replace to overwrite it with the backup (stop every instance first).");
        await using (var backup = Open(source, SqliteOpenMode.ReadOnly))
        {
            await RequireIntactAsync(backup, source);
            // SQLite reads a stray or empty file as an empty database: restoring that would wipe the live one.
            await using (var tables = backup.CreateCommand())
            {
                tables.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsHistory'";
                if (await tables.ExecuteScalarAsync() is not 1L) throw new CliException("not_a_backup", $"{source} is not a Tokens Forge database.");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(database)!);
            await using var live = Open(database, SqliteOpenMode.ReadWriteCreate);
            backup.BackupDatabase(live);
        }
        SqliteConnection.ClearAllPools();
        await output.WriteLineAsync($"restored {database} from {source}");

        // What was restored must still balance and its audit chain must hold; migrations bring an older backup up to date first.
        var ledger = await OpsCli.RunAsync(["ledger", "verify"], output, configuration);
        var audit = await OpsCli.RunAsync(["audit", "verify"], output, configuration);
        return ledger == 0 && audit == 0 ? 0 : 1;
    }

    /// <summary>The SQLite file the configuration names (resolved as the app resolves it), or null on PostgreSQL.</summary>
    private static string? DatabaseOf(IDictionary<string, string?>? configuration)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        if (configuration is not null) builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddLogging();
        builder.Services.AddTokensForgeData(builder.Configuration, builder.Environment.ContentRootPath);
        using var services = builder.Services.BuildServiceProvider();
        using var db = services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();
        return db.IsPostgres ? null : new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static async Task RequireIntactAsync(SqliteConnection connection, string path)
    {
        await using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        if (await check.ExecuteScalarAsync() is not "ok") throw new CliException("backup_damaged", $"{path} fails SQLite's integrity check.");
    }
}
