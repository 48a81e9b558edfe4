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
        string model = "gpt-4o-mini", string? upstreamError = null)
    {
        var route = (await db.Get<RouteCatalog>().GetAsync()).Find(model)!.Routes.Single(r => r.Kind == RouteKind.Routed);
        var id = Guid.CreateVersion7();
        var record = new RequestRecord(id, "req_" + id.ToString("N"), userId, RequestSource.Api, ChatCompletionPipeline.Endpoint, model,
            db.Time.GetUtcNow().UtcDateTime);
        record.IssuedWith(keyId, keyId is null ? null : "tf-testkey1", stream: false, "192.0.2.7");
        record.RoutedTo(route);
        var hold = await db.Get<HoldService>().PlaceAsync(userId, RouteKind.Routed, Held, TimeSpan.FromMinutes(5), id.ToString());
        Assert.True(hold.Succeeded, hold.Error?.ToString());
        record.Held(Held);
        if (upstreamError is not null) record.UpstreamFailed(500, upstreamError);
        var reason = status switch
        {
            RequestStatus.Succeeded => ReceiptReasons.Completed,
            RequestStatus.Partial => ReceiptReasons.UpstreamCut,
            _ => ReceiptReasons.UpstreamError,
        };
        var decision = new ChargeDecision(status, reason, 10, 5, 0, status != RequestStatus.Succeeded, status == RequestStatus.Failed ? 0 : cost);
        await db.Get<ReceiptWriter>().WriteAsync(record, new PlacedHold(route, hold.Value!, Held, 0), decision, keyId, null);
        db.Time.Advance(TimeSpan.FromSeconds(1));
        return id;
    }
}
