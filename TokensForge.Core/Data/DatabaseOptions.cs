using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Data;

/// <summary>Which database engine backs the product.</summary>
public enum DatabaseProvider
{
    /// <summary>An embedded SQLite file in WAL mode: the default, one instance.</summary>
    Sqlite,

    /// <summary>PostgreSQL through Npgsql: several instances can share it.</summary>
    Postgres,
}

/// <summary>How often SQLite waits for the disk to confirm a commit (<c>PRAGMA synchronous</c>).</summary>
public enum SqliteSynchronous
{
    /// <summary>Under WAL, a commit survives a crash of the process; a power loss may drop the last commits. Fast.</summary>
    Normal,

    /// <summary>Every commit is on disk before it returns, so it survives a power loss too. Slower writes.</summary>
    Full,
}

/// <summary>The <c>Database</c> configuration section; the connection string is <c>ConnectionStrings:Default</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>The connection string used when <c>ConnectionStrings:Default</c> is not set: a SQLite file under the content root.</summary>
    public const string DefaultSqliteConnectionString = "Data Source=App_Data/tokensforge.db";

    /// <summary><c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations at start-up. Default true.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>How long a SQLite writer waits for the write lock before failing. Default 30 seconds.</summary>
    [Range(1, 3600)]
    public int SqliteBusyTimeoutSeconds { get; set; } = 30;

    /// <summary><c>Normal</c> (default) or <c>Full</c> for commits that survive a power loss; see <see cref="Data.SqliteSynchronous"/>.</summary>
    [EnumDataType(typeof(SqliteSynchronous))]
    public SqliteSynchronous SqliteSynchronous { get; set; } = SqliteSynchronous.Normal;

    /// <summary>
    /// Commit the write transactions of concurrent requests together: one writer per process applies many units of
    /// work in one database transaction, each behind its own savepoint, so one unit's refusal or failure undoes only
    /// its own writes. Nothing is answered before its transaction commits. Default true.
    /// </summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>At most this many units of work share one transaction. Default 128.</summary>
    [Range(1, 10_000)]
    public int GroupCommitMaxBatch { get; set; } = 128;
}
