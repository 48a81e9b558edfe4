using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using OpenTelemetry;
using OpenTelemetry.Trace;
using TokensForge.Core.Gateway;
using TokensForge.Core.Telemetry;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Operations;

/// <summary>Spans are listened to process-wide, so this runs with the other telemetry tests, alone.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class GatewayTracingTests
{
    [Fact]
    public async Task OneV1Request_YieldsARequestSpanWithAdmissionHoldUpstreamAndSettlement_AndLogsCarryTheReceipt()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(TelemetryNames.TracedSources).AddInMemoryExporter(spans).Build();
        var logs = new LogCapture();
        await using var host = GatewayHost.Start(logs: logs);
        var (userId, _) = await host.AddUserAsync(("routed", 5_000_000));
        var key = await host.CreateKeyAsync(userId);
        using var client = host.Client(key.Secret);

        var response = await client.PostAsJsonAsync("v1/chat/completions",
            new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "Trace me" } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = response.Headers.GetValues("x-tokensforge-receipt").Single();
        tracing.ForceFlush();

        Activity[] mine;
        lock (spans) mine = spans.ToArray();
        var request = Assert.Single(mine, s => s.OperationName == GatewayTracing.Request && (string?)s.GetTagItem(GatewayTracing.ReceiptIdTag) == receipt);
        Assert.Equal("chat.completions", request.GetTagItem("tokensforge.front_door"));
        var children = mine.Where(s => s.ParentSpanId == request.SpanId).Select(s => s.OperationName).ToArray();
        Assert.Equal(new[] { GatewayTracing.Admission, GatewayTracing.Hold, GatewayTracing.Upstream, GatewayTracing.Settlement }, children);
        Assert.All(mine.Where(s => s.ParentSpanId == request.SpanId), s => Assert.Equal(request.TraceId, s.TraceId));
        var upstream = mine.Single(s => s.ParentSpanId == request.SpanId && s.OperationName == GatewayTracing.Upstream);
        Assert.Equal("Completed", upstream.GetTagItem("tokensforge.outcome"));
        Assert.Equal("sim-routed", upstream.GetTagItem("tokensforge.route"));
    }

    [Fact]
    public async Task AFailover_IsCounted_AndItsLogLineCarriesTheReceipt()
    {
        var logs = new LogCapture();
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["Metrics:Mode"] = "MainPort", ["Metrics:BearerToken"] = Token }, logs: logs);
        var (model, routes) = await Gateway.FailoverFixture.RoutesAsync(host, new(FakeMode.Fail500), new(FakeMode.Succeed));
        await using var failing = routes[0].Upstream;
        await using var answering = routes[1].Upstream;
        var (userId, _) = await host.AddUserAsync(("routed", 5_000_000));
        var key = await host.CreateKeyAsync(userId);
        using var client = host.Client(key.Secret);

        var (response, _, receipt) = await Gateway.FailoverFixture.SendAsync(client, Gateway.FailoverFixture.Chat(model, stream: false));
        using var scraper = new HttpClient();
        scraper.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        var text = await scraper.GetStringAsync(host.BaseUrl + "/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, MetricsEndpointTests.Value(text, "tokensforge_failovers_total", ("route", routes[0].Name)));
        Assert.Equal(1, MetricsEndpointTests.Value(text, "tokensforge_upstream_latency_seconds_count", ("route", routes[0].Name), ("result", "failed")));
        Assert.Equal(1, MetricsEndpointTests.Value(text, "tokensforge_requests_total", ("model", model), ("route", routes[1].Name), ("status", "succeeded")));
        // The failover's warning is written inside the request's logging scope, which names the receipt.
        Assert.Contains(logs.Lines, l => l.Contains($"Route {routes[0].Name} failed before the first byte", StringComparison.Ordinal)
            && l.Split(" scopes: ") is [_, var scopes] && scopes.Contains($"Receipt {receipt}", StringComparison.Ordinal));
    }

    private const string Token = "scrape-token-0123456789";

    [Fact]
    public void WithoutAListener_NoSpanIsCreated()
    {
        // Spans cost a null check when nothing listens (the hot path's promise).
        Assert.False(GatewayTracing.Source.HasListeners());

        Assert.Null(GatewayTracing.StartRequest("chat.completions"));
        Assert.Null(GatewayTracing.Start(GatewayTracing.Hold));
    }
}
