using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Routing;

public sealed class RouteCatalogTests
{
    [Fact]
    public async Task SimulatorRoutes_SeedTwoRoutesOfEachModel_WithEncryptedUpstreamKey_Idempotently()
    {
        await using var db = await TestDatabase.CreateAsync();

        await db.Get<SimulatorRoutes>().EnsureAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var snapshot = await db.Get<RouteCatalog>().GetAsync();
        await using var context = db.NewContext();
        var routes = await context.Routes.AsNoTracking().ToListAsync();

        Assert.Equal(2, routes.Count);
        Assert.All(routes, r => Assert.True(r.IsSimulated));
        Assert.All(routes, r => Assert.NotEqual("sim-upstream-key", r.ProtectedUpstreamKey));
        Assert.All(routes, r => Assert.Equal("sim-upstream-key", db.Get<UpstreamKeyProtector>().Unprotect(r.ProtectedUpstreamKey!)));
        Assert.Equal(6, await context.PriceSnapshots.CountAsync());
        var mini = snapshot.Find("gpt-4o-mini")!;
        Assert.Equal([RouteKind.Official, RouteKind.Routed], mini.Routes.Select(r => r.Kind).Order().ToArray());
        Assert.True(mini.Routes.Single(r => r.Kind == RouteKind.Official).Prices.Output > mini.Routes.Single(r => r.Kind == RouteKind.Routed).Prices.Output);
    }

    [Fact]
    public async Task Catalog_UsesTheLatestEffectiveSnapshot_IgnoresFutureOnes_AndDisabledRoutes()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var now = db.Time.GetUtcNow().UtcDateTime;
        Guid routedId, newer;
        await using (var context = db.NewContext())
        {
            var routed = await context.Routes.SingleAsync(r => r.Name == SimulatorRoutes.RoutedName);
            routedId = routed.Id;
            var later = new PriceSnapshot(Guid.NewGuid(), routed.Id, "gpt-4o-mini", 1, 2, 1, now.AddSeconds(1), "test", now);
            newer = later.Id;
            context.PriceSnapshots.Add(later);
            context.PriceSnapshots.Add(new PriceSnapshot(Guid.NewGuid(), routed.Id, "gpt-4o-mini", 9, 9, 9, now.AddDays(1), "test", now));
            var official = await context.Routes.SingleAsync(r => r.Name == SimulatorRoutes.OfficialName);
            official.Disable();
            await context.SaveChangesAsync();
        }
        db.Time.Advance(TimeSpan.FromMinutes(1));
        var catalog = db.Get<RouteCatalog>();
        catalog.Invalidate();

        var mini = (await catalog.GetAsync()).Find("gpt-4o-mini")!;

        var route = Assert.Single(mini.Routes);
        Assert.Equal(routedId, route.RouteId);
        Assert.Equal(newer, route.Prices.SnapshotId);
        Assert.Equal(2, route.Prices.Output);
    }

    [Fact]
    public async Task PriceSnapshots_CannotBeEditedInPlace()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        await using var context = db.NewContext();

        var edit = () => context.PriceSnapshots.ExecuteUpdateAsync(s => s.SetProperty(p => p.OutputPrice, 1L));

        await Assert.ThrowsAnyAsync<Exception>(edit);
    }
}
