using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Core.Upstreams;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Gateway.FailoverFixture;

namespace TokensForge.Tests.Gateway;

/// <summary>
/// An answer read whole (non-streaming chat, Responses, Messages, embeddings), and each line of a streamed one, is bounded
/// by its route's answer limit: a bigger one is cut off while being read, answered as a 502 that says so, free, on a receipt that says why, and counted
/// neither against the route's health nor retried on another route (the request made it big, another route would too).
/// </summary>
public sealed class AnswerLimitTests(FailoverFixture fixture) : IClassFixture<FailoverFixture>
{
    private const int Limit = Route.MinMaxAnswerBytes;

    private async Task LimitAnswersAsync(Guid routeId, int maxAnswerBytes)
    {
        var route = (await fixture.Host.Get<RouteAdminQueries>().GetRouteAsync(routeId))!;
        var saved = await fixture.Host.Get<RouteAdministration>().UpdateRouteAsync(routeId, new RouteDraft(route.Name, route.Kind, route.BaseUrl, route.Priority,
            route.Weight, route.ConnectTimeoutSeconds, route.FirstByteTimeoutSeconds, route.TotalTimeoutSeconds, route.Enabled, route.Models,
            MaxAnswerBytes: maxAnswerBytes), Admin);
        Assert.True(saved.Succeeded, saved.Error?.ToString());
        Assert.Equal(maxAnswerBytes, (await fixture.Host.Get<RouteAdminQueries>().GetRouteAsync(routeId))!.MaxAnswerBytes);
    }

    private static HttpRequestMessage Post(string path, string json) =>
        new(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static TheoryData<string, string, bool> FrontDoors => new()
    {
        { "v1/chat/completions", """{"model":"{model}","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}""", false },
        { "v1/chat/completions", """{"model":"{model}","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}""", true },
        // A stream is relayed line by line; one line without an end is held whole, so it is bounded too.
        { "v1/chat/completions", """{"model":"{model}","stream":true,"max_tokens":50,"messages":[{"role":"user","content":"hi"}]}""", false },
        { "v1/responses", """{"model":"{model}","max_output_tokens":50,"store":false,"input":"hi"}""", false },
        { "v1/messages", """{"model":"{model}","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}""", false },
    };

    [Theory]
    [MemberData(nameof(FrontDoors))]
    public async Task AnswerOverTheRoutesLimit_CutOffWhileReading_502_Free_ReceiptSaysWhy_NotRetriedNorHeldAgainstTheRoute(string path, string json,
        bool announceLength)
    {
        var (model, routes) = await fixture.RoutesAsync(new FakeRouteSpec(FakeMode.Huge), new FakeRouteSpec(FakeMode.Succeed));
        await using var huge = routes[0].Upstream;
        await using var next = routes[1].Upstream;
        huge.AnnounceLength = announceLength;
        await LimitAnswersAsync(routes[0].Id, Limit);
        var (client, userId) = await fixture.ClientAsync();
        var before = await fixture.AvailableAsync(userId);

        // More requests than it takes to open the circuit, had they counted as route failures.
        for (var i = 0; i <= ConsecutiveFailures; i++)
        {
            var (response, body, receiptId) = await SendAsync(client, Post(path, json.Replace("{model}", model)));

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains("was larger than this route accepts (64 KiB)", body);
            if (!path.EndsWith("messages", StringComparison.Ordinal))
            {
                using var error = JsonDocument.Parse(body);
                Assert.Equal(("upstream_error", "answer_too_large"),
                    (error.RootElement.GetProperty("error").GetProperty("type").GetString(), error.RootElement.GetProperty("error").GetProperty("code").GetString()));
            }
            var receipt = await fixture.ReceiptAsync(receiptId!.Value);
            Assert.Equal((RequestStatus.Failed, ReceiptReasons.AnswerTooLarge, 0L), (receipt.Status, receipt.Reason, receipt.Cost));
            Assert.Contains($"limit of {Limit} bytes", receipt.UpstreamError);
            Assert.Equal([(routes[0].Id, AttemptResult.Failed)], Attempts(receipt).Select(a => (a.RouteId, a.Result)));
            var transfers = await fixture.TransfersOfAsync(receipt.Id);
            Assert.Single(transfers, t => t.Flags == TransferFlags.Pending);
            Assert.Single(transfers, t => t.Flags == TransferFlags.VoidPending);
            Assert.DoesNotContain(transfers, t => t.Flags == TransferFlags.PostPending);
        }

        Assert.Equal(before, await fixture.AvailableAsync(userId));
        Assert.Equal(0, next.Requests);
        Assert.Equal(CircuitState.Closed, fixture.Host.Get<RouteHealthMonitor>().Snapshot(routes[0].Id).Circuit);
        // The 32 MiB answers were never read to their end: the gateway hung up after the first 64 KiB (or at the header).
        await TestTimeouts.EventuallyAsync(() => huge.HugeAnswersCutOff == ConsecutiveFailures + 1, () => $"{huge.HugeAnswersCutOff} cut off, {huge.HugeAnswersCompleted} completed");
        Assert.Equal(0, huge.HugeAnswersCompleted);
    }

    [Fact]
    public async Task AnswerWithinTheLimit_Delivered()
    {
        var (model, routes) = await fixture.RoutesAsync(new FakeRouteSpec(FakeMode.Huge));
        await using var upstream = routes[0].Upstream;
        upstream.HugeAnswerBytes = Limit - 1024;
        await LimitAnswersAsync(routes[0].Id, Limit);
        var (client, _) = await fixture.ClientAsync();

        var (response, body, _) = await SendAsync(client, Chat(model, stream: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("aaaa", body);
        Assert.Equal(1, upstream.HugeAnswersCompleted);
    }

    /// <summary>The probe's own case: embeddings with a large <c>dimensions</c> from the simulator, read through a route with a small limit.</summary>
    [Fact]
    public async Task EmbeddingsOverTheLimit_502_Free_AndWithinTheLimit_Delivered()
    {
        var admin = fixture.Host.Get<RouteAdministration>();
        var model = "emb-" + Guid.NewGuid().ToString("N")[..10];
        Assert.True((await admin.SaveModelAsync(new ModelDraft(model, "Limit test embeddings", ModelKind.Embedding, 8_191), create: true, Admin)).Succeeded);
        var created = await admin.CreateRouteAsync(new RouteDraft($"{model}-sim", RouteKind.Routed, SimulatorRoutes.BaseUrl, 10, 1, 5, 5, 120, true,
            [new ModelMapping(model, "sim-embed")], new SimulatorOptions().ApiKey, MaxAnswerBytes: Limit), Admin);
        Assert.True(created.Succeeded, created.Error?.ToString());
        Assert.True((await admin.SetPricesAsync(new PriceDraft(created.Value, model, 100_000, 0, 0), Admin)).Succeeded);
        var (client, userId) = await fixture.ClientAsync();
        var before = await fixture.AvailableAsync(userId);

        // 16,384 floats as JSON text are well over 64 KiB; 16 are not.
        var (tooLarge, body, receiptId) = await SendAsync(client, Post("v1/embeddings", $$"""{"model":"{{model}}","input":"hi","dimensions":{{EmbeddingShapeMax}}}"""));
        var (small, _, _) = await SendAsync(client, Post("v1/embeddings", $$"""{"model":"{{model}}","input":"hi","dimensions":16}"""));

        Assert.Equal(HttpStatusCode.BadGateway, tooLarge.StatusCode);
        Assert.Contains("answer_too_large", body);
        var receipt = await fixture.ReceiptAsync(receiptId!.Value);
        Assert.Equal((RequestStatus.Failed, ReceiptReasons.AnswerTooLarge, 0L), (receipt.Status, receipt.Reason, receipt.Cost));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.True(await fixture.AvailableAsync(userId) is var after && after < before && after > before - 1_000, "only the small request is charged");
    }

    [Theory]
    [InlineData(Route.MinMaxAnswerBytes - 1)]
    [InlineData(Route.MaxMaxAnswerBytes + 1)]
    [InlineData(0)]
    public async Task SaveRoute_AnswerLimitOutOfRange_Refused(int maxAnswerBytes)
    {
        var (_, routes) = await fixture.RoutesAsync(new FakeRouteSpec(FakeMode.Succeed));
        await using var upstream = routes[0].Upstream;
        var route = (await fixture.Host.Get<RouteAdminQueries>().GetRouteAsync(routes[0].Id))!;

        var saved = await fixture.Host.Get<RouteAdministration>().UpdateRouteAsync(route.Id, new RouteDraft(route.Name, route.Kind, route.BaseUrl, route.Priority,
            route.Weight, route.ConnectTimeoutSeconds, route.FirstByteTimeoutSeconds, route.TotalTimeoutSeconds, route.Enabled, route.Models,
            MaxAnswerBytes: maxAnswerBytes), Admin);

        Assert.Equal("invalid_answer_limit", saved.Error?.Code);
        Assert.Equal(Route.DefaultMaxAnswerBytes, (await fixture.Host.Get<RouteAdminQueries>().GetRouteAsync(route.Id))!.MaxAnswerBytes);
    }

    private const int EmbeddingShapeMax = Core.Gateway.EmbeddingShape.MaxDimensions;

}
