using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Audit;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Data;
using TokensForge.Core.PriceGroups;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Audit;

public sealed class AuditTargetsTests
{
    [Fact]
    public async Task Resolve_NamesEveryKindThatStillExists_InOneQueryPerKind_AndLeavesTheRestAsRecorded()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var campaigns = db.Get<CampaignService>();
        var campaign = (await campaigns.CreateAsync(new CampaignDraft("Launch promo", CampaignKind.Promo, Bucket.Routed, 1_000_000), "test")).Value!;
        var other = (await campaigns.CreateAsync(new CampaignDraft("Autumn flyers", CampaignKind.Promo, Bucket.Routed, 1_000_000), "test")).Value!;
        var code = (await campaigns.AddCodeAsync(campaign.Id, "TF-DEMX-CDEX-2222", 1, "test")).Value!;
        var group = (await db.Get<PriceGroupService>().SaveAsync(null, "Partners", 8_000, 9_000, new AdminActor("test"))).Value;
        var userId = await db.AddUserAsync("Ops@Test.local");
        var key = (await db.Get<ApiKeyService>().CreateAsync(userId, "Nightly batch", new ApiKeyPolicy())).Value!.Key;
        Guid routeId;
        await using (var context = db.NewContext()) routeId = await context.Routes.Where(r => r.Name == SimulatorRoutes.RoutedName).Select(r => r.Id).SingleAsync();

        string[] targets =
        [
            $"campaign:{campaign.Id}", $"campaign:{other.Id}", $"campaign:{Guid.NewGuid()}", "campaign:not-a-guid",
            $"code:{code.Code}", "code:TF-GONE-GONE-GONE",
            $"route:{SimulatorRoutes.RoutedName}", $"route:{SimulatorRoutes.OfficialName}/model:gpt-4o", "route:deleted-route",
            "model:gpt-4o", "model:retired",
            "user:ops@test.local", "user:nobody@test.local",
            "price_group:Partners", "price_group:Gone",
            $"key:{key.Prefix}", $"key:{key.Id}",
            "provider:manual", "order:TU-1234", "",
        ];
        var capture = new CommandCapture();
        string connectionString;
        await using (var context = db.NewContext()) connectionString = context.Database.GetConnectionString()!;
        var names = await new AuditTargets(new CapturingFactory(connectionString, capture)).ResolveAsync([.. targets, .. targets]);

        Assert.Equal(7, capture.Commands); // campaign, code, route, model, user, price group, key
        Assert.Equal(new AuditTargetName(AuditTargetKind.Campaign, campaign.Id.ToString(), "Launch promo"), names[$"campaign:{campaign.Id}"]);
        Assert.Equal("Autumn flyers", names[$"campaign:{other.Id}"].Name);
        Assert.Equal(new AuditTargetName(AuditTargetKind.Code, code.Code, code.Code, "Launch promo"), names[$"code:{code.Code}"]);
        Assert.Equal(new AuditTargetName(AuditTargetKind.Route, routeId.ToString(), SimulatorRoutes.RoutedName), names[$"route:{SimulatorRoutes.RoutedName}"]);
        var priced = names[$"route:{SimulatorRoutes.OfficialName}/model:gpt-4o"];
        Assert.Equal((AuditTargetKind.Route, SimulatorRoutes.OfficialName, "gpt-4o"), (priced.Kind, priced.Name, priced.Detail));
        Assert.Equal(new AuditTargetName(AuditTargetKind.Model, "gpt-4o", "GPT-4o (simulated)", "gpt-4o"), names["model:gpt-4o"]);
        Assert.Equal(new AuditTargetName(AuditTargetKind.User, userId, "Ops@Test.local"), names["user:ops@test.local"]);
        Assert.Equal(new AuditTargetName(AuditTargetKind.PriceGroup, group.ToString(), "Partners"), names["price_group:Partners"]);
        Assert.Equal(new AuditTargetName(AuditTargetKind.Key, userId, "Nightly batch", key.Prefix), names[$"key:{key.Prefix}"]);
        Assert.Equal(names[$"key:{key.Prefix}"], names[$"key:{key.Id}"]);
        Assert.Equal(10, names.Count);

        // A page of targets of no known kind reads nothing.
        var none = new CommandCapture();
        Assert.Empty(await new AuditTargets(new CapturingFactory(connectionString, none)).ResolveAsync(["provider:manual", "order:TU-1"]));
        Assert.Equal(0, none.Commands);
    }

    private sealed class CommandCapture : DbCommandInterceptor
    {
        public int Commands { get; private set; }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Commands++;
            return ValueTask.FromResult(result);
        }
    }

    private sealed class CapturingFactory(string connectionString, CommandCapture capture) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() =>
            new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(connectionString).AddInterceptors(capture).Options);
    }
}
