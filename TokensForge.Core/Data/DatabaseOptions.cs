namespace TokensForge.Core.Data;

/// <summary>Which database engine backs the product.</summary>
public enum DatabaseProvider
{
    /// <summary>An embedded SQLite file in WAL mode: the default, one instance.</summary>
    Sqlite,

    /// <summary>PostgreSQL through Npgsql: several instances can share it.</summary>
    Postgres,
}

/// <summary>The <c>Database</c> configuration section; the connection string is <c>ConnectionStrings:Default</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations at start-up. Default true.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>How long a SQLite writer waits for the write lock before failing. Default 30 seconds.</summary>
    public int SqliteBusyTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Commit the write transactions of concurrent requests together: one writer per process applies many units of
    /// work in one database transaction, each behind its own savepoint, so one unit's refusal or failure undoes only
    /// its own writes. Nothing is answered before its transaction commits. Default true.
    /// </summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>At most this many units of work share one transaction. Default 128.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int GroupCommitMaxBatch { get; set; } = 128;
}
