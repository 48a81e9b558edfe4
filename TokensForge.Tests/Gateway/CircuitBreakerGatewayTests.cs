using System.Net;
using TokensForge.Core.Gateway;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Gateway.FailoverFixture;

namespace TokensForge.Tests.Gateway;

/// <summary>The gateway and the per-route circuit breaker: an open route is skipped, a half-open one is probed by one request.</summary>
public sealed class CircuitBreakerGatewayTests(FailoverFixture fixture) : IClassFixture<FailoverFixture>
{
    private RouteHealthMonitor Health => fixture.Host.Get<RouteHealthMonitor>();

    private async Task<IReadOnlyList<AttemptResult>> RequestAsync(HttpClient client, string model)
    {
        var (response, _, receipt) = await SendAsync(client, Chat(model, stream: false));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Attempts(await fixture.ReceiptAsync(receipt!.Value)).Select(a => a.Result).ToList();
    }

    /// <summary>Fails the first route until its circuit opens (each request still answered by the second route).</summary>
    private async Task OpenTheFirstRouteAsync(HttpClient client, string model, FakeRoute first)
    {
        for (var i = 0; i < ConsecutiveFailures; i++)
            Assert.Equal([AttemptResult.Failed, AttemptResult.Completed], await RequestAsync(client, model));
        Assert.Equal(CircuitState.Open, Health.Snapshot(first.Id).Circuit);
        Assert.Equal(ConsecutiveFailures, first.Upstream.Requests);
    }

    [Theory]
    [InlineData(400, false, "The fake upstream does not accept this request.")]
    [InlineData(413, false, "Request too large.")]
    [InlineData(422, true, "Unprocessable input.")]
    [InlineData(403, false, "Your input was flagged by moderation.")]
    [InlineData(200, true, "The response was filtered: content_filter.")]
    public async Task OneCallersRefusedRequests_DoNotOpenTheCircuit_OtherCallersStillServed_RouteFailuresStillDo(int status, bool stream, string message)
    {
        var (model, routes) = await fixture.RoutesAsync(new FakeRouteSpec(FakeMode.Succeed));
        await using var upstream = routes[0].Upstream;
        upstream.RefuseContaining = "[noisy]";
        upstream.RefusalStatus = status;
        upstream.RefusalMessage = message;
        var (noisy, _) = await fixture.ClientAsync();
        var (other, _) = await fixture.ClientAsync();
        const int refusals = 5 * ConsecutiveFailures;

        for (var i = 0; i < refusals; i++)
        {
            var (response, body, _) = await SendAsync(noisy, Chat(model, stream, content: $"[noisy] attempt {i}"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("invalid_request_error", body);
        }
        var afterRefusals = Health.Snapshot(routes[0].Id);
        var calls = upstream.Requests;
        var served = await SendAsync(other, Chat(model, stream));

        Assert.Equal(CircuitState.Closed, afterRefusals.Circuit);
        Assert.Equal(refusals, calls);
        Assert.Equal(status, afterRefusals.LastErrorStatus);
        Assert.Equal(HttpStatusCode.OK, served.Response.StatusCode);
        Assert.Equal(1.0, Health.Snapshot(routes[0].Id).SuccessRate);

        // The route's own failures still count, whoever sends them.
        upstream.Mode = FakeMode.Fail500;
        for (var i = 0; i < ConsecutiveFailures; i++) await SendAsync(other, Chat(model, stream));
        Assert.Equal(CircuitState.Open, Health.Snapshot(routes[0].Id).Circuit);
    }

    [Fact]
    public async Task OpenRoute_IsSkippedWithoutACall_HalfOpenLetsOneRequestProbe_SuccessClosesIt()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Fail500), new(FakeMode.Succeed));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        var (client, _) = await fixture.ClientAsync();
        await OpenTheFirstRouteAsync(client, model, routes[0]);

        var whileOpen = await RequestAsync(client, model);
        var callsWhileOpen = a.Requests;
        var retryAt = Health.Snapshot(routes[0].Id).RetryAt;
        a.Mode = FakeMode.Succeed;
        fixture.Time.Advance(CoolDown + TimeSpan.FromSeconds(1));
        var halfOpen = Health.Snapshot(routes[0].Id).Circuit;
        var probe = await RequestAsync(client, model);
        var afterProbe = await RequestAsync(client, model);

        Assert.Equal([AttemptResult.Skipped, AttemptResult.Completed], whileOpen);
        Assert.Equal(ConsecutiveFailures, callsWhileOpen);
        Assert.NotNull(retryAt);
        Assert.Equal(CircuitState.HalfOpen, halfOpen);
        Assert.Equal([AttemptResult.Completed], probe);
        Assert.Equal([AttemptResult.Completed], afterProbe);
        Assert.Equal(ConsecutiveFailures + 2, a.Requests);
        Assert.Equal(CircuitState.Closed, Health.Snapshot(routes[0].Id).Circuit);
    }

    [Fact]
    public async Task HalfOpenProbeFails_CircuitOpensAgain_AndTheRouteIsSkippedOnceMore()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Fail500), new(FakeMode.Succeed));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        var (client, _) = await fixture.ClientAsync();
        await OpenTheFirstRouteAsync(client, model, routes[0]);

        fixture.Time.Advance(CoolDown + TimeSpan.FromSeconds(1));
        var probe = await RequestAsync(client, model);
        var next = await RequestAsync(client, model);

        Assert.Equal([AttemptResult.Failed, AttemptResult.Completed], probe);
        Assert.Equal([AttemptResult.Skipped, AttemptResult.Completed], next);
        Assert.Equal(ConsecutiveFailures + 1, a.Requests);
        var health = Health.Snapshot(routes[0].Id);
        Assert.Equal(CircuitState.Open, health.Circuit);
        Assert.Equal(500, health.LastErrorStatus);
    }

    [Fact]
    public async Task EveryRouteOpen_FreeFailureWithRetryAfter_AndAdminResetLetsRequestsThrough()
    {
        var (model, routes) = await fixture.RoutesAsync(new FakeRouteSpec(FakeMode.Fail500));
        await using var a = routes[0].Upstream;
        var (client, userId) = await fixture.ClientAsync();
        for (var i = 0; i < ConsecutiveFailures; i++)
            Assert.Equal(HttpStatusCode.BadGateway, (await SendAsync(client, Chat(model, stream: false))).Response.StatusCode);

        var (response, body, receiptId) = await SendAsync(client, Chat(model, stream: false));
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);
        a.Mode = FakeMode.Succeed;
        await fixture.Host.Get<RouteAdministration>().ResetCircuitAsync(routes[0].Id, Admin);
        var afterReset = await SendAsync(client, Chat(model, stream: false));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("not charged", body);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal((RequestStatus.Failed, ReceiptReasons.NoHealthyRoute, 0L), (receipt.Status, receipt.Reason, receipt.Cost));
        Assert.Equal([AttemptResult.Skipped], Attempts(receipt).Select(x => x.Result));
        Assert.Equal(HttpStatusCode.OK, afterReset.Response.StatusCode);
        Assert.Equal(ConsecutiveFailures + 1, a.Requests);
        Assert.Equal(2 * Funds - (await fixture.ReceiptAsync(afterReset.Receipt!.Value)).Cost, await fixture.AvailableAsync(userId));
    }

    [Fact]
    public async Task ProbeNow_OnAnOpenRoute_SucceedingClosesTheCircuit_WithoutChargingAnyone()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Fail500), new(FakeMode.Succeed));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        var (client, _) = await fixture.ClientAsync();
        await OpenTheFirstRouteAsync(client, model, routes[0]);
        a.Mode = FakeMode.Succeed;

        var probe = await fixture.Host.Get<RouteProbe>().ProbeAsync(routes[0].Id);
        var next = await RequestAsync(client, model);

        Assert.NotNull(probe);
        Assert.True(probe.Success, probe.Error);
        Assert.Equal((200, model), (probe.UpstreamStatus, probe.ModelId));
        Assert.Equal($"upstream-{routes[0].Name}", a.Models.Last());
        Assert.Equal(CircuitState.Closed, Health.Snapshot(routes[0].Id).Circuit);
        Assert.Equal([AttemptResult.Completed], next);
    }

    [Fact]
    public async Task ProbeNow_FailingRoute_ReportsTheStatusAndError()
    {
        var (_, routes) = await fixture.RoutesAsync(new FakeRouteSpec(FakeMode.Fail500));
        await using var a = routes[0].Upstream;

        var probe = await fixture.Host.Get<RouteProbe>().ProbeAsync(routes[0].Id);

        Assert.False(probe!.Success);
        Assert.Equal(500, probe.UpstreamStatus);
        Assert.Contains("fake upstream failed", probe.Error);
        Assert.Equal(500, Health.Snapshot(routes[0].Id).LastErrorStatus);
    }
}
