using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Gateway;

/// <summary>
/// A streamed <c>/v1/responses</c> or <c>/v1/messages</c> request repeated under the same <c>Idempotency-Key</c> after it
/// completed: the stored events come back as the same stream, with the same receipt, no second upstream call and no
/// second charge (as chat completions already do). Over HTTP to a fake upstream that counts its calls.
/// </summary>
public sealed class StreamReplayTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private static readonly AdminActor Admin = new(TokensForgeApp.AdminEmail, "127.0.0.1");
    private GatewayHost Host => fixture.Host;

    private async Task<(string Model, FakeUpstream Upstream)> ModelAsync()
    {
        var admin = Host.Get<RouteAdministration>();
        var model = "rp-" + Guid.NewGuid().ToString("N")[..10];
        Assert.True((await admin.SaveModelAsync(new ModelDraft(model, "Replay test model", ModelKind.Chat, 128_000, MaxOutputTokens: 1_000), create: true, Admin)).Succeeded);
        var upstream = await FakeUpstream.StartAsync();
        var route = await admin.CreateRouteAsync(new RouteDraft(model + "-route", RouteKind.Routed, upstream.BaseUrl, Priority: 10, Weight: 1,
            ConnectTimeoutSeconds: 5, FirstByteTimeoutSeconds: 10, TotalTimeoutSeconds: 60, Enabled: true, [new ModelMapping(model, "upstream-" + model)]), Admin);
        Assert.True(route.Succeeded, route.Error?.ToString());
        Assert.True((await admin.SetPricesAsync(new PriceDraft(route.Value, model, 1_000_000, 2_000_000, 500_000), Admin)).Succeeded);
        return (model, upstream);
    }

    private static HttpRequestMessage Post(string path, object body, string key) => new(HttpMethod.Post, path)
    {
        Content = JsonContent.Create(body),
        Headers = { { "Idempotency-Key", key } },
    };

    public static TheoryData<string> FrontDoors => new() { "responses", "messages" };

    private static object Body(string door, string model, bool stream) => door == "responses"
        ? new { model, input = "Tell me about rivers.", stream }
        : new { model, max_tokens = 200, stream, messages = new[] { new { role = "user", content = "Tell me about rivers." } } };

    [Theory]
    [MemberData(nameof(FrontDoors))]
    public async Task ARetriedCompletedStream_IsReplayedEventForEvent_WithTheSameReceipt_NoSecondCallNorCharge(string door)
    {
        var (model, upstream) = await ModelAsync();
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        var client = Host.Client((await Host.CreateKeyAsync(userId)).Secret);
        var key = Guid.NewGuid().ToString();

        var first = await client.SendAsync(Post("v1/" + door, Body(door, model, stream: true), key));
        var firstEvents = await first.Content.ReadAsStringAsync();
        await using var db = Host.NewContext();
        var accounts = db.CreditGrants.Where(g => g.UserId == userId).Select(g => g.AccountId);
        var transfersAfterFirst = await db.Transfers.CountAsync(t => accounts.Contains(t.DebitAccountId) || accounts.Contains(t.CreditAccountId));
        var second = await client.SendAsync(Post("v1/" + door, Body(door, model, stream: true), key));
        var secondEvents = await second.Content.ReadAsStringAsync();
        var unstreamed = await client.SendAsync(Post("v1/" + door, Body(door, model, stream: false), key));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.StartsWith("text/event-stream", second.Content.Headers.ContentType!.ToString());
        Assert.Contains(door == "responses" ? "event: response.completed" : "event: message_stop", firstEvents);
        Assert.Equal(firstEvents, secondEvents);
        Assert.Equal(first.Headers.GetValues("x-tokensforge-receipt").Single(), second.Headers.GetValues("x-tokensforge-receipt").Single());
        Assert.Equal("true", second.Headers.GetValues("x-tokensforge-idempotent-replay").Single());
        Assert.False(first.Headers.Contains("x-tokensforge-idempotent-replay"));
        // The same key with a different body (not streamed) is another request: refused, as for chat.
        Assert.Equal(HttpStatusCode.BadRequest, unstreamed.StatusCode);
        Assert.Contains("different request body", await unstreamed.Content.ReadAsStringAsync());
        Assert.Equal(1, upstream.Requests);
        Assert.Equal(1, await db.RequestRecords.CountAsync(r => r.UserId == userId));
        Assert.Equal(transfersAfterFirst, await db.Transfers.CountAsync(t => accounts.Contains(t.DebitAccountId) || accounts.Contains(t.CreditAccountId)));
    }
}
