using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Operations;

/// <summary>
/// Instruments are observed by name in the whole process, so these tests run alone: another test's traffic would
/// otherwise show in the scraped counters.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}

[Collection(TelemetryCollection.Name)]
public sealed class MetricsEndpointTests
{
    private const string Token = "scrape-token-0123456789";

    [Fact]
    public async Task Metrics_AfterKnownTraffic_CountRequestsTokensAndMoneyAsTheReceiptsDo()
    {
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["Metrics:Mode"] = "MainPort", ["Metrics:BearerToken"] = Token });
        var (userId, _) = await host.AddUserAsync(("routed", 5_000_000));
        var key = await host.CreateKeyAsync(userId);
        using var client = host.Client(key.Secret);

        for (var i = 0; i < 3; i++)
        {
            var answered = await client.PostAsJsonAsync("v1/chat/completions",
                new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = $"Say hello number {i}" } } });
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }
        var refused = await client.PostAsJsonAsync("v1/chat/completions", new { model = "no-such-model", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);

        await using var db = host.NewContext();
        var receipts = await db.RequestRecords.AsNoTracking().Include(r => r.Charges).Where(r => r.UserId == userId).ToListAsync();
        Assert.Equal(3, receipts.Count);
        var route = receipts[0].RouteName!;
        var text = await ScrapeAsync(host.BaseUrl, Token);

        Assert.Equal(3, Value(text, "tokensforge_requests_total",
            ("front_door", "chat.completions"), ("model", "gpt-4o-mini"), ("route", route), ("route_kind", "routed"), ("status", "succeeded")));
        Assert.Equal(receipts.Sum(r => r.PromptTokens), Value(text, "tokensforge_tokens_total", ("model", "gpt-4o-mini"), ("type", "prompt")));
        Assert.Equal(receipts.Sum(r => r.CompletionTokens), Value(text, "tokensforge_tokens_total", ("model", "gpt-4o-mini"), ("type", "completion")));
        Assert.True(receipts.Sum(r => r.Cost) > 0);
        Assert.Equal(receipts.Sum(r => r.Cost), Value(text, "tokensforge_charged_micros_total", ("bucket", "routed"), ("route_kind", "routed")));
        Assert.Equal(3, Value(text, "tokensforge_upstream_latency_seconds_count", ("route", route), ("result", "completed")));
        Assert.Equal(0, Value(text, "tokensforge_route_circuit_state", ("route", route)));
        Assert.Equal(0, Value(text, "tokensforge_holds_open"));
        Assert.True(Value(text, "tokensforge_ledger_commit_batch_size_count") >= 3, "every receipt commits through the writer");
        Assert.True(Value(text, "tokensforge_ledger_commit_latency_seconds_count") >= 3);
    }

    [Fact]
    public async Task Metrics_CountClaimsRedemptionsRefusalsAndTopUpStates()
    {
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["Metrics:Mode"] = "MainPort", ["Metrics:BearerToken"] = Token });
        var (userId, _) = await host.AddUserAsync();
        var campaigns = host.Get<Core.Campaigns.CampaignService>();
        var starter = await campaigns.CreateAsync(Campaigns.CampaignTestData.Starter(), "test");
        var promo = await campaigns.CreateAsync(Campaigns.CampaignTestData.Promo(), "test");
        Assert.True(starter.Succeeded && promo.Succeeded);
        var code = Campaigns.CampaignTestData.Ok(await campaigns.GenerateCodesAsync(promo.Value!.Id, 1, 1, "test")).Codes[0];
        var claims = host.Get<Core.Campaigns.ClaimService>();
        Assert.True((await claims.ClaimStarterAsync(userId, null)).Succeeded);
        Assert.False((await claims.ClaimStarterAsync(userId, null)).Succeeded);
        Assert.True((await claims.RedeemCodeAsync(userId, code, null)).Succeeded);
        var topUps = host.Get<Core.TopUps.TopUpService>();
        var order = Campaigns.CampaignTestData.Ok(await topUps.CreateAsync(userId, "routed", 10_000_000, Core.TopUps.ManualTransferProvider.ProviderKey));
        Assert.True((await topUps.ConfirmAsync(order.Order.Id, TokensForgeApp.AdminEmail)).Succeeded);

        var text = await ScrapeAsync(host.BaseUrl, Token);

        Assert.Equal(1, Value(text, "tokensforge_campaign_claims_total", ("campaign", starter.Value!.Name)));
        Assert.Equal(1, Value(text, "tokensforge_campaign_redemptions_total", ("campaign", promo.Value.Name)));
        Assert.Equal(1, Value(text, "tokensforge_campaign_refusals_total", ("code", "already_claimed")));
        Assert.Equal(1, Value(text, "tokensforge_topup_events_total", ("state", "pending")));
        Assert.Equal(1, Value(text, "tokensforge_topup_events_total", ("state", "credited")));
    }

    [Fact]
    public async Task HoldGauges_ReadTheOpenHoldsFromTheDatabase()
    {
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["Metrics:Mode"] = "MainPort", ["Metrics:BearerToken"] = Token });
        var (userId, _) = await host.AddUserAsync(("routed", 1_000_000));
        await using (var db = host.NewContext())
        {
            var account = await db.CreditGrants.Where(g => g.UserId == userId).Select(g => g.AccountId).SingleAsync();
            var ledger = host.Get<Core.Ledger.LedgerService>();
            foreach (var amount in new long[] { 100, 200 })
            {
                var placed = await ledger.SubmitAsync(Core.Ledger.TransferSpec.Pending(Guid.CreateVersion7(), account, Core.Ledger.SystemAccounts.RevenueRoutedId,
                    amount, Core.Ledger.TransferCode.Charge, DateTime.UtcNow.AddMinutes(10)));
                Assert.Equal(Core.Ledger.LedgerStatus.Created, placed.Status);
            }
        }

        var text = await ScrapeAsync(host.BaseUrl, Token);

        Assert.Equal(2, Value(text, "tokensforge_holds_open"));
        Assert.InRange(Value(text, "tokensforge_holds_oldest_age_seconds"), 0, 60);
    }

    [Fact]
    public async Task Metrics_OnTheMainPort_RefuseAScraperWithoutTheToken()
    {
        using var app = new TokensForgeApp(new Dictionary<string, string?> { ["Metrics:Mode"] = "MainPort", ["Metrics:BearerToken"] = Token });
        using var client = app.CreateClient();

        var anonymous = await client.GetAsync("/metrics");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token + "x") } };
        var wrongToken = await client.SendAsync(wrong);
        using var right = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token) } };
        var rightToken = await client.SendAsync(right);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rightToken.StatusCode);
    }

    [Fact]
    public async Task Metrics_OnAManagementPort_AreServedThereOnly()
    {
        var port = FreePort();
        using var app = new TokensForgeApp(new Dictionary<string, string?> { ["Metrics:Mode"] = "ManagementPort", ["Metrics:ManagementPort"] = port.ToString() });
        using var client = app.CreateClient();
        using var management = new HttpClient();

        var onMain = await client.GetAsync("/metrics");
        var onManagement = await management.GetAsync($"http://127.0.0.1:{port}/metrics");
        var elsewhere = await management.GetAsync($"http://127.0.0.1:{port}/");

        Assert.Equal(HttpStatusCode.NotFound, onMain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onManagement.StatusCode);
        Assert.Contains("tokensforge_holds_open", await onManagement.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
    }

    [Fact]
    public void Metrics_OnTheMainPortWithoutAToken_OutsideDevelopment_RefuseToStart()
    {
        using var app = new TokensForgeApp(new Dictionary<string, string?> { ["Metrics:Mode"] = "MainPort" });

        Assert.ThrowsAny<Exception>(() => app.CreateClient());
    }

    [Fact]
    public async Task Metrics_Off_ServesNothing()
    {
        using var app = new TokensForgeApp();
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
    }

    private static async Task<string> ScrapeAsync(string baseUrl, string token)
    {
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await client.GetAsync(baseUrl + "/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The sum of a metric's samples whose labels include all of <paramref name="labels"/>; fails when there is none.</summary>
    internal static double Value(string exposition, string metric, params (string Name, string Value)[] labels)
    {
        var samples = exposition.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(l => labels.All(p => l.Contains($"{p.Name}=\"{p.Value}\"", StringComparison.Ordinal)))
            .ToList();
        Assert.True(samples.Count > 0, $"no sample of {metric} with {string.Join(", ", labels)} in:\n{exposition}");
        return samples.Sum(l =>
        {
            var afterLabels = l.Contains('}') ? l[(l.LastIndexOf('}') + 1)..] : l[metric.Length..];
            return double.Parse(afterLabels.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
