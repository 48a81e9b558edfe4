using Microsoft.Extensions.Logging.Abstractions;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Receipts;

/// <summary>Receipts written the way the gateway writes them (hold, then settle with the record), without an upstream.</summary>
internal static class ReceiptTestData
{
    public const long Held = 1_000;

    public static async Task<(string UserId, string Email)> FundedUserAsync(TestDatabase db, long routed = 1_000_000)
    {
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var email = $"user-{Guid.NewGuid():N}@test.local";
        var userId = await db.AddUserAsync(email);
        var granted = await db.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest(email, Bucket.Routed, routed, null, "test", "test"));
        Assert.True(granted.Succeeded, granted.Error?.ToString());
        return (userId, email);
    }

    public static async Task<Guid> WriteAsync(TestDatabase db, string userId, RequestStatus status, long cost, Guid? keyId = null,
        string model = "gpt-4o-mini", string? upstreamError = null, RouteKind kind = RouteKind.Routed)
    {
        var catalogModel = (await db.Get<RouteCatalog>().GetAsync()).Find(model)!;
        var route = catalogModel.Routes.Single(r => r.Kind == kind);
        var id = Guid.CreateVersion7();
        KeyPrincipal? key = keyId is { } k ? new KeyPrincipal(k, userId, "test", "tf-testkey1", null, new HashSet<string>(), null, RoutePreference.Auto, null) : null;
        var caller = new GatewayCaller(userId, RequestSource.Api, key, RoutePreference.Auto, "req_" + id.ToString("N"), "192.0.2.7");
        await using var request = new GatewayRequest(caller, ChatShape.EndpointName, stream: false, catalogModel, new PromptBudget(10, 5), id, db.Time.GetUtcNow().UtcDateTime,
            db.Get<HoldPlanner>(), db.Get<IdempotencyStore>(), NullLogger.Instance);
        var hold = await db.Get<HoldService>().PlaceAsync(userId, kind, Held, TimeSpan.FromMinutes(5), id.ToString());
        Assert.True(hold.Succeeded, hold.Error?.ToString());
        request.Holds(new PlacedHold(route, hold.Value!, Held, null));
        var reason = status switch
        {
            RequestStatus.Succeeded => ReceiptReasons.Completed,
            RequestStatus.Partial => ReceiptReasons.UpstreamCut,
            _ => ReceiptReasons.UpstreamError,
        };
        var decision = new ChargeDecision(status, reason, new TokenUsage(10, 5), status != RequestStatus.Succeeded, status == RequestStatus.Failed ? 0 : cost);
        await db.Get<ReceiptWriter>().WriteAsync(request, new ReceiptFacts(route, Held, decision, 0, UpstreamStatus: upstreamError is null ? null : 500,
            UpstreamError: upstreamError));
        db.Time.Advance(TimeSpan.FromSeconds(1));
        return id;
    }
}
