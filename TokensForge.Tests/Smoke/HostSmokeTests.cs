using System.Net;
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
}
