using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Ledger;
using TokensForge.Core.TopUps;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.TopUps;

/// <summary>A database with payments configured, and helpers to create orders and signed webhook deliveries.</summary>
internal static class TopUpTestKit
{
    public const string Secret = "test-webhook-secret-0123456789";

    public static Task<TestDatabase> CreateDatabaseAsync(TestProvider provider = TestProvider.Sqlite) =>
        TestDatabase.CreateAsync(provider, services => services.Configure<PaymentsOptions>(Configure));

    public static void Configure(PaymentsOptions o)
    {
        o.WebhookSecret = Secret;
        o.TestCheckoutEnabled = true;
        o.GatewayEnabled = true;
        o.GatewayCheckoutUrl = "https://pay.example/checkout?ref={reference}&amount={amount}";
    }

    public static async Task<TopUpOrderView> CreateOrderAsync(TestDatabase db, string userId, long amount, string bucket = "routed",
        string provider = TestCheckoutProvider.ProviderKey)
    {
        var created = await db.Get<TopUpService>().CreateAsync(userId, bucket, amount, provider);
        Assert.True(created.Succeeded, created.Error?.ToString());
        return created.Value!.Order;
    }

    public static byte[] Body(TopUpOrderView order, string type, string eventId, long? amount = null) =>
        new PaymentWebhookPayload(eventId, type, order.Id.ToString(), amount ?? order.Amount, order.Currency, $"psp-{eventId}").ToUtf8();

    public static (string Timestamp, string Signature) Sign(byte[] body, DateTimeOffset at, string secret = Secret)
    {
        var ts = at.ToUnixTimeSeconds();
        return (ts.ToString(System.Globalization.CultureInfo.InvariantCulture), WebhookSignature.Compute(secret, ts, body));
    }

    /// <summary>Delivers a correctly signed event to the processor, timestamped now on the database's clock.</summary>
    public static Task<WebhookResult> DeliverAsync(TestDatabase db, TopUpOrderView order, string type, string eventId, string provider = TestCheckoutProvider.ProviderKey)
    {
        var body = Body(order, type, eventId);
        var (ts, signature) = Sign(body, db.Time.GetUtcNow());
        return db.Get<PaymentWebhookProcessor>().HandleAsync(provider, ts, signature, body);
    }

    public static async Task<TopUpOrderView> OrderAsync(TestDatabase db, Guid id) => (await db.Get<TopUpService>().GetAsync(id))!;

    public static async Task AssertLedgerOkAsync(TestDatabase db)
    {
        var verification = await db.Get<LedgerVerifier>().VerifyAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }
}
