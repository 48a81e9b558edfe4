using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Data;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Data;

/// <summary>Every SQLite connection is set up from the <c>Database</c> options, not from literals.</summary>
public sealed class SqlitePragmaTests
{
    [Theory]
    [InlineData(null, 1L)]
    [InlineData("Normal", 1L)]
    [InlineData("Full", 2L)]
    public async Task NewConnection_UsesTheConfiguredSynchronousModeAndBusyTimeout(string? synchronous, long expectedSynchronous)
    {
        var directory = Path.Combine(Path.GetTempPath(), "tf-tests", Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Default"] = $"Data Source={Path.Combine(directory, "pragmas.db")}",
            ["Database:SqliteBusyTimeoutSeconds"] = "7",
            ["Database:SqliteSynchronous"] = synchronous,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var services = new ServiceCollection().AddTokensForgeData(configuration, directory).BuildServiceProvider();
        try
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();

            Assert.Equal(expectedSynchronous, await ScalarAsync(db, "PRAGMA synchronous"));
            Assert.Equal(7_000L, await ScalarAsync(db, "PRAGMA busy_timeout"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3601")]
    public async Task BusyTimeoutOutOfRange_IsRefusedBeforeTheDatabaseIsTouched(string seconds)
    {
        using var cli = new CliDatabase();
        cli.Settings["Database:SqliteBusyTimeoutSeconds"] = seconds;

        var (exit, output) = await cli.RunAsync("ledger", "verify");

        Assert.Equal(2, exit);
        Assert.Contains("SqliteBusyTimeoutSeconds", output);
        Assert.False(File.Exists(cli.DatabasePath), "the database was opened with a busy timeout the options refuse");
    }

    private static async Task<long> ScalarAsync(AppDbContext db, string sql)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
