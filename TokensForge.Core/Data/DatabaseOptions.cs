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
}
