using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using TokensForge.Core;
using TokensForge.Core.Data;

namespace TokensForge.Tests.Infrastructure;

/// <summary>Which real database a test runs on.</summary>
public enum TestProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A real, migrated database for one test: a fresh SQLite file (separate connections, WAL) or, when
/// <c>TF_PG</c> holds a connection string, a fresh PostgreSQL database. Services are the production
/// registrations with a <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _directory;
    private readonly string? _pgDatabase;

    private TestDatabase(ServiceProvider services, FakeTimeProvider time, string? directory, string? pgDatabase, IReadOnlyDictionary<string, string?> settings)
    {
        Services = services;
        Time = time;
        _directory = directory;
        _pgDatabase = pgDatabase;
        Settings = settings;
    }

    /// <summary>The database settings (provider and connection string), for another process or provider on the same database.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    public string ConnectionString => Settings["ConnectionStrings:Default"]!;

    public ServiceProvider Services { get; }
    public FakeTimeProvider Time { get; }

    /// <summary>The PostgreSQL connection string of the test server, or null when PostgreSQL tests are skipped.</summary>
    public static string? PostgresServer => Environment.GetEnvironmentVariable("TF_PG") is { Length: > 0 } cs ? cs : null;

    /// <param name="sqliteFile">An existing SQLite file to open (another process's database, say) instead of a fresh one; it is left in place.</param>
    /// <param name="time">The clock; a fixed day in 2026 when not given.</param>
    public static async Task<TestDatabase> CreateAsync(TestProvider provider = TestProvider.Sqlite, Action<IServiceCollection>? configure = null,
        string? sqliteFile = null, FakeTimeProvider? time = null)
    {
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        string? directory = null, pgDatabase = null;
        var settings = new Dictionary<string, string?>();
        if (provider == TestProvider.Postgres)
        {
            var server = PostgresServer ?? throw new InvalidOperationException("TF_PG is not set.");
            pgDatabase = "tf_test_" + Guid.NewGuid().ToString("N")[..16];
            await using (var admin = new NpgsqlConnection(server))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {pgDatabase}", admin);
                await create.ExecuteNonQueryAsync();
            }
            settings["Database:Provider"] = "Postgres";
            settings["ConnectionStrings:Default"] = new NpgsqlConnectionStringBuilder(server) { Database = pgDatabase, MaxPoolSize = 250 }.ToString();
        }
        else if (sqliteFile is not null)
        {
            settings["Database:Provider"] = "Sqlite";
            settings["ConnectionStrings:Default"] = $"Data Source={sqliteFile}";
        }
        else
        {
            directory = Path.Combine(Path.GetTempPath(), "tf-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            settings["Database:Provider"] = "Sqlite";
            settings["ConnectionStrings:Default"] = $"Data Source={Path.Combine(directory, "test.db")}";
        }

        return new TestDatabase(await BuildAsync(settings, time, directory, configure), time, directory, pgDatabase, settings);
    }

    /// <summary>Production services of a second "instance" on this database (its own pools and caches); disposing it leaves the database.</summary>
    public async Task<TestDatabase> AttachAsync() =>
        new(await BuildAsync(Settings, Time, _directory, null), Time, null, null, Settings);

    private static async Task<ServiceProvider> BuildAsync(IReadOnlyDictionary<string, string?> settings, FakeTimeProvider time, string? directory,
        Action<IServiceCollection>? configure)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(time);
        services.AddTokensForgeData(configuration, directory ?? Path.GetTempPath());
        services.AddTokensForgeCore();
        configure?.Invoke(services);
        var provider_ = services.BuildServiceProvider();
        await provider_.GetRequiredService<DatabaseInitializer>().MigrateAsync();
        return provider_;
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public AppDbContext NewContext() => Get<IDbContextFactory<AppDbContext>>().CreateDbContext();

    /// <summary>Inserts an Identity user row directly (tests that need a wallet owner, not a login).</summary>
    public async Task<string> AddUserAsync(string? email = null)
    {
        email ??= $"user-{Guid.NewGuid():N}@test.local";
        await using var db = NewContext();
        var user = new Core.Users.ApplicationUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), NormalizedUserName = email.ToUpperInvariant() };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_directory is not null)
        {
            try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        }
        if (_pgDatabase is not null && PostgresServer is { } server)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_pgDatabase} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
