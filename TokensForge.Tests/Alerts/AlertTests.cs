using System.Collections.Concurrent;
using System.Net;
using Bunit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TokensForge.Core.Alerts;
using TokensForge.Core.Budgets;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Components;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Wallet;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Alerts;

/// <summary>
/// Budget and low-balance alerts: raised once per event however often the scan runs, delivered to the user's webhook
/// signed with their secret, retried with back-off after a failure, and useless to replay later.
/// </summary>
public sealed class AlertTests
{
    private const long Worst = 4_000;

    private static readonly RouteCandidate Route = TestRoutes.HoldOnly("alert route");

    private static Task<TestDatabase> StartAsync(bool allowPrivate = true) => TestDatabase.CreateAsync(configure: services =>
        services.Configure<AlertOptions>(o => (o.AllowPrivateTargets, o.FirstRetry) = (allowPrivate, TimeSpan.FromSeconds(30))));

    [Fact]
    public async Task BudgetPercentagesAndLowBalance_RaiseOneNoticeEach_HoweverOftenTheScanRuns()
    {
        await using var db = await StartAsync();
        var userId = await db.AddUserAsync();
        await GrantAsync(db, userId, Bucket.Routed, 10 * Worst);
        Assert.True((await db.Get<BudgetService>().SetAsync(userId, null, BudgetPeriod.Day, 5 * Worst)).Succeeded);
        Assert.True((await db.Get<AlertService>().SaveAsync(userId, 8 * Worst, [80, 100], null)).Succeeded);
        var planner = db.Get<HoldPlanner>();
        var caller = GatewayCaller.Playground(userId, RoutePreference.Auto, "req-alert");
        var scanner = db.Get<AlertScanner>();

        Assert.Equal(0, await scanner.RunOnceAsync());
        for (var i = 0; i < 4; i++) Assert.NotNull((await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default)).Placed);
        // 4 of 5 held: 80 % of the budget, and ¥0.024 left of ¥0.04, under the ¥0.032 threshold.
        Assert.Equal(2, await scanner.RunOnceAsync());
        Assert.Equal(0, await scanner.RunOnceAsync());
        Assert.NotNull((await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default)).Placed);
        Assert.Equal(1, await scanner.RunOnceAsync());

        var notices = await db.Get<AlertService>().NoticesAsync(userId);
        Assert.Equal(3, notices.Count);
        Assert.Contains(notices, n => n.Kind == "low_balance" && n.Message.StartsWith("Your balance is ¥0.024, below your alert threshold of ¥0.032"));
        Assert.Contains(notices, n => n.Message.StartsWith("Your account's daily budget is 80% used: ¥0.016 of ¥0.02."));
        Assert.Contains(notices, n => n.Message.StartsWith("Your account's daily budget is 100% used"));
        // No webhook: nothing to deliver.
        await using var read = db.NewContext();
        Assert.Empty(await read.WebhookDeliveries.ToListAsync());
    }

    [Fact]
    public async Task AWebhook_GetsTheAlertSigned_AFailedDeliveryIsRetriedAfterBackOff_TheRetryKeepsItsEventId_AReplayLaterFailsVerification()
    {
        await using var db = await StartAsync();
        await using var receiver = await Receiver.StartAsync(db.Time, failFirst: 1);
        var userId = await db.AddUserAsync();
        await GrantAsync(db, userId, Bucket.Routed, Worst);
        var secret = (await db.Get<AlertService>().SaveAsync(userId, 2 * Worst, [], receiver.Url)).Value!;
        receiver.Secret = secret;
        Assert.StartsWith("whsec_", secret);
        Assert.Null((await db.Get<AlertService>().SaveAsync(userId, 2 * Worst, [], receiver.Url)).Value);
        var sender = db.Get<WebhookSender>();

        Assert.Equal(1, await db.Get<AlertScanner>().RunOnceAsync());
        Assert.Equal(0, await sender.RunOnceAsync());
        var failed = (await db.Get<AlertService>().DeliveriesAsync(userId)).Single();
        Assert.Equal((1, 500, (DateTime?)null), (failed.Attempts, failed.LastStatus, failed.DeliveredAt));
        Assert.Equal(db.Time.GetUtcNow().UtcDateTime.AddSeconds(30), failed.NextAttemptAt);

        // Not before the back-off is over.
        db.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await sender.RunOnceAsync());
        Assert.Single(receiver.Received);
        db.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await sender.RunOnceAsync());
        Assert.Equal(0, await sender.RunOnceAsync());

        var delivered = (await db.Get<AlertService>().DeliveriesAsync(userId)).Single();
        Assert.Equal((2, 200), (delivered.Attempts, delivered.LastStatus));
        Assert.NotNull(delivered.DeliveredAt);
        Assert.Equal(2, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.True(r.Valid));
        Assert.Single(receiver.Received.Select(r => r.EventId).Distinct());
        Assert.Contains("\"type\":\"alert.low_balance\"", receiver.Received.Last().Body);

        // Someone who captured the delivery replays it ten minutes later: the signature's time gives it away.
        var captured = receiver.Received.Last();
        Assert.False(WebhookSignature.Verify(secret, captured.Signature, captured.Body, db.Time.GetUtcNow().AddMinutes(10), TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(secret, captured.Signature, captured.Body.Replace("low_balance", "budget"), db.Time.GetUtcNow(), TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_other", captured.Signature, captured.Body, db.Time.GetUtcNow(), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task AWebhookOnAPrivateAddress_IsNotCalled_AndTheLogSaysWhy()
    {
        await using var db = await StartAsync(allowPrivate: false);
        await using var receiver = await Receiver.StartAsync(db.Time, failFirst: 0);
        var userId = await db.AddUserAsync();
        Assert.True((await db.Get<AlertService>().SaveAsync(userId, Worst, [], receiver.Url)).Succeeded);

        await db.Get<AlertScanner>().RunOnceAsync();
        await db.Get<WebhookSender>().RunOnceAsync();

        Assert.Empty(receiver.Received);
        Assert.Contains("private address", (await db.Get<AlertService>().DeliveriesAsync(userId)).Single().LastError);
    }

    [Fact]
    public async Task ThePanel_ShowsTheNewSecretOnce_AndRefusesABadPercentage()
    {
        await using var db = await StartAsync();
        var userId = await db.AddUserAsync();
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", userId);
        var panel = ctx.Render<AlertsPanel>(p => p.Add(x => x.UserId, userId));
        panel.WaitForAssertion(() => panel.Find("[data-testid=no-notices]"));

        panel.Find("[data-testid=alert-percents] input").Input("80, lots");
        panel.Find("[data-testid=save-alerts]").Click();
        panel.WaitForAssertion(() => Assert.Contains("up to five whole percentages", panel.Find("[data-testid=alert-error]").TextContent));

        panel.Find("[data-testid=alert-percents] input").Input("50, 90");
        panel.Find("[data-testid=alert-webhook] input").Input("https://hooks.example.com/tokens");
        panel.Find("[data-testid=save-alerts]").Click();
        panel.WaitForAssertion(() => Assert.Contains("whsec_", panel.Find("[data-testid=alert-secret]").TextContent));
        var settings = await db.Get<AlertService>().GetAsync(userId);
        Assert.Equal([50, 90], settings.BudgetPercents);
        Assert.Equal(("https://hooks.example.com/tokens", true), (settings.WebhookUrl, settings.HasSecret));
        // Stored encrypted: the secret shown is not in the database.
        var shown = panel.Find("[data-testid=alert-secret] code").TextContent.Trim();
        await using var read = db.NewContext();
        Assert.DoesNotContain(shown, (await read.AlertSettings.SingleAsync(s => s.UserId == userId)).ProtectedWebhookSecret);

        var again = ctx.Render<AlertsPanel>(p => p.Add(x => x.UserId, userId));
        again.WaitForAssertion(() => again.Find("[data-testid=rotate-secret]"));
        Assert.DoesNotContain(shown, again.Markup);
    }

    /// <summary>A user's webhook endpoint on a real port: checks each signature with the user's secret and fails the first calls on request.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _failuresLeft;

        private Receiver(WebApplication app, int failFirst) => (_app, _failuresLeft) = (app, failFirst);

        public string Url { get; private set; } = "";
        public string Secret { get; set; } = "";
        public ConcurrentQueue<(string EventId, string Signature, string Body, bool Valid)> Received { get; } = new();

        public static async Task<Receiver> StartAsync(FakeTimeProvider time, int failFirst)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var receiver = new Receiver(app, failFirst);
            app.MapPost("/hook", async (HttpContext context) =>
            {
                var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
                var signature = context.Request.Headers[WebhookSignature.Header].ToString();
                receiver.Received.Enqueue((context.Request.Headers[WebhookSignature.EventIdHeader].ToString(), signature, body,
                    WebhookSignature.Verify(receiver.Secret, signature, body, time.GetUtcNow(), TimeSpan.FromMinutes(5))));
                return Interlocked.Decrement(ref receiver._failuresLeft) >= 0 ? Results.StatusCode(500) : Results.Ok();
            });
            await app.StartAsync();
            receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}

/// <summary>The admins' notices: a route's circuit opening and a campaign's budget running low, each once per admin.</summary>
public sealed class AdminAlertTests
{
    [Fact]
    public async Task ACircuitOpening_AndACampaignUnderATenthOfItsBudget_GiveEachAdminOneNotice()
    {
        await using var db = await TestDatabase.CreateAsync();
        var admins = new[] { await db.AddUserAsync(), await db.AddUserAsync() };
        var customer = await db.AddUserAsync();
        await using (var ctx = db.NewContext())
        {
            var role = new Microsoft.AspNetCore.Identity.IdentityRole(Core.Users.Roles.Admin) { NormalizedName = Core.Users.Roles.Admin.ToUpperInvariant() };
            ctx.Roles.Add(role);
            foreach (var admin in admins) ctx.UserRoles.Add(new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { UserId = admin, RoleId = role.Id });
            await ctx.SaveChangesAsync();
        }
        var scanner = db.Get<AdminAlertScanner>();
        var (campaign, code) = await Campaigns.CampaignTestData.PromoCodeAsync(db, Campaigns.CampaignTestData.Promo(amount: 4_600_000, budget: 10_000_000), maxRedemptions: 10);
        var claims = db.Get<Core.Campaigns.ClaimService>();
        Campaigns.CampaignTestData.Ok(await claims.RedeemCodeAsync(await db.AddUserAsync(), code, null));
        Assert.Equal(0, await scanner.RunOnceAsync());

        // The second claim leaves ¥0.80 of ¥10: under a tenth. Five failures in a row open a route's circuit.
        Campaigns.CampaignTestData.Ok(await claims.RedeemCodeAsync(await db.AddUserAsync(), code, null));
        var health = db.Get<Core.Routing.Health.RouteHealthMonitor>();
        var routeId = Guid.CreateVersion7();
        for (var i = 0; i < 5; i++) await health.ReportAsync(routeId, new Core.Routing.Health.AttemptOutcome(false, TimeSpan.FromMilliseconds(5), null, 502, "bad gateway"));
        Assert.Equal(Core.Routing.Health.CircuitState.Open, health.Circuit(routeId));

        Assert.Equal(4, await scanner.RunOnceAsync());
        Assert.Equal(0, await scanner.RunOnceAsync());

        foreach (var admin in admins)
        {
            var notices = await db.Get<AlertService>().NoticesAsync(admin);
            Assert.Equal(["campaign_budget", "circuit_open"], notices.Select(n => n.Kind).Order());
            Assert.Contains(notices, n => n.Message.StartsWith($"Campaign {campaign.Name} has ¥0.80 of its ¥10.00 budget left"));
            Assert.Contains(notices, n => n.Message.StartsWith($"The circuit of route {routeId} opened at"));
        }
        Assert.Empty(await db.Get<AlertService>().NoticesAsync(customer));
    }
}
