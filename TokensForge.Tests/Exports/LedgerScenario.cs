using TokensForge.Core.Data;
using TokensForge.Core.Exports;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.TopUps;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Tests.TopUps;

namespace TokensForge.Tests.Exports;

/// <summary>
/// A scripted month of money movements around the range 2026-06-02 .. 2026-06-04 (both days included): claims,
/// a campaign redemption, top-ups, an adjustment, charges on both route kinds, a voided hold, an expiry and a
/// refund, with some movements before the range (opening balances) and some after it.
/// </summary>
internal sealed class LedgerScenario
{
    public static readonly ExportRange Range = ExportRange.Days(new DateOnly(2026, 6, 2), new DateOnly(2026, 6, 4));

    public string Alice { get; private set; } = "";
    public string Bob { get; private set; } = "";
    public string Carol { get; private set; } = "";
    public string Dave { get; private set; } = "";
    public Guid PromoAccountId { get; } = Guid.CreateVersion7();

    public static async Task<LedgerScenario> RunAsync(TestDatabase db)
    {
        var s = new LedgerScenario();
        await s.PlayAsync(db);
        return s;
    }

    private async Task PlayAsync(TestDatabase db)
    {
        // 2026-06-01 12:00: before the range.
        Alice = await db.AddUserAsync("alice@test.local");
        Bob = await db.AddUserAsync("bob@test.local");
        Carol = await db.AddUserAsync("carol@test.local");
        Dave = await db.AddUserAsync("dave@test.local");
        await using (var ctx = db.NewContext())
        {
            ctx.LedgerAccounts.Add(new LedgerAccount(PromoAccountId, SystemAccounts.PromoAddress(Guid.NewGuid()), false, null, Now(db)));
            await ctx.SaveChangesAsync();
        }
        await ClaimAsync(db, Alice, Bucket.Starter, 5_000_000, GrantSource.Starter, TransferCode.Grant, Now(db).AddDays(9));
        await TopUpAsync(db, Alice, Bucket.Routed, 100_000_000);

        // 2026-06-02 09:00: inside the range.
        db.Time.SetUtcNow(new DateTimeOffset(2026, 6, 2, 9, 0, 0, TimeSpan.Zero));
        await ClaimAsync(db, Dave, Bucket.Starter, 3_000_000, GrantSource.Starter, TransferCode.Grant, Now(db).AddDays(1));
        await ClaimAsync(db, Bob, Bucket.Routed, 20_000_000, GrantSource.Campaign, TransferCode.Redeem, null);
        var bobOfficial = await TopUpAsync(db, Bob, Bucket.Official, 50_000_000);
        var adjusted = await db.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest("carol@test.local", Bucket.Official, 10_000_000, null, "goodwill", "test"));
        Assert.True(adjusted.Succeeded);
        await ChargeAsync(db, Alice, RouteKind.Routed, hold: 8_000_000, actual: 7_000_000);   // starter 5 + routed top-up 2
        await ChargeAsync(db, Bob, RouteKind.Official, hold: 30_000_000, actual: 30_000_000); // official top-up 30
        await ChargeAsync(db, Bob, RouteKind.Routed, hold: 4_000_000, actual: 4_000_000);     // campaign grant 4
        await ChargeAsync(db, Alice, RouteKind.Routed, hold: 2_000_000, actual: 0);           // voided: moves nothing

        // 2026-06-04 10:00: Dave's starter credit has expired; Bob's official top-up is refunded (20 unspent of 50).
        db.Time.SetUtcNow(new DateTimeOffset(2026, 6, 4, 10, 0, 0, TimeSpan.Zero));
        Assert.Equal(1, await db.Get<GrantExpirer>().RunOnceAsync());
        var refund = await TopUpTestKit.DeliverAsync(db, bobOfficial, "refunded", $"evt_refund_{bobOfficial.Id:N}");
        Assert.Equal(TopUpStatus.Refunded, refund.Transition!.Status);

        // 2026-06-06: after the range.
        db.Time.SetUtcNow(new DateTimeOffset(2026, 6, 6, 8, 0, 0, TimeSpan.Zero));
        await TopUpAsync(db, Carol, Bucket.Routed, 15_000_000);
        await ChargeAsync(db, Alice, RouteKind.Routed, hold: 1_000_000, actual: 1_000_000);
    }

    private static DateTime Now(TestDatabase db) => db.Time.GetUtcNow().UtcDateTime;

    private async Task ClaimAsync(TestDatabase db, string user, string bucket, long amount, GrantSource source, TransferCode code, DateTime? expires)
    {
        await using AppDbContext ctx = db.NewContext();
        await using var tx = await ctx.Database.BeginTransactionAsync();
        var issued = await db.Get<GrantIssuer>().IssueAsync(ctx, new GrantRequest(user, bucket, amount, GrantCategory.Promotional, source,
            source == GrantSource.Starter ? "Welcome credit" : "Campaign code", PromoAccountId, code, ExpiresAt: expires));
        Assert.True(issued.Succeeded, issued.Error?.ToString());
        await tx.CommitAsync();
    }

    private static async Task<TopUpOrderView> TopUpAsync(TestDatabase db, string user, string bucket, long amount)
    {
        var order = await TopUpTestKit.CreateOrderAsync(db, user, amount, bucket);
        var paid = await TopUpTestKit.DeliverAsync(db, order, "paid", $"evt_paid_{order.Id:N}");
        Assert.Equal(TopUpStatus.Credited, paid.Transition!.Status);
        return order;
    }

    private static async Task ChargeAsync(TestDatabase db, string user, RouteKind kind, long hold, long actual)
    {
        var holds = db.Get<HoldService>();
        var placed = await holds.PlaceAsync(user, kind, hold, TimeSpan.FromMinutes(5), $"req-{Guid.NewGuid():N}");
        Assert.True(placed.Succeeded, placed.Error?.ToString());
        var settled = await holds.SettleAsync(placed.Value!, actual);
        Assert.True(settled.Succeeded, settled.Error?.ToString());
    }
}
