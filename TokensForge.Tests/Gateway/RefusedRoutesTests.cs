using System.Net;
using TokensForge.Core.Gateway;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Gateway.FailoverFixture;

namespace TokensForge.Tests.Gateway;

/// <summary>
/// Which routes a refused hold rules out: a payer that cannot cover a worst case cannot cover a larger one on the same
/// terms, but may still cover a cheaper route further down the order.
/// </summary>
public sealed class RefusedRoutesTests(FailoverFixture fixture) : IClassFixture<FailoverFixture>
{
    [Fact]
    public void WalletRefusal_RulesOutTheSameKindAtTheSameOrHigherWorstCase_NotCheaperRoutesNorOtherKinds()
    {
        var refused = new RefusedRoutes();
        refused.Add(RouteKind.Routed, 1_000);

        Assert.True(refused.RulesOut(RouteKind.Routed, 1_000));
        Assert.True(refused.RulesOut(RouteKind.Routed, 5_000));
        Assert.False(refused.RulesOut(RouteKind.Routed, 999));
        Assert.False(refused.RulesOut(RouteKind.Official, 5_000));
    }

    [Fact]
    public void SpendLimitOrSponsorRefusal_RulesOutEveryKindAtTheSameOrHigherWorstCase()
    {
        var refused = new RefusedRoutes();
        refused.Add(kind: null, 1_000);

        Assert.True(refused.RulesOut(RouteKind.Official, 1_000));
        Assert.True(refused.RulesOut(RouteKind.Routed, 2_000));
        Assert.False(refused.RulesOut(RouteKind.Official, 999));
    }

    [Fact]
    public async Task WalletCannotCoverTheFirstRoute_ACheaperRouteOfTheSameKindFurtherDown_ServesAndCharges()
    {
        // The first route's worst case (50 output tokens at ¥40,000 per 1M) is ¥2; the wallet holds ¥1; the second costs µ.
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Succeed, Output: 40_000_000_000), new(FakeMode.Succeed));
        await using var expensive = routes[0].Upstream;
        await using var cheap = routes[1].Upstream;
        var (userId, _) = await fixture.Host.AddUserAsync(("routed", 1_000_000));
        var client = fixture.Host.Client((await fixture.Host.CreateKeyAsync(userId)).Secret);

        var (response, body, receiptId) = await SendAsync(client, Chat(model, stream: false));
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(" ok", body);
        Assert.Equal((0, 1), (expensive.Requests, cheap.Requests));
        Assert.Equal((RequestStatus.Succeeded, routes[1].Id), (receipt.Status, receipt.RouteId));
        Assert.Equal(routes[1].Prices.CostOf(FakeUpstream.PromptTokens, 5), receipt.Cost);
        Assert.Equal(1_000_000 - receipt.Cost, await fixture.AvailableAsync(userId));
    }

    [Fact]
    public async Task WalletCannotCoverAnyRoute_402NamesTheFirstRoutesWorstCase_NoUpstreamCalled()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Succeed, Output: 40_000_000_000), new(FakeMode.Succeed, Output: 30_000_000_000));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        var (userId, _) = await fixture.Host.AddUserAsync(("routed", 1_000_000));
        var client = fixture.Host.Client((await fixture.Host.CreateKeyAsync(userId)).Secret);

        var (response, body, receiptId) = await SendAsync(client, Chat(model, stream: false));
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        var error = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("insufficient_balance", error.GetProperty("code").GetString());
        Assert.Contains("worst case ¥2.", error.GetProperty("message").GetString());
        Assert.Equal((0, 0), (a.Requests, b.Requests));
        Assert.Equal((RequestStatus.Failed, ReceiptReasons.InsufficientBalance, 0L), (receipt.Status, receipt.Reason, receipt.Cost));
        Assert.Equal(1_000_000, await fixture.AvailableAsync(userId));
    }
}
