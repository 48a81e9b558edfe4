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

namespace TokensForge.Tests.Web;

public sealed class PaymentWebhookEndpointsTests
{
    private static TokensForgeApp App() => new(new Dictionary<string, string?>
    {
        ["Payments:TestCheckoutEnabled"] = "true",
        ["Payments:WebhookSecret"] = TopUpTestKit.Secret,
    });

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
}
