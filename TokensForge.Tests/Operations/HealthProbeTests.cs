using System.Net;
using System.Text.Json;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Operations;

public sealed class HealthProbeTests
{
    [Fact]
    public async Task Probes_OnAHealthyApp_Answer200WithJson()
    {
        using var app = new TokensForgeApp();
        using var client = app.CreateClient();

        var live = await client.GetAsync("/healthz");
        var ready = await ReadyAsync(client);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("application/json", live.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Healthy", JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal("Healthy", ready.Body.GetProperty("status").GetString());
        var checks = ready.Body.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order().ToArray();
        Assert.Equal(new[] { "database", "sweeps" }, checks);
    }

    [Fact]
    public async Task Readyz_WhileTheDatabaseIsUnreachable_Is503_AndHealthzStays200()
    {
        // No sweep opens the database while it is away.
        using var app = new TokensForgeApp(new Dictionary<string, string?> { ["Ledger:SweepInterval"] = "01:00:00" });
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(client)).Status);
        var file = Path.Combine(app.DatabaseDirectory, "app.db");
        var moved = file + ".away";

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Move(file, moved);
        var down = await ReadyAsync(client);
        var created = File.Exists(file);
        var live = await client.GetAsync("/healthz");
        File.Move(moved, file);
        var back = await ReadyAsync(client);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Equal("Unhealthy", down.Body.GetProperty("status").GetString());
        var database = down.Body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "database");
        Assert.Equal("Unhealthy", database.GetProperty("status").GetString());
        Assert.False(created, "the probe must not create an empty database where there is none");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, back.Status);
    }

    [Fact]
    public async Task Readyz_WithAPendingMigration_Is503()
    {
        using var app = new TokensForgeApp();
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(client)).Status);

        // As if the database were older than this build: its newest migration is not recorded as applied.
        await using (var db = app.Get<Microsoft.EntityFrameworkCore.IDbContextFactory<Core.Data.AppDbContext>>().CreateDbContext())
        {
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.ExecuteSqlRawAsync(db.Database,
                "DELETE FROM __EFMigrationsHistory WHERE MigrationId = (SELECT MAX(MigrationId) FROM __EFMigrationsHistory)");
        }
        var ready = await ReadyAsync(client);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(HttpClient client)
    {
        var response = await client.GetAsync("/readyz");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
