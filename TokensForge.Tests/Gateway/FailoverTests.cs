using System.Net;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Gateway.FailoverFixture;

namespace TokensForge.Tests.Gateway;

/// <summary>
/// Failover across routes (DESIGN §5, §6) against real HTTP upstreams that fail in the ways upstreams do: the next
/// route is tried only before the first byte reached the caller, every attempt is on the receipt, and only the
/// attempt that answered is charged.
/// </summary>
public sealed class FailoverTests(FailoverFixture fixture) : IClassFixture<FailoverFixture>
{
    private static long CostOf(FakeRoute route, int completion = 5) => route.Prices.CostOf(FakeUpstream.PromptTokens, completion);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upstream500_NextRouteAnswers_ReceiptListsBothAttempts_OnlyTheAnswerIsCharged_FirstHoldVoided(bool stream)
    {
        // The second route costs more than the first hold covers: that hold is voided and a new one placed.
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Fail500), new(FakeMode.Succeed, Input: 3_000_000, Output: 6_000_000));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        var (client, userId) = await fixture.ClientAsync();

        var (response, body, receiptId) = await SendAsync(client, Chat(model, stream));
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);
        var transfers = await fixture.TransfersOfAsync(receipt.Id);
        var attempts = Attempts(receipt);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(" ok", body);
        Assert.Equal((1, 1), (a.Requests, b.Requests));
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.Equal(routes[1].Id, receipt.RouteId);
        Assert.Equal(routes[1].Prices.SnapshotId, receipt.PriceSnapshotId);
        Assert.Equal(CostOf(routes[1]), receipt.Cost);
        Assert.Equal(2, attempts.Count);
        Assert.Equal((routes[0].Id, AttemptResult.Failed, 500, false), (attempts[0].RouteId, attempts[0].Result, attempts[0].UpstreamStatus, attempts[0].Charged));
        Assert.Equal(routes[0].Prices.SnapshotId, attempts[0].PriceSnapshotId);
        Assert.Equal((routes[1].Id, AttemptResult.Completed, true), (attempts[1].RouteId, attempts[1].Result, attempts[1].Charged));
        Assert.Equal(2, transfers.Count(t => t.Flags == TransferFlags.Pending));
        Assert.Single(transfers, t => t.Flags == TransferFlags.VoidPending);
        Assert.Equal(receipt.Cost, transfers.Where(t => t.Flags == TransferFlags.PostPending).Sum(t => t.Amount));
        Assert.Equal(2 * Funds - receipt.Cost, await fixture.AvailableAsync(userId));
    }

    [Fact]
    public async Task Upstream429_NextCheaperRouteOfTheSameKind_ReusesTheHold_AndRetryAfterKeepsTheRouteAsideUntilItPasses()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.TooManyRequests), new(FakeMode.Succeed, Input: 500_000, Output: 1_000_000));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        a.RetryAfterSeconds = 60;
        var (client, _) = await fixture.ClientAsync();

        var first = await SendAsync(client, Chat(model, stream: false));
        var firstReceipt = await fixture.ReceiptAsync(first.Receipt!.Value);
        var firstTransfers = await fixture.TransfersOfAsync(firstReceipt.Id);
        a.Mode = FakeMode.Succeed;
        var second = await SendAsync(client, Chat(model, stream: false));
        var secondAttempts = Attempts(await fixture.ReceiptAsync(second.Receipt!.Value));
        var callsWithinRetryAfter = a.Requests;
        fixture.Time.Advance(TimeSpan.FromSeconds(61));
        var third = await SendAsync(client, Chat(model, stream: false));
        var thirdReceipt = await fixture.ReceiptAsync(third.Receipt!.Value);

        Assert.Equal(HttpStatusCode.OK, first.Response.StatusCode);
        Assert.Equal([AttemptResult.Failed, AttemptResult.Completed], Attempts(firstReceipt).Select(x => x.Result));
        Assert.Equal(429, Attempts(firstReceipt)[0].UpstreamStatus);
        Assert.Equal(CostOf(routes[1]), firstReceipt.Cost);
        Assert.Single(firstTransfers, t => t.Flags == TransferFlags.Pending);
        Assert.DoesNotContain(firstTransfers, t => t.Flags == TransferFlags.VoidPending);
        Assert.Equal(firstReceipt.Cost, firstTransfers.Where(t => t.Flags == TransferFlags.PostPending).Sum(t => t.Amount));

        // Within the Retry-After the route is not called, though its circuit is closed.
        Assert.Equal([AttemptResult.Skipped, AttemptResult.Completed], secondAttempts.Select(x => x.Result));
        Assert.Contains("Retry-After", secondAttempts[0].Error);
        Assert.Equal(1, callsWithinRetryAfter);

        Assert.Equal(routes[0].Id, thirdReceipt.RouteId);
        Assert.Equal([AttemptResult.Completed], Attempts(thirdReceipt).Select(x => x.Result));
        Assert.Equal(2, a.Requests);
    }

    [Fact]
    public async Task UpstreamSendsNothingWithinTheRouteTimeout_StreamFailsOver_TheCallerSeesOneCleanStream()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Hang, FirstByteTimeoutSeconds: 5), new(FakeMode.Succeed));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        var (client, _) = await fixture.ClientAsync();

        var sending = SendAsync(client, Chat(model, stream: true));
        await a.WaitForRequestsAsync();
        fixture.Time.Advance(TimeSpan.FromSeconds(6));
        var (response, body, receiptId) = await sending;
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("data: [DONE]", body.TrimEnd());
        Assert.DoesNotContain("\"error\"", body);
        Assert.Equal(5, body.Split("\"content\":\" ok\"").Length - 1);
        Assert.Equal([AttemptResult.TimedOut, AttemptResult.Completed], Attempts(receipt).Select(x => x.Result));
        Assert.Equal(routes[1].Id, receipt.RouteId);
        Assert.Equal(CostOf(routes[1]), receipt.Cost);
    }

    [Fact]
    public async Task ConnectionRefused_NextRouteAnswers()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Succeed, BaseUrl: FakeUpstream.ClosedPortUrl()), new(FakeMode.Succeed));
        await using var unused = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        var (client, _) = await fixture.ClientAsync();

        var (response, _, receiptId) = await SendAsync(client, Chat(model, stream: false));
        var attempts = Attempts(await fixture.ReceiptAsync(receiptId!.Value));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([AttemptResult.Failed, AttemptResult.Completed], attempts.Select(x => x.Result));
        Assert.Null(attempts[0].UpstreamStatus);
        Assert.False(string.IsNullOrEmpty(attempts[0].Error));
    }

    [Fact]
    public async Task UpstreamCutAfterTheFirstByte_IsNotRetried_PartialChargeForWhatWasDelivered()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.CutMidStream), new(FakeMode.Succeed));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        a.CutAfter = 3;
        var (client, _) = await fixture.ClientAsync();

        var (response, body, receiptId) = await SendAsync(client, Chat(model, stream: true));
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);
        var charged = (await fixture.TransfersOfAsync(receipt.Id)).Where(t => t.Flags == TransferFlags.PostPending).Sum(t => t.Amount);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, body.Split("\"content\":\" ok\"").Length - 1);
        Assert.Contains("\"error\"", body);
        Assert.Equal(0, b.Requests);
        Assert.Equal(RequestStatus.Partial, receipt.Status);
        Assert.Equal(ReceiptReasons.UpstreamCut, receipt.Reason);
        var attempt = Assert.Single(Attempts(receipt));
        Assert.Equal((AttemptResult.Cut, true), (attempt.Result, attempt.Charged));
        Assert.Equal(3, receipt.CompletionTokens);
        Assert.Equal(routes[0].Prices.CostOf(receipt.PromptTokens, 3), receipt.Cost);
        Assert.Equal(receipt.Cost, charged);
    }

    [Fact]
    public async Task AnErrorEventAfterTheFirstChunks_EndsTheStream_PartialChargeForWhatWasDelivered()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.ErrorEventMidStream), new(FakeMode.Succeed));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        a.CutAfter = 2;
        var (client, _) = await fixture.ClientAsync();

        var (response, body, receiptId) = await SendAsync(client, Chat(model, stream: true));
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, body.Split("\"content\":\" ok\"").Length - 1);
        Assert.Contains("\"error\"", body);
        Assert.DoesNotContain("[DONE]", body);
        Assert.Equal(0, b.Requests);
        Assert.Equal((RequestStatus.Partial, ReceiptReasons.UpstreamCut), (receipt.Status, receipt.Reason));
        Assert.Contains("overloaded", Assert.Single(Attempts(receipt)).Error);
        Assert.Equal(routes[0].Prices.CostOf(receipt.PromptTokens, 2), receipt.Cost);
    }

    [Fact]
    public async Task AnErrorEventBeforeAnyChunk_FailsOverToTheNextRoute_AndTheFirstIsFree()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.ErrorEventMidStream), new(FakeMode.Succeed));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        a.CutAfter = 0;
        var (client, _) = await fixture.ClientAsync();

        var (response, body, receiptId) = await SendAsync(client, Chat(model, stream: true));
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("[DONE]", body);
        Assert.DoesNotContain("overloaded", body);
        Assert.Equal(1, b.Requests);
        Assert.Equal([AttemptResult.Failed, AttemptResult.Completed], Attempts(receipt).Select(x => x.Result));
        Assert.Equal(routes[1].Id, receipt.RouteId);
    }

    [Fact]
    public async Task Upstream400_TheRequestsOwnFault_IsNotRetried_CallerGets400_Free()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.BadRequest), new(FakeMode.Succeed));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        var (client, userId) = await fixture.ClientAsync();

        var (response, body, receiptId) = await SendAsync(client, Chat(model, stream: false));
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_request_error", body);
        Assert.Equal(0, b.Requests);
        Assert.Equal((RequestStatus.Failed, 0L), (receipt.Status, receipt.Cost));
        Assert.Equal([AttemptResult.Failed], Attempts(receipt).Select(x => x.Result));
        Assert.Equal(2 * Funds, await fixture.AvailableAsync(userId));
    }

    [Fact]
    public async Task EveryRouteFails_FreeFailure_EveryAttemptListed_EveryHoldVoided()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Fail500), new(FakeMode.Fail500, Kind: RouteKind.Official), new(FakeMode.TooManyRequests));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        await using var c = routes[2].Upstream;
        var (client, userId) = await fixture.ClientAsync();

        var (response, body, receiptId) = await SendAsync(client, Chat(model, stream: true));
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);
        var transfers = await fixture.TransfersOfAsync(receipt.Id);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("upstream_error", body);
        Assert.Equal((RequestStatus.Failed, ReceiptReasons.UpstreamError, 0L), (receipt.Status, receipt.Reason, receipt.Cost));
        Assert.Equal([routes[0].Id, routes[1].Id, routes[2].Id], Attempts(receipt).Select(x => x.RouteId));
        Assert.Equal([500, 500, 429], Attempts(receipt).Select(x => x.UpstreamStatus ?? 0));
        Assert.All(Attempts(receipt), x => Assert.False(x.Charged));
        Assert.Equal(transfers.Count(t => t.Flags == TransferFlags.Pending), transfers.Count(t => t.Flags == TransferFlags.VoidPending));
        Assert.DoesNotContain(transfers, t => t.Flags == TransferFlags.PostPending);
        Assert.Equal(routes[2].Id, receipt.RouteId);
        Assert.Equal(2 * Funds, await fixture.AvailableAsync(userId));
    }

    [Fact]
    public async Task PriceChangeBetweenRequests_EachReceiptPointsAtTheSnapshotInForceWhenItStarted()
    {
        var (model, routes) = await fixture.RoutesAsync(new FakeRouteSpec(FakeMode.Gated));
        await using var a = routes[0].Upstream;
        var (client, _) = await fixture.ClientAsync();
        var admin = fixture.Host.Get<RouteAdministration>();

        // A request in flight while the price changes keeps the price it started with.
        var inFlight = SendAsync(client, Chat(model, stream: false));
        await a.WaitForRequestsAsync();
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var second = (await admin.SetPricesAsync(new PriceDraft(routes[0].Id, model, 2_000_000, 8_000_000, 1_000_000), Admin)).Value!;
        a.OpenGate();
        var first = await fixture.ReceiptAsync((await inFlight).Receipt!.Value);
        a.Mode = FakeMode.Succeed;
        var afterChange = await fixture.ReceiptAsync((await SendAsync(client, Chat(model, stream: true))).Receipt!.Value);
        var third = (await admin.SetPricesAsync(new PriceDraft(routes[0].Id, model, 4_000_000, 16_000_000, 2_000_000,
            fixture.Time.GetUtcNow().UtcDateTime.AddHours(1)), Admin)).Value!;
        var beforeScheduled = await fixture.ReceiptAsync((await SendAsync(client, Chat(model, stream: false))).Receipt!.Value);
        fixture.Time.Advance(TimeSpan.FromHours(1));
        var afterScheduled = await fixture.ReceiptAsync((await SendAsync(client, Chat(model, stream: false))).Receipt!.Value);

        Assert.Equal(routes[0].Prices.SnapshotId, first.PriceSnapshotId);
        Assert.Equal(CostOf(routes[0]), first.Cost);
        Assert.Equal(second.Id, afterChange.PriceSnapshotId);
        Assert.Equal(new Prices(second.Id, 2_000_000, 8_000_000, 1_000_000).CostOf(FakeUpstream.PromptTokens, 5), afterChange.Cost);
        Assert.Equal(second.Id, beforeScheduled.PriceSnapshotId);
        Assert.Equal(third.Id, afterScheduled.PriceSnapshotId);
        Assert.Equal(new Prices(third.Id, 4_000_000, 16_000_000, 2_000_000).CostOf(FakeUpstream.PromptTokens, 5), afterScheduled.Cost);
        Assert.True(first.Cost < afterChange.Cost && afterChange.Cost < afterScheduled.Cost);
    }

    [Fact]
    public async Task Attempts_AreAppendOnly()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Fail500), new(FakeMode.Succeed));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        var (client, _) = await fixture.ClientAsync();
        var receiptId = (await SendAsync(client, Chat(model, stream: false))).Receipt!.Value;
        await using var db = fixture.Host.NewContext();

        var edit = () => db.RequestAttempts.Where(x => x.RequestRecordId == receiptId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Charged, true));
        var delete = () => db.RequestAttempts.Where(x => x.RequestRecordId == receiptId).ExecuteDeleteAsync();

        await Assert.ThrowsAnyAsync<Exception>(edit);
        await Assert.ThrowsAnyAsync<Exception>(delete);
        Assert.Equal(2, await db.RequestAttempts.CountAsync(x => x.RequestRecordId == receiptId));
    }

    [SkippableFact]
    public async Task Upstream500_FailsOverWithTheSameMoneyRules_OnPostgres()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var host = await GatewayHost.StartOnPostgresAsync();
        var (model, routes) = await RoutesAsync(host, new(FakeMode.Fail500), new(FakeMode.Succeed, Kind: RouteKind.Official, Input: 3_000_000, Output: 6_000_000));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        var (userId, _) = await host.AddUserAsync(("routed", Funds), ("official", Funds));
        using var client = host.Client((await host.CreateKeyAsync(userId)).Secret);

        var (response, _, receiptId) = await SendAsync(client, Chat(model, stream: true));
        await using var db = host.NewContext();
        var receipt = await db.RequestRecords.AsNoTracking().Include(r => r.Attempts).SingleAsync(r => r.Id == receiptId);
        var reference = receipt.Id.ToString();
        var transfers = await db.Transfers.AsNoTracking().Where(t => t.Reference == reference).ToListAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([AttemptResult.Failed, AttemptResult.Completed], Attempts(receipt).Select(x => x.Result));
        Assert.Equal(CostOf(routes[1]), receipt.Cost);
        Assert.Single(transfers, t => t.Flags == TransferFlags.VoidPending);
        Assert.Equal(receipt.Cost, transfers.Where(t => t.Flags == TransferFlags.PostPending).Sum(t => t.Amount));
        Assert.True((await host.VerifyLedgerAsync()).Ok);
    }

    [Fact]
    public async Task RouteKeyThatCannotBeDecrypted_FailsLikeABrokenUpstream_AndTheNextRouteAnswers()
    {
        var (model, routes) = await fixture.RoutesAsync(new(FakeMode.Succeed, UpstreamKey: "sk-will-be-unreadable"), new(FakeMode.Succeed));
        await using var a = routes[0].Upstream;
        await using var b = routes[1].Upstream;
        await using (var db = fixture.Host.NewContext())
            await db.Routes.Where(r => r.Id == routes[0].Id).ExecuteUpdateAsync(u => u.SetProperty(r => r.ProtectedUpstreamKey, "not-a-protected-payload"));
        fixture.Host.Get<RouteCatalog>().Invalidate();
        var (client, _) = await fixture.ClientAsync();

        var (response, _, receiptId) = await SendAsync(client, Chat(model, stream: false));
        var attempts = Attempts(await fixture.ReceiptAsync(receiptId!.Value));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, a.Requests);
        Assert.Equal([AttemptResult.Failed, AttemptResult.Completed], attempts.Select(x => x.Result));
        Assert.Contains("cannot be decrypted", attempts[0].Error);
    }
}
