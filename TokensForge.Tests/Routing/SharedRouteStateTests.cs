using System.Net;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Gateway.FailoverFixture;

namespace TokensForge.Tests.Routing;

/// <summary>
/// Two app instances on one database (the same SQLite file, or one PostgreSQL database) behave as one: a circuit one of
/// them opens is honoured by the other within about a second, its half-open probe is sent once across both, and route
/// and price changes made through one are used by the other within about a second (with a route cache far longer than that).
/// </summary>
public sealed class SharedRouteStateTests
{
    private static readonly TimeSpan CircuitCoolDown = TimeSpan.FromSeconds(3);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Routing:CircuitBreaker:ConsecutiveFailures"] = "2",
        ["Routing:CircuitBreaker:CoolDown"] = CircuitCoolDown.ToString(),
        ["Routing:CircuitBreaker:MinimumRequests"] = "1000",
        // Only the change stamp can explain another instance's edit showing up within seconds.
        ["Routing:CacheTtl"] = "00:10:00",
    };

    [Fact]
    public async Task CircuitOpenedByOneInstance_StopsTheOther_AndOneProbeIsSent_Sqlite()
    {
        await using var a = GatewayHost.Start(Settings);
        await using var b = a.StartAnotherInstance();
        await CircuitIsSharedAsync(a, b);
    }

    [SkippableFact]
    public async Task CircuitOpenedByOneInstance_StopsTheOther_AndOneProbeIsSent_Postgres()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var a = await GatewayHost.StartOnPostgresAsync(Settings);
        await using var b = a.StartAnotherInstance();
        await CircuitIsSharedAsync(a, b);
    }

    [Fact]
    public async Task PriceChangeAndRouteDisableThroughOneInstance_AreUsedByTheOther_Sqlite()
    {
        await using var a = GatewayHost.Start(Settings);
        await using var b = a.StartAnotherInstance();
        await ChangesReachTheOtherAsync(a, b);
    }

    [SkippableFact]
    public async Task PriceChangeAndRouteDisableThroughOneInstance_AreUsedByTheOther_Postgres()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var a = await GatewayHost.StartOnPostgresAsync(Settings);
        await using var b = a.StartAnotherInstance();
        await ChangesReachTheOtherAsync(a, b);
    }

    private static async Task CircuitIsSharedAsync(GatewayHost a, GatewayHost b)
    {
        var (model, routes) = await RoutesAsync(a, new(FakeMode.Fail500), new(FakeMode.Succeed));
        await using var failing = routes[0].Upstream;
        await using var healthy = routes[1].Upstream;
        var (viaA, viaB) = await ClientsAsync(a, b);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        // B tries the failing route once itself (one failure: not enough to open its own circuit).
        Assert.Equal([AttemptResult.Failed, AttemptResult.Completed], await AttemptsAsync(a, viaB, model));
        for (var i = 0; i < 2; i++) Assert.Equal([AttemptResult.Failed, AttemptResult.Completed], await AttemptsAsync(a, viaA, model));
        var opened = DateTime.UtcNow;
        Assert.Equal(3, failing.Requests);

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        for (var i = 0; i < 5; i++) Assert.Equal([AttemptResult.Skipped, AttemptResult.Completed], await AttemptsAsync(a, viaB, model));
        Assert.Equal(3, failing.Requests);

        // The cool-down is over on both instances: of twenty parallel requests through both, exactly one probes (and fails,
        // which opens the circuit again), the others go straight to the healthy route.
        var wait = opened + CircuitCoolDown + TimeSpan.FromMilliseconds(300) - DateTime.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => SendAsync(i % 2 == 0 ? viaA : viaB, Chat(model, stream: false))));

        Assert.All(answers, r => Assert.Equal(HttpStatusCode.OK, r.Response.StatusCode));
        Assert.Equal(4, failing.Requests);
        await using var db = a.NewContext();
        var circuit = await db.RouteCircuits.AsNoTracking().SingleAsync(c => c.RouteId == routes[0].Id);
        Assert.True(circuit.IsOpen);
        Assert.True(circuit.OpenUntil > opened + CircuitCoolDown);
        Assert.Null(circuit.ProbeOwner);
    }

    private static async Task ChangesReachTheOtherAsync(GatewayHost a, GatewayHost b)
    {
        var (model, routes) = await RoutesAsync(a, new(FakeMode.Succeed), new(FakeMode.Succeed));
        await using var first = routes[0].Upstream;
        await using var second = routes[1].Upstream;
        var (_, viaB) = await ClientsAsync(a, b);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var before = await ReceiptViaAsync(a, viaB, model);
        Assert.Equal((routes[0].Id, routes[0].Prices.SnapshotId), (before.RouteId, before.PriceSnapshotId));

        var admin = a.Get<RouteAdministration>();
        var repriced = await admin.SetPricesAsync(new PriceDraft(routes[0].Id, model, 3_000_000, 4_000_000, 1_500_000), Admin);
        Assert.True(repriced.Succeeded);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var afterPrice = await ReceiptViaAsync(a, viaB, model);

        Assert.True((await admin.SetEnabledAsync(routes[0].Id, false, Admin)).Succeeded);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var afterDisable = await ReceiptViaAsync(a, viaB, model);

        Assert.Equal((routes[0].Id, repriced.Value!.Id), (afterPrice.RouteId, afterPrice.PriceSnapshotId));
        Assert.True(afterPrice.Cost > before.Cost);
        Assert.Equal(routes[1].Id, afterDisable.RouteId);
        Assert.Equal(2, first.Requests);
        Assert.Equal(1, second.Requests);
    }

    private static async Task<(HttpClient A, HttpClient B)> ClientsAsync(GatewayHost a, GatewayHost b)
    {
        var (userId, _) = await a.AddUserAsync(("routed", Funds), ("official", Funds));
        var key = await a.CreateKeyAsync(userId);
        return (a.Client(key.Secret), b.Client(key.Secret));
    }

    private static async Task<RequestRecord> ReceiptViaAsync(GatewayHost db, HttpClient client, string model)
    {
        var (response, body, receipt) = await SendAsync(client, Chat(model, stream: false));
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        await using var context = db.NewContext();
        return await context.RequestRecords.AsNoTracking().Include(r => r.Attempts).SingleAsync(r => r.Id == receipt!.Value);
    }

    private static async Task<IReadOnlyList<AttemptResult>> AttemptsAsync(GatewayHost db, HttpClient client, string model) =>
        (await ReceiptViaAsync(db, client, model)).Attempts.OrderBy(x => x.Position).Select(x => x.Result).ToList();
}
