using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Common;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;
using TokensForge.Core.Research;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Playground;
using TokensForge.Web.Extensions;

namespace TokensForge.Tests.Components.Playground;

public sealed class PlaygroundPageTests
{
    /// <summary>A bunit context whose pages use <paramref name="services"/> (a test database's, or a running app's with the simulator).</summary>
    internal static BunitContext ContextFor(IServiceProvider services, string userId)
    {
        var ctx = PageTestContext.Create(services, "someone@test.local", userId);
        ctx.Services.AddSingleton(services.GetRequiredService<IOptions<GatewayOptions>>());
        ctx.Services.AddSingleton(new ClientAddress("192.0.2.10"));
        return ctx;
    }

    private static async Task<(TestDatabase Db, string UserId)> UserWithAsync(long starter)
    {
        var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        var email = $"user-{Guid.NewGuid():N}@test.local";
        var userId = await db.AddUserAsync(email);
        if (starter > 0)
        {
            var granted = await db.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest(email, Bucket.Starter, starter, null, "starter", "test"));
            Assert.True(granted.Succeeded);
        }
        return (db, userId);
    }

    private static void Type(IRenderedComponent<PlaygroundPage> page, string text) => page.Find("[data-testid=prompt-input] textarea").Input(text);

    [Fact]
    public async Task HoldPreview_ShowsTheWorstCaseTheGatewayWouldHold_AndThatTheStarterBucketPaysIt()
    {
        var (db, userId) = await UserWithAsync(starter: 1_000_000);
        await using var _ = db;
        await using var ctx = ContextFor(db.Services, userId);
        var page = ctx.Render<PlaygroundPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=prompt-input] textarea"));

        Type(page, "What is a token?");

        var draft = new ChatDraft("gpt-4o-mini", "You are a helpful assistant. Answer in Markdown.", [new ChatTurn(ChatTurn.User, "What is a token?")], 0.7,
            PlaygroundPage.DefaultMaxTokens);
        var model = (await db.Get<RouteCatalog>().GetAsync()).Find("gpt-4o-mini")!;
        var expected = db.Get<HoldPreviewer>().Preview(model, RoutePreference.Auto, draft.ToRequest(),
            await db.Get<WalletCapacityQuery>().GetAsync(userId));
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("[data-testid=hold-preview]").GetAttribute("data-can-pay")));
        Assert.Equal(Money.Format(expected.WorstCase), page.Find("[data-testid=hold-worst-case]").TextContent.Trim());
        Assert.Equal(SimulatorRoutes.RoutedName, page.Find("[data-testid=hold-route]").TextContent.Trim());
        Assert.Contains("Starter balance", page.Find("[data-testid=hold-can-pay]").TextContent);
        Assert.Contains("¥1.00", page.Find("[data-testid=hold-can-pay]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=insufficient-balance]"));
        Assert.False(page.Find("[data-testid=send]").HasAttribute("disabled"));
        // The model's prices per route kind, and which buckets may pay each.
        var routes = page.FindAll("[data-testid=model-route]");
        Assert.Equal(["official", "routed"], routes.Select(r => r.GetAttribute("data-kind")).Order());
        Assert.Contains("Starter balance", routes.Single(r => r.GetAttribute("data-kind") == "routed").TextContent);
        Assert.Contains("none", routes.Single(r => r.GetAttribute("data-kind") == "official").TextContent);
    }

    [Fact]
    public async Task EmptyWallet_ShowsTheInsufficientBalanceMessage_WithTopUpAndRedeemLinks_AndCannotSend()
    {
        var (db, userId) = await UserWithAsync(starter: 0);
        await using var _ = db;
        await using var ctx = ContextFor(db.Services, userId);
        var page = ctx.Render<PlaygroundPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=prompt-input] textarea"));

        Type(page, "Hello");

        page.WaitForAssertion(() => page.Find("[data-testid=insufficient-balance]"));
        var message = page.Find("[data-testid=insufficient-balance]");
        Assert.Equal("false", message.GetAttribute("data-can-pay"));
        Assert.Contains("cannot pay", message.TextContent);
        Assert.Equal("/topup", page.Find("[data-testid=topup-link]").GetAttribute("href"));
        Assert.Equal("/wallet", page.Find("[data-testid=redeem-link]").GetAttribute("href"));
        Assert.True(page.Find("[data-testid=send]").HasAttribute("disabled"));
        Assert.Empty(page.FindAll("[data-testid=hold-preview]"));
        Assert.Empty(page.FindAll(".mud-alert-text-error"));
    }

    [Fact]
    public async Task TooSmallBalance_ForTheMaxTokens_ShowsTheMessage_UntilMaxTokensIsLowered()
    {
        // gpt-4o-mini routed: ¥3.024 per 1M output tokens, so 512 output tokens hold about 1,549 µ.
        var (db, userId) = await UserWithAsync(starter: 1_000);
        await using var _ = db;
        await using var ctx = ContextFor(db.Services, userId);
        var page = ctx.Render<PlaygroundPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=prompt-input] textarea"));
        Type(page, "Hi");
        page.WaitForAssertion(() => page.Find("[data-testid=insufficient-balance]"));

        page.Find("[data-testid=max-tokens] input").Input("100");

        page.WaitForAssertion(() => Assert.Equal("true", page.Find("[data-testid=hold-preview]").GetAttribute("data-can-pay")));
    }

    [Fact]
    public async Task ShowCode_GivesTheSameRequestForV1_WithTheUsersKeyPrefix()
    {
        var (db, userId) = await UserWithAsync(starter: 1_000_000);
        await using var _ = db;
        var key = (await db.Get<ApiKeyService>().CreateAsync(userId, "laptop", new ApiKeyPolicy())).Value!;
        await using var ctx = ContextFor(db.Services, userId);
        var page = ctx.Render<PlaygroundPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=prompt-input] textarea"));
        Type(page, "Show me the code");

        page.Find("input[data-testid=show-code]").Change(true);

        page.WaitForAssertion(() => page.Find("[data-testid=code-snippets]"));
        Assert.Equal($"{key.Key.Prefix}…", page.Find("[data-testid=snippet-key-prefix]").TextContent.Trim());
        var curl = page.Find("[data-testid=snippet-curl]").TextContent;
        Assert.Contains("http://localhost/v1/chat/completions", curl);
        Assert.Contains("Show me the code", curl);
        Assert.Contains("\"max_tokens\": 512", curl);
        Assert.DoesNotContain(key.Secret, page.Markup);
    }

    [Fact]
    public async Task ReceiptCard_ShowsEveryField()
    {
        var receiptId = Guid.CreateVersion7();
        var (starterGrant, routedGrant) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var (hold1, post1, hold2, post2) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
        var priceId = Guid.CreateVersion7();
        var at = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        var receipt = new ReceiptDetail(receiptId, "req_abc123", at, at.AddSeconds(2), "user-1", null, null, RequestSource.Playground, ChatShape.EndpointName,
            "gpt-4o-mini", Guid.CreateVersion7(), "sim-routed", RouteKind.Routed, Simulated: true, PromptTokens: 31, CompletionTokens: 12, CachedTokens: 4,
            HoldAmount: 2_000, Cost: 140, LedgerTxId: Guid.CreateVersion7(), RequestStatus.Succeeded, ReceiptReasons.Completed, Estimated: false, Stream: true,
            LatencyMs: 812, TimeToFirstTokenMs: 95, UpstreamStatus: null, UpstreamError: null, ClientIp: "192.0.2.10",
            new ReceiptPrice(priceId, 756_000, 3_024_000, 378_000, at, "seed", CacheWrite5mPrice: 945_000),
            [
                new ReceiptCharge(starterGrant, "starter", "Starter balance", "Welcome credit", post1, 100),
                new ReceiptCharge(routedGrant, "routed", "Routed balance", "Spring promo", post2, 40),
            ],
            [
                new ReceiptTransfer(hold1, Guid.CreateVersion7(), at, TransferCode.Charge, TransferFlags.Pending, 1_500, "user:u:grant:a", "sys:revenue:routed"),
                new ReceiptTransfer(post1, Guid.CreateVersion7(), at, TransferCode.Charge, TransferFlags.PostPending, 100, "user:u:grant:a", "sys:revenue:routed"),
                new ReceiptTransfer(hold2, Guid.CreateVersion7(), at, TransferCode.Charge, TransferFlags.Pending, 500, "user:u:grant:b", "sys:revenue:routed"),
                new ReceiptTransfer(post2, Guid.CreateVersion7(), at, TransferCode.Charge, TransferFlags.PostPending, 40, "user:u:grant:b", "sys:revenue:routed"),
            ], [], CacheWrite5mTokens: 3, CacheWrite1hTokens: 2, ReasoningTokens: 7);
        await using var ctx = PageTestContext.Create();

        var card = ctx.Render<ReceiptCard>(p => p.Add(x => x.R, receipt));

        string Text(string id) => card.Find($"[data-testid={id}]").TextContent.Trim();
        Assert.Equal("req_abc123", Text("rc-request-id"));
        Assert.Equal("gpt-4o-mini", Text("rc-model"));
        Assert.Equal("sim-routed", Text("rc-route"));
        Assert.Equal("routed", Text("rc-route-kind"));
        Assert.Contains("input ¥0.756", Text("rc-prices"));
        Assert.Contains("output ¥3.024", Text("rc-prices"));
        Assert.Contains("cached input ¥0.378", Text("rc-prices"));
        Assert.Contains(priceId.ToString(), Text("rc-prices"));
        Assert.Equal("31 / 12 / 4", Text("rc-tokens"));
        Assert.Equal("3 / 2, 7", Text("rc-cache-reasoning"));
        // An unset 1-hour write price is the input price.
        Assert.Contains("cache writes ¥0.945 / ¥0.756", Text("rc-prices"));
        Assert.Equal("¥0.00014", Text("rc-cost"));
        Assert.Contains("¥0.002", Text("rc-held"));
        Assert.Equal("succeeded", Text("rc-status"));
        Assert.Contains("completed", Text("rc-reason"));
        Assert.Contains(ReceiptReasons.Describe(ReceiptReasons.Completed), Text("rc-reason"));
        Assert.Equal("812 ms", Text("rc-latency"));
        Assert.Equal("95 ms", Text("rc-ttft"));
        Assert.Equal("playground", Text("rc-source"));
        var parts = card.FindAll("[data-testid=rc-paid-by-part]");
        Assert.Equal(2, parts.Count);
        Assert.Equal("Starter balance", parts[0].QuerySelector("[data-testid=rc-part-bucket]")!.TextContent.Trim());
        Assert.Equal("Welcome credit", parts[0].QuerySelector("[data-testid=rc-part-source]")!.TextContent.Trim());
        Assert.Equal(starterGrant.ToString(), parts[0].QuerySelector("[data-testid=rc-part-grant]")!.TextContent.Trim());
        Assert.Equal("¥0.0001", parts[0].QuerySelector("[data-testid=rc-part-amount]")!.TextContent.Trim());
        Assert.Equal("Spring promo", parts[1].QuerySelector("[data-testid=rc-part-source]")!.TextContent.Trim());
        Assert.Equal("¥0.00004", parts[1].QuerySelector("[data-testid=rc-part-amount]")!.TextContent.Trim());
        Assert.Equal($"/receipts/{receiptId}", card.Find("[data-testid=rc-receipt-link]").GetAttribute("href"));
        Assert.Equal(new[] { hold1, post1, hold2, post2 }.Select(id => $"/wallet/transfers/{id}"),
            card.FindAll("[data-testid=rc-transfer-link]").Select(a => a.GetAttribute("href")));
    }

    [Fact]
    public async Task ReceiptCard_ResearchReceipt_SaysPaidByTheFreeAllowance_WithoutWalletLinks()
    {
        var at = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        var post = Guid.CreateVersion7();
        var receipt = new ReceiptDetail(Guid.CreateVersion7(), "req_r", at, at, "user-1", null, null, RequestSource.Research, ChatShape.EndpointName,
            "gpt-4o-mini", Guid.CreateVersion7(), "sim-routed", RouteKind.Routed, true, 300, 24, 0, 5_000, 300, Guid.CreateVersion7(), RequestStatus.Succeeded,
            ReceiptReasons.Completed, false, true, 20, 5, null, null, null, new ReceiptPrice(Guid.CreateVersion7(), 756_000, 3_024_000, 378_000, at, "seed"),
            [new ReceiptCharge(Guid.Empty, ResearchAllowance.BucketKey, "Research allowance", ResearchAllowance.PaidByLabel, post, 300)],
            [new ReceiptTransfer(post, Guid.CreateVersion7(), at, TransferCode.Charge, TransferFlags.PostPending, 300, "sys:research", "sys:revenue:routed",
                "Research allowance", "Routed model usage")], []);
        await using var ctx = PageTestContext.Create();

        var card = ctx.Render<ReceiptCard>(p => p.Add(x => x.R, receipt));

        Assert.Equal("paid by research allowance (free)", card.Find("[data-testid=rc-part-source]").TextContent.Trim());
        Assert.Empty(card.FindAll("[data-testid=rc-part-grant]"));
        Assert.Empty(card.FindAll("[data-testid=rc-transfer-link]"));
        Assert.Contains("Research allowance → Routed model usage", card.Find("[data-testid=rc-transfers]").TextContent);
        Assert.DoesNotContain("sys:", card.Find("[data-testid=rc-transfers]").TextContent);
        Assert.Equal("research assistant", card.Find("[data-testid=rc-source]").TextContent.Trim());
    }

    [Fact]
    public async Task Send_StreamsTheAnswer_ThenShowsAReceiptPaidByStarter_AndARunningTotal()
    {
        await using var host = GatewayHost.Start();
        var (userId, _) = await host.AddUserAsync(("starter", 2_000_000));
        await using var ctx = ContextFor(host.App.Services, userId);
        var page = ctx.Render<PlaygroundPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=prompt-input] textarea"));

        foreach (var prompt in new[] { "[sim:tokens=8] First.", "[sim:tokens=6] Second." })
        {
            page.Find("[data-testid=prompt-input] textarea").Input(prompt);
            page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=send]").HasAttribute("disabled")));
            page.Find("[data-testid=send]").Click();
            page.WaitForAssertion(() => Assert.Equal(prompt == "[sim:tokens=8] First." ? 1 : 2, page.FindAll("[data-testid=receipt-card]").Count), TimeSpan.FromSeconds(30));
        }

        var cards = page.FindAll("[data-testid=receipt-card]");
        Assert.All(cards, c => Assert.Equal("succeeded", c.GetAttribute("data-status")));
        Assert.All(cards, c => Assert.Equal("Starter balance", c.QuerySelector("[data-testid=rc-part-bucket]")!.TextContent.Trim()));
        Assert.Equal(2, page.FindAll("[data-testid=assistant-message]").Count);
        var receipts = host.Get<ReceiptQueries>();
        var total = 0L;
        foreach (var card in cards) total += (await receipts.GetAsync(Guid.Parse(card.GetAttribute("data-receipt-id")!), userId))!.Cost;
        Assert.Contains($"2 requests · total {Money.Format(total)}", page.Find("[data-testid=session-total]").TextContent);
        Assert.Matches(@"^\d+ / 6 / 0$", cards[0].QuerySelector("[data-testid=rc-tokens]")!.TextContent.Trim());
    }
}
