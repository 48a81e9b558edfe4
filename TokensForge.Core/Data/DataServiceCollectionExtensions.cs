using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TokensForge.Core.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IDbContextFactory{AppDbContext}"/> (and a scoped <see cref="AppDbContext"/> for Identity)
    /// on the provider named by <c>Database:Provider</c>. A relative SQLite path is resolved against <paramref name="contentRoot"/>.
    /// Contexts are pooled: every gateway request opens two, and building one from scratch costs more than its statements.
    /// </summary>
    public static IServiceCollection AddTokensForgeData(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        // The provider decides which context factory is registered, so it is read now; every other setting comes from
        // the bound, validated options when the first context is built (the CLI never starts the host, so
        // ValidateOnStart alone would not guard it). Bound from this configuration rather than from the container's,
        // so a container built without one (the CLI's tools, tests) sees the same values.
        var provider = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        // The Identity tables are part of this model: whoever builds the context must see the same store schema.
        services.Configure<Microsoft.AspNetCore.Identity.IdentityOptions>(IdentityStore.Configure);
        var connectionString = configuration.GetConnectionString("Default");

        if (provider == DatabaseProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
                throw new InvalidOperationException("Database:Provider is Postgres but ConnectionStrings:Default is empty. Set it to an Npgsql connection string.");
            services.AddPooledDbContextFactory<PostgresAppDbContext>(o => o.UseNpgsql(connectionString).AddInterceptors(QueuedWritesFirst.Instance, QueuedWritesBeforeCommit.Instance));
            services.AddSingleton<IDbContextFactory<AppDbContext>, UpcastFactory<PostgresAppDbContext>>();
        }
        else
        {
            services.AddPooledDbContextFactory<SqliteAppDbContext>((sp, o) =>
            {
                var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
                var sqlite = SqliteConnectionString(connectionString ?? DatabaseOptions.DefaultSqliteConnectionString, contentRoot, options.SqliteBusyTimeoutSeconds);
                o.UseSqlite(sqlite).AddInterceptors(new SqlitePragmas(options));
            });
            services.AddSingleton<IDbContextFactory<AppDbContext>, UpcastFactory<SqliteAppDbContext>>();
        }
        services.AddScoped<AppDbContext>(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        services.AddSingleton<DatabaseInitializer>();
        services.AddMetrics();
        services.AddSingleton<CommitMetrics>();
        services.AddSingleton<WriteTransaction>();
        services.AddKeyRing(configuration);
        return services;
    }

    internal static string SqliteConnectionString(string raw, string contentRoot, int busyTimeoutSeconds)
    {
        var builder = new SqliteConnectionStringBuilder(raw) { DefaultTimeout = busyTimeoutSeconds, Pooling = true };
        if (builder.DataSource is { Length: > 0 } path && path != ":memory:" && !builder.DataSource.StartsWith("file:", StringComparison.Ordinal)
            && builder.Mode != SqliteOpenMode.Memory && !Path.IsPathRooted(path))
            builder.DataSource = Path.GetFullPath(Path.Combine(contentRoot, path));
        if (Path.GetDirectoryName(builder.DataSource) is { Length: > 0 } dir && builder.Mode != SqliteOpenMode.Memory) Directory.CreateDirectory(dir);
        return builder.ToString();
    }

    private sealed class UpcastFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<AppDbContext> where T : AppDbContext
    {
        public AppDbContext CreateDbContext() => inner.CreateDbContext();
    }

    /// <summary>Per-connection SQLite settings: wait for the write lock instead of failing, sync as configured, enforce foreign keys, journal savepoints in memory.</summary>
    private sealed class SqlitePragmas(DatabaseOptions options) : DbConnectionInterceptor
    {
        private readonly string _pragmas = $"PRAGMA busy_timeout = {options.SqliteBusyTimeoutSeconds * 1000}; " +
            $"PRAGMA synchronous = {(options.SqliteSynchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL")}; PRAGMA foreign_keys = ON; " +
            // Each unit of a group commit runs behind a savepoint, and a savepoint journals the original of every page it
            // touches first: in a temporary file that is a write system call per page, about 100 KB per unit.
            "PRAGMA temp_store = MEMORY;";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            command.ExecuteNonQuery();
        }
    }
}

/// <summary>Applies migrations (and switches SQLite to WAL) before anything else touches the database.</summary>
public sealed class DatabaseInitializer(IDbContextFactory<AppDbContext> contexts)
{
    /// <summary>The PostgreSQL advisory lock every instance takes to prepare the database ("TFSTARTU").</summary>
    internal const long StartupLockKey = 0x5446_5354_4152_5455;

    /// <summary>
    /// Runs <paramref name="prepare"/> (migrations, roles, the first admin, seed data) while no other instance does:
    /// on PostgreSQL under a session advisory lock, so instances started together on an empty database take turns and
    /// each later one finds the work done. SQLite serialises writers itself, and migrations take EF Core's own lock.
    /// </summary>
    public async Task RunExclusiveAsync(Func<Task> prepare, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!db.IsPostgres)
        {
            await prepare();
            return;
        }
        // The lock lives in the database, so the database must exist first; two instances may race to create it.
        var creator = db.GetService<Microsoft.EntityFrameworkCore.Storage.IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(ct))
        {
            try
            {
                await creator.CreateAsync(ct);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // The other instance created it first.
            }
        }
        // The lock belongs to this connection's session: keep it open until the work is done.
        await db.Database.OpenConnectionAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({StartupLockKey})", ct);
        try
        {
            await prepare();
        }
        finally
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({StartupLockKey})", CancellationToken.None);
        }
    }

    public async Task MigrateAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!db.IsPostgres) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", ct);
        await db.Database.MigrateAsync(ct);
    }
}

/// <summary>Lets <c>dotnet ef</c> build each provider's context without starting the host.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAppDbContext>
{
    public SqliteAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite("Data Source=design.db").UseApplicationServiceProvider(IdentityStore.Options).Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAppDbContext>
{
    public PostgresAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql("Host=localhost;Database=design").UseApplicationServiceProvider(IdentityStore.Options).Options);
}

/// <summary>The Identity store schema (version 3: passkeys), shared by the app and design-time builds so both see one model.</summary>
public static class IdentityStore
{
    public static void Configure(Microsoft.AspNetCore.Identity.IdentityOptions options) =>
        options.Stores.SchemaVersion = Microsoft.AspNetCore.Identity.IdentitySchemaVersions.Version3;

    internal static IServiceProvider Options { get; } = new ServiceCollection().Configure<Microsoft.AspNetCore.Identity.IdentityOptions>(Configure).BuildServiceProvider();
}
