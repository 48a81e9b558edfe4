using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Smoke;

public sealed class HostSmokeTests
{
    [Fact]
    public async Task App_StartsOnItsOwnDatabase_AndServesHomeAndLogin()
    {
        using var app = new TokensForgeApp();
        using var client = app.CreateClient();

        var home = await client.GetAsync("/");
        var login = await client.GetStringAsync("/Account/Login");

        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Log in", login);
        Assert.True(File.Exists(Path.Combine(app.DatabaseDirectory, "app.db")), "the configured SQLite file was not used");
    }

    [Fact]
    public async Task SharedSettings_AtTheRepositoryRoot_ReachTheHost()
    {
        var root = RepositoryRoot();
        Assert.False(File.Exists(Path.Combine(root, "TokensForge.Web", "appsettings.json")), "the shared settings belong at the repository root");
        Assert.True(File.Exists(Path.Combine(root, "TokensForge.Web", "appsettings.Development.json")), "the environment files stay in the web project");
        var logs = new LogCapture();
        using var app = new TokensForgeApp(logs: logs);
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        var configuration = app.Get<IConfiguration>();
        using var shared = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "appsettings.json")));
        var leaves = Leaves(shared.RootElement, "").ToList();
        Assert.NotEmpty(leaves);
        Assert.All(leaves, leaf => Assert.Equal(leaf.Value, configuration[leaf.Key]));
        // The levels it sets are applied: the test logger takes every level, yet EF Core's per-command lines stay out.
        Assert.Contains(logs.Lines, l => l.StartsWith("Information TokensForge.Web.Seeding.AccountBootstrapper", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Information Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TokensForge.Web.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (TokensForge.Web.sln) is not above the test output.");
    }

    private static IEnumerable<KeyValuePair<string, string>> Leaves(JsonElement element, string prefix) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Leaves(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}:{p.Name}")),
        JsonValueKind.Array => element.EnumerateArray().SelectMany((e, i) => Leaves(e, $"{prefix}:{i}")),
        _ => [new KeyValuePair<string, string>(prefix, element.ToString())],
    };
}
