using Npgsql;

namespace TokensForge.Tests.Infrastructure;

/// <summary>A fresh, empty PostgreSQL database on the <c>TF_PG</c> server for one test, dropped on dispose.</summary>
public sealed class PostgresScratch : IAsyncDisposable
{
    private readonly string _server;
    private readonly string _database;

    private PostgresScratch(string server, string database, string connectionString)
    {
        _server = server;
        _database = database;
        ConnectionString = connectionString;
    }

    /// <summary>Connection string of the new database.</summary>
    public string ConnectionString { get; }

    /// <param name="createDatabase">False names a database that does not exist yet, for the app to create.</param>
    public static async Task<PostgresScratch> CreateAsync(bool createDatabase = true)
    {
        var server = TestDatabase.PostgresServer ?? throw new InvalidOperationException("TF_PG is not set.");
        var database = "tf_test_" + Guid.NewGuid().ToString("N")[..16];
        if (createDatabase)
        {
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new PostgresScratch(server, database, new NpgsqlConnectionStringBuilder(server) { Database = database }.ToString());
    }

    /// <summary>The settings that point an app at this database.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Database:Provider"] = "Postgres",
        ["ConnectionStrings:Default"] = ConnectionString,
    };

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_server);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
