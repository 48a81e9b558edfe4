using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Data;
using TokensForge.Core.TopUps;
using TokensForge.Core.Users;
using TokensForge.Tests.Infrastructure;
using TokensForge.Tests.TopUps;
using TokensForge.Web.Api.Payments;

namespace TokensForge.Tests.Api.Payments;

public sealed class PaymentWebhookEndpointsTests
{
    private static TokensForgeApp App(Dictionary<string, string?>? database = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Payments:TestCheckoutEnabled"] = "true",
            ["Payments:GatewayEnabled"] = "true",
            ["Payments:GatewayCheckoutUrl"] = "https://pay.example/checkout?ref={reference}",
            ["Payments:WebhookSecret"] = TopUpTestKit.Secret,
        };
        foreach (var (key, value) in database ?? []) settings[key] = value;
        return new TokensForgeApp(settings);
    }

    private static async Task<TopUpOrderView> OrderAsync(TokensForgeApp app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var user = new ApplicationUser { UserName = "payer@test.local", Email = "payer@test.local", NormalizedEmail = "PAYER@TEST.LOCAL", NormalizedUserName = "PAYER@TEST.LOCAL" };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return (await app.Services.GetRequiredService<TopUpService>().CreateAsync(user.Id, "routed", 10_000_000, "test")).Value!.Order;
    }

    private static HttpRequestMessage Delivery(byte[] body, string timestamp, string signature, string provider = "test")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/payments/webhook/{provider}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp);
        request.Headers.Add(WebhookSignature.SignatureHeader, signature);
        return request;
    }

    private static async Task<int> GrantCountAsync(TokensForgeApp app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.CreditGrants.CountAsync();
    }

    [Fact]
    public async Task Webhook_ValidSignature_200AndCreditedOnce_ReplayIs200Duplicate()
    {
        using var app = App();
        using var client = app.CreateClient();
        var order = await OrderAsync(app);
        var body = TopUpTestKit.Body(order, "paid", "evt_http_1");
        var (ts, signature) = TopUpTestKit.Sign(body, DateTimeOffset.UtcNow);

        var first = await client.SendAsync(Delivery(body, ts, signature));
        var replay = await client.SendAsync(Delivery(body, ts, signature));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(("processed", "credited"), ((await first.Content.ReadFromJsonAsync<WebhookResponse>())!.Status, (await app.Get<TopUpService>().GetAsync(order.Id))!.Status.ToString().ToLowerInvariant()));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("duplicate", (await replay.Content.ReadFromJsonAsync<WebhookResponse>())!.Status);
        Assert.Equal(1, await GrantCountAsync(app));
    }

    [Fact]
    public async Task Webhook_BadSignature_401AndNothingCredited()
    {
        using var app = App();
        using var client = app.CreateClient();
        var order = await OrderAsync(app);
        var body = TopUpTestKit.Body(order, "paid", "evt_http_forged");
        var (ts, signature) = TopUpTestKit.Sign(body, DateTimeOffset.UtcNow, secret: "not-the-configured-secret");

        var response = await client.SendAsync(Delivery(body, ts, signature));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("signature_invalid", (await response.Content.ReadFromJsonAsync<WebhookResponse>())!.Error);
        Assert.Equal(0, await GrantCountAsync(app));
        Assert.Equal(TopUpStatus.Pending, (await app.Get<TopUpService>().GetAsync(order.Id))!.Status);
    }

    [Fact]
    public async Task Webhook_StaleTimestamp_400()
    {
        using var app = App();
        using var client = app.CreateClient();
        var order = await OrderAsync(app);
        var body = TopUpTestKit.Body(order, "paid", "evt_http_stale");
        var (ts, signature) = TopUpTestKit.Sign(body, DateTimeOffset.UtcNow.AddMinutes(-6));

        var response = await client.SendAsync(Delivery(body, ts, signature));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("timestamp_stale", (await response.Content.ReadFromJsonAsync<WebhookResponse>())!.Error);
        Assert.Equal(0, await GrantCountAsync(app));
    }

    [Fact]
    public async Task Webhook_UnknownOrDisabledProvider_404()
    {
        using var app = new TokensForgeApp();
        using var client = app.CreateClient();
        var body = "{}"u8.ToArray();

        var response = await client.SendAsync(Delivery(body, "1", "sha256=00", provider: "test"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Webhook_SignedEventOnAnotherProvidersPath_422RefusedAuditedNothingCredited()
    {
        using var app = App();
        using var client = app.CreateClient();
        var order = await OrderAsync(app);
        var body = TopUpTestKit.Body(order, "paid", "evt_cross_provider");
        var (ts, signature) = TopUpTestKit.Sign(body, DateTimeOffset.UtcNow);

        var response = await client.SendAsync(Delivery(body, ts, signature, provider: GatewayProvider.ProviderKey));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("provider_mismatch", (await response.Content.ReadFromJsonAsync<WebhookResponse>())!.Error);
        Assert.Equal(0, await GrantCountAsync(app));
        Assert.Equal(TopUpStatus.Pending, (await app.Get<TopUpService>().GetAsync(order.Id))!.Status);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditEvents.SingleAsync(e => e.Action == "payment.refused");
        Assert.Equal(("webhook:gateway", $"order:{order.Reference}"), (audit.Actor, audit.Target));
        Assert.Contains("provider_mismatch", audit.AfterJson);
        Assert.Contains("evt_cross_provider", audit.AfterJson);
        Assert.False(await db.PaymentEvents.AnyAsync());
    }

    private const string TestSecret = "test-provider-own-secret-0123";
    private const string GatewaySecret = "gateway-provider-own-secret-0123";

    /// <summary>Each webhook provider with a secret of its own, and the shared secret still configured.</summary>
    private static TokensForgeApp AppWithOwnSecrets() => App(new Dictionary<string, string?>
    {
        [$"Payments:Providers:{TestCheckoutProvider.ProviderKey}:WebhookSecret"] = TestSecret,
        [$"Payments:Providers:{GatewayProvider.ProviderKey}:WebhookSecret"] = GatewaySecret,
    });

    [Fact]
    public async Task Webhook_EventSignedWithAnotherProvidersOwnSecret_401SignedByOtherProvider_Audited_NothingCredited()
    {
        using var app = AppWithOwnSecrets();
        using var client = app.CreateClient();
        var order = await OrderAsync(app);
        var body = TopUpTestKit.Body(order, "paid", "evt_signed_by_gateway");
        var (ts, signature) = TopUpTestKit.Sign(body, DateTimeOffset.UtcNow, secret: GatewaySecret);

        var response = await client.SendAsync(Delivery(body, ts, signature, provider: TestCheckoutProvider.ProviderKey));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<WebhookResponse>())!;
        Assert.Equal("signed_by_other_provider", answer.Error);
        Assert.Contains("another provider's secret", answer.Message);
        Assert.Equal(0, await GrantCountAsync(app));
        Assert.Equal(TopUpStatus.Pending, (await app.Get<TopUpService>().GetAsync(order.Id))!.Status);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditEvents.SingleAsync(e => e.Action == "payment.refused");
        Assert.Equal(("webhook:test", "provider:test"), (audit.Actor, audit.Target));
        Assert.Contains("signed_by_other_provider", audit.AfterJson);
        Assert.Contains("\"signedBy\":\"gateway\"", audit.AfterJson);
        Assert.Contains("evt_signed_by_gateway", audit.AfterJson);
        Assert.False(await db.PaymentEvents.AnyAsync());
    }

    [Fact]
    public async Task Webhook_ProviderWithItsOwnSecret_RefusesTheSharedOne_UnauditedWhenNoProviderSignedIt_AndCreditsWithItsOwn()
    {
        using var app = AppWithOwnSecrets();
        using var client = app.CreateClient();
        var order = await OrderAsync(app);
        var body = TopUpTestKit.Body(order, "paid", "evt_own_secret");
        var (ts, shared) = TopUpTestKit.Sign(body, DateTimeOffset.UtcNow, secret: TopUpTestKit.Secret);
        var (_, own) = TopUpTestKit.Sign(body, DateTimeOffset.FromUnixTimeSeconds(long.Parse(ts)), secret: TestSecret);

        var refused = await client.SendAsync(Delivery(body, ts, shared));
        var credited = await client.SendAsync(Delivery(body, ts, own));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("signature_invalid", (await refused.Content.ReadFromJsonAsync<WebhookResponse>())!.Error);
        Assert.Equal(HttpStatusCode.OK, credited.StatusCode);
        Assert.Equal(TopUpStatus.Credited, (await app.Get<TopUpService>().GetAsync(order.Id))!.Status);
        Assert.Equal(1, await GrantCountAsync(app));
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.AuditEvents.AnyAsync(e => e.Action == "payment.refused"));
    }

    [Fact]
    public async Task Webhook_OtherProvidersPath_WithThatProvidersOwnSecret_422ProviderMismatch_Audited_NothingCredited()
    {
        using var app = AppWithOwnSecrets();
        using var client = app.CreateClient();
        var order = await OrderAsync(app);
        var body = TopUpTestKit.Body(order, "paid", "evt_gateway_path");
        var (ts, signature) = TopUpTestKit.Sign(body, DateTimeOffset.UtcNow, secret: GatewaySecret);

        var response = await client.SendAsync(Delivery(body, ts, signature, provider: GatewayProvider.ProviderKey));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("provider_mismatch", (await response.Content.ReadFromJsonAsync<WebhookResponse>())!.Error);
        Assert.Equal(0, await GrantCountAsync(app));
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal("webhook:gateway", (await db.AuditEvents.SingleAsync(e => e.Action == "payment.refused")).Actor);
    }

    [Fact]
    public async Task Webhook_ProviderWithoutItsOwnSecret_FallsBackToTheSharedOne()
    {
        using var app = App(new Dictionary<string, string?> { [$"Payments:Providers:{GatewayProvider.ProviderKey}:WebhookSecret"] = GatewaySecret });
        using var client = app.CreateClient();
        var order = await OrderAsync(app);
        var body = TopUpTestKit.Body(order, "paid", "evt_shared_fallback");
        var (ts, signature) = TopUpTestKit.Sign(body, DateTimeOffset.UtcNow, secret: TopUpTestKit.Secret);

        var response = await client.SendAsync(Delivery(body, ts, signature, provider: TestCheckoutProvider.ProviderKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TopUpStatus.Credited, (await app.Get<TopUpService>().GetAsync(order.Id))!.Status);
    }

    [Theory]
    [InlineData(null, "short-secret", "Payments:Providers:gateway:WebhookSecret must be at least 16 characters.")]
    [InlineData(null, null, "Payments:Providers:gateway:WebhookSecret or Payments:WebhookSecret must be set (at least 16 characters) when Payments:GatewayEnabled is on.")]
    [InlineData(null, GatewaySecret, "Payments:Providers:test:WebhookSecret or Payments:WebhookSecret must be set (at least 16 characters) when Payments:TestCheckoutEnabled is on.")]
    public void Startup_WebhookSecretMissingOrShort_RefusedNamingTheSetting(string? shared, string? gateway, string message)
    {
        using var app = App(new Dictionary<string, string?>
        {
            ["Payments:WebhookSecret"] = shared,
            [$"Payments:Providers:{GatewayProvider.ProviderKey}:WebhookSecret"] = gateway,
        });

        var refused = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains(message, refused.GetBaseException().Message + refused.Message);
    }

    public static TheoryData<string, string, string> OverlongFields => new()
    {
        { "payment_reference", new string('r', 201), "field_too_long" },
        { "reason", new string('x', 501), "field_too_long" },
        { "id", new string('e', 201), "field_too_long" },
        { "payment_reference", "psp-\\u0000-nul", "field_malformed" },
        { "payment_reference", "psp-\\ud800-lone", "payload_invalid" }, // the JSON reader itself refuses a lone surrogate escape
    };

    [SkippableTheory]
    [MemberData(nameof(OverlongFields))]
    public async Task Webhook_BadProviderString_400BeforeAnythingStored_ThenAGoodEventCredits_Sqlite(string field, string value, string code) =>
        await BadStringThenGoodEventAsync(field, value, code, database: null);

    [SkippableTheory]
    [MemberData(nameof(OverlongFields))]
    public async Task Webhook_BadProviderString_400BeforeAnythingStored_ThenAGoodEventCredits_Postgres(string field, string value, string code)
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var pg = await PostgresScratch.CreateAsync();
        await BadStringThenGoodEventAsync(field, value, code, pg.Settings());
    }

    private static async Task BadStringThenGoodEventAsync(string field, string value, string code, Dictionary<string, string?>? database)
    {
        using var app = App(database);
        using var client = app.CreateClient();
        var order = await OrderAsync(app);
        var type = field == "reason" ? "failed" : "paid";
        var eventId = field == "id" ? value : "evt_bad_string";
        var fields = new Dictionary<string, string> { ["id"] = eventId, ["payment_reference"] = "psp-1", ["reason"] = "declined" };
        fields[field] = value;
        // Written by hand so escapes such as \u0000 reach the server as the provider sent them.
        var body = System.Text.Encoding.UTF8.GetBytes(
            $$"""{"id":"{{fields["id"]}}","type":"{{type}}","order":"{{order.Id}}","amount":{{order.Amount}},"currency":"{{order.Currency}}","payment_reference":"{{fields["payment_reference"]}}","reason":"{{fields["reason"]}}"}""");
        var (ts, signature) = TopUpTestKit.Sign(body, DateTimeOffset.UtcNow);

        var refused = await client.SendAsync(Delivery(body, ts, signature));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var answer = (await refused.Content.ReadFromJsonAsync<WebhookResponse>())!;
        Assert.Equal(code, answer.Error);
        if (code.StartsWith("field_", StringComparison.Ordinal)) Assert.Contains(field, answer.Message);
        Assert.Equal(TopUpStatus.Pending, (await app.Get<TopUpService>().GetAsync(order.Id))!.Status);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
            Assert.False(await db.PaymentEvents.AnyAsync());

        var good = TopUpTestKit.Body(order, "paid", "evt_good_after_bad");
        (ts, signature) = TopUpTestKit.Sign(good, DateTimeOffset.UtcNow);
        var credited = await client.SendAsync(Delivery(good, ts, signature));

        Assert.Equal(HttpStatusCode.OK, credited.StatusCode);
        Assert.Equal(TopUpStatus.Credited, (await app.Get<TopUpService>().GetAsync(order.Id))!.Status);
        Assert.Equal(1, await GrantCountAsync(app));
    }
}
