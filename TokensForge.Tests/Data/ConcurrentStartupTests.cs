using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Routing;
using TokensForge.Core.Users;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Data;

/// <summary>Instances started together on one empty PostgreSQL database all come up, and the seed is made once.</summary>
public sealed class ConcurrentStartupTests
{
    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TwoInstances_StartedTogetherOnAnEmptyPostgres_BothServe_AndSeedExistsOnce(bool databaseExists)
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        // Empty, or not even created: the instances create it (one of them) before taking the start-up lock.
        await using var database = await PostgresScratch.CreateAsync(createDatabase: databaseExists);
        var settings = database.Settings();
        settings["Demo:Seed"] = "true";
        settings["Simulator:Enabled"] = "true";
        using var first = new TokensForgeApp(settings);
        using var second = new TokensForgeApp(settings);
        using var bothReady = new Barrier(2);

        var started = await Task.WhenAll(new[] { first, second }.Select(app => Task.Run(() =>
        {
            bothReady.SignalAndWait();
            return app.StartKestrel();
        })));

        foreach (var (app, baseUrl) in new[] { first, second }.Zip(started))
        {
            using var browser = new HttpClient { BaseAddress = new Uri(baseUrl) };
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Account/Login")).StatusCode);
            using var admin = await app.LoggedInClientAsync(TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin")).StatusCode);
            // The gateway path: the demo user's key answers through the simulated route the seed created.
            var demoUser = await UserIdAsync(app, new DemoOptions().UserEmail);
            var key = await app.Get<ApiKeyService>().CreateAsync(demoUser, "startup", new ApiKeyPolicy());
            using var gateway = new HttpClient { BaseAddress = new Uri(baseUrl) };
            gateway.DefaultRequestHeaders.Authorization = new("Bearer", key.Value!.Secret);
            var chat = await gateway.PostAsJsonAsync("/v1/chat/completions",
                new { model = "gpt-4o-mini", max_tokens = 5, messages = new[] { new { role = "user", content = "hi" } } });
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        await using var db = first.Get<Microsoft.EntityFrameworkCore.IDbContextFactory<Core.Data.AppDbContext>>().CreateDbContext();
        Assert.Equal(Roles.All.Count, await db.Roles.CountAsync());
        Assert.Equal(1, await db.Users.CountAsync(u => u.Email == TokensForgeApp.AdminEmail));
        Assert.Equal(1, await db.Users.CountAsync(u => u.Email == new DemoOptions().UserEmail));
        Assert.Equal(2, await db.CreditGrants.CountAsync(g => g.UserId == db.Users.Single(u => u.Email == new DemoOptions().UserEmail).Id));
        Assert.Equal(2, await db.Campaigns.CountAsync(c => c.CreatedBy == "demo-seed"));
        Assert.Equal(2, await db.Routes.CountAsync(r => r.Name == SimulatorRoutes.RoutedName || r.Name == SimulatorRoutes.OfficialName));
        Assert.Equal(SimulatorRoutes.Catalogue.Count, await db.Models.CountAsync());
        Assert.Equal(2 * SimulatorRoutes.Catalogue.Count, await db.PriceSnapshots.CountAsync());
    }

    private static async Task<string> UserIdAsync(TokensForgeApp app, string email)
    {
        await using var db = app.Get<Microsoft.EntityFrameworkCore.IDbContextFactory<Core.Data.AppDbContext>>().CreateDbContext();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }
}
