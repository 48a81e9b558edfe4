using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Api.V1;

/// <summary>
/// A caller's ceiling on one request's cost (<c>X-TokensForge-Max-Cost</c>), and <c>POST /v1/quote</c>, which says
/// what a request would hold: both checked against the hold the request then actually places.
/// </summary>
public sealed class CostCeilingAndQuoteTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private const string Prompt = "[sim:fill] Tell me about rivers.";
    private GatewayHost Host => fixture.Host;

    private static object Chat(int maxTokens) => new { model = "gpt-4o-mini", max_tokens = maxTokens, messages = new[] { new { role = "user", content = Prompt } } };

    private (int PromptTokens, Prices Prices) Priced() => SimulatorPrices.Of(Host, "gpt-4o-mini", RouteKind.Routed, Prompt);

    private async Task<(HttpClient Client, string UserId)> ClientAsync()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        var key = await Host.CreateKeyAsync(userId, new Core.ApiKeys.ApiKeyPolicy(RoutePreference: RoutePreference.Routed));
        return (Host.Client(key.Secret), userId);
    }

    private static HttpRequestMessage Post(string path, object body, string? maxCost = null)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (maxCost is not null) message.Headers.Add("X-TokensForge-Max-Cost", maxCost);
        return message;
    }

    [Fact]
    public async Task ACeilingBelowTheWorstCase_CapsTheOutputToFit_TheHoldAndTheChargeStayWithinIt()
    {
        var (client, _) = await ClientAsync();
        var (promptTokens, prices) = Priced();
        // Room for the prompt and about 100 of the 1,000 output tokens asked for.
        var ceiling = prices.WorstCase(promptTokens, 100);
        var fits = Enumerable.Range(1, 1000).Last(n => prices.WorstCase(promptTokens, n) <= ceiling);

        var response = await client.SendAsync(Post("v1/chat/completions", Chat(1000), Core.Common.Money.ToDecimalString(ceiling)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("usage");
        Assert.Equal(fits, usage.GetProperty("completion_tokens").GetInt32());
        var receipt = await ReceiptAsync(response);
        Assert.Equal(prices.WorstCase(promptTokens, fits), receipt.HoldAmount);
        Assert.True(receipt.HoldAmount <= ceiling && receipt.Cost <= ceiling);
    }

    [Fact]
    public async Task ACeilingThePromptAloneExceeds_Is402BeforeAnyUpstreamCall_NothingMoves_ABadHeaderIs400()
    {
        var (client, userId) = await ClientAsync();

        var tooLow = await client.SendAsync(Post("v1/chat/completions", Chat(10), "0.000001"));
        var garbled = await client.SendAsync(Post("v1/chat/completions", Chat(10), "cheap"));

        Assert.Equal(HttpStatusCode.PaymentRequired, tooLow.StatusCode);
        var error = JsonDocument.Parse(await tooLow.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("cost_ceiling_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("ceiling of ¥0.000001", error.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, garbled.StatusCode);
        Assert.Contains("X-TokensForge-Max-Cost", await garbled.Content.ReadAsStringAsync());
        await using var db = Host.NewContext();
        Assert.Equal(0, await db.RequestRecords.CountAsync(r => r.UserId == userId));
        var accounts = db.CreditGrants.Where(g => g.UserId == userId).Select(g => g.AccountId);
        Assert.Equal(0, await db.Transfers.CountAsync(t => accounts.Contains(t.DebitAccountId)));
    }

    [Fact]
    public async Task TheQuote_NamesTheRouteWorstCaseAndPayingGrants_ThatTheRequestThenHolds_AndMovesNoMoney()
    {
        var (client, userId) = await ClientAsync();
        var (promptTokens, prices) = Priced();

        var quote = await client.SendAsync(Post("v1/quote", Chat(200)));
        Assert.Equal(HttpStatusCode.OK, quote.StatusCode);
        var q = JsonDocument.Parse(await quote.Content.ReadAsStringAsync()).RootElement;
        await using (var db = Host.NewContext())
        {
            Assert.Equal(0, await db.Transfers.CountAsync(t => db.CreditGrants.Any(g => g.UserId == userId && g.AccountId == t.DebitAccountId)));
        }

        var sent = await client.SendAsync(Post("v1/chat/completions", Chat(200)));
        var receipt = await ReceiptAsync(sent);

        Assert.Equal(("quote", "chat.completions", "gpt-4o-mini"), (q.GetProperty("object").GetString(), q.GetProperty("endpoint").GetString(), q.GetProperty("model").GetString()));
        Assert.Equal((promptTokens, 200L), (q.GetProperty("prompt_tokens").GetInt32(), q.GetProperty("max_output_tokens").GetInt64()));
        Assert.Equal(prices.WorstCase(promptTokens, 200), q.GetProperty("worst_case").GetInt64());
        Assert.Equal(receipt.HoldAmount, q.GetProperty("worst_case").GetInt64());
        Assert.Equal(receipt.RouteName, q.GetProperty("route").GetProperty("name").GetString());
        Assert.Equal(receipt.PriceSnapshotId.ToString(), q.GetProperty("prices").GetProperty("snapshot_id").GetString());
        // The grants the quote named are the ones the hold reserved on, for the same amounts.
        await using var read = Host.NewContext();
        var reference = receipt.Id.ToString();
        var held = await read.Transfers.Where(t => t.Reference == reference && t.Flags == TransferFlags.Pending)
            .Join(read.CreditGrants, t => t.DebitAccountId, g => g.AccountId, (t, g) => new { Grant = g.Id, t.Amount }).ToListAsync();
        var quoted = q.GetProperty("paid_by").EnumerateArray().Select(p => new { Grant = p.GetProperty("grant").GetGuid(), Amount = p.GetProperty("amount").GetInt64() }).ToList();
        Assert.Equal(quoted, held);
        Assert.Equal("routed", q.GetProperty("paid_by")[0].GetProperty("bucket").GetString());
    }

    [Fact]
    public async Task TheQuote_AnswersAsTheHoldWould_ForTheKeysSpendLimitAndTheBudgets()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        var (promptTokens, prices) = Priced();
        var worst = prices.WorstCase(promptTokens, 200);
        var key = await Host.CreateKeyAsync(userId, new Core.ApiKeys.ApiKeyPolicy(SpendLimit: 10 * worst, RoutePreference: RoutePreference.Routed));
        using var client = Host.Client(key.Secret);
        var budgets = Host.Get<Core.Budgets.BudgetService>();
        Assert.True((await budgets.SetAsync(userId, key.Key.Id, Core.Budgets.BudgetPeriod.Day, 3 * worst)).Succeeded);
        Assert.True((await budgets.SetAsync(userId, null, Core.Budgets.BudgetPeriod.Month, 100 * worst)).Succeeded);

        // Two requests spend within the day's budget of three worst cases; the quote then shows what is left.
        for (var i = 0; i < 2; i++) (await client.SendAsync(Post("v1/chat/completions", Chat(200)))).EnsureSuccessStatusCode();
        var spent = await SpentAsync(userId);
        var q = JsonDocument.Parse(await (await client.SendAsync(Post("v1/quote", Chat(200)))).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(10 * worst - spent - worst, q.GetProperty("key_spend_remaining").GetInt64());
        var day = q.GetProperty("budgets").EnumerateArray().Single(b => b.GetProperty("period").GetString() == "day");
        Assert.Equal(("key", 3 * worst, spent, 3 * worst - spent - worst),
            (day.GetProperty("scope").GetString(), day.GetProperty("limit").GetInt64(), day.GetProperty("used").GetInt64(), day.GetProperty("remaining_after").GetInt64()));
        Assert.Equal("user", q.GetProperty("budgets").EnumerateArray().Single(b => b.GetProperty("period").GetString() == "month").GetProperty("scope").GetString());

        // A request whose worst case the day's budget no longer covers: the quote refuses it as the request would.
        (await client.SendAsync(Post("v1/chat/completions", Chat(200)))).EnsureSuccessStatusCode();
        var refusedQuote = await client.SendAsync(Post("v1/quote", Chat(200)));
        var refusedRequest = await client.SendAsync(Post("v1/chat/completions", Chat(200)));
        Assert.Equal((HttpStatusCode.PaymentRequired, HttpStatusCode.PaymentRequired), (refusedQuote.StatusCode, refusedRequest.StatusCode));
        static async Task<string?> CodeAsync(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString();
        Assert.Equal("budget_exceeded", await CodeAsync(refusedQuote));
        Assert.Equal(await CodeAsync(refusedRequest), await CodeAsync(refusedQuote));
    }

    [Fact]
    public async Task TheQuote_RefusesWhatTheKeysSpendLimitCannotCover()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        var (promptTokens, prices) = Priced();
        var key = await Host.CreateKeyAsync(userId, new Core.ApiKeys.ApiKeyPolicy(SpendLimit: prices.WorstCase(promptTokens, 200) - 1, RoutePreference: RoutePreference.Routed));
        using var client = Host.Client(key.Secret);

        var quote = await client.SendAsync(Post("v1/quote", Chat(200)));
        var request = await client.SendAsync(Post("v1/chat/completions", Chat(200)));

        Assert.Equal((HttpStatusCode.PaymentRequired, HttpStatusCode.PaymentRequired), (quote.StatusCode, request.StatusCode));
        Assert.Contains("\"code\":\"key_spend_limit_reached\"", await quote.Content.ReadAsStringAsync());
        Assert.Contains("\"code\":\"key_spend_limit_reached\"", await request.Content.ReadAsStringAsync());
    }

    private async Task<long> SpentAsync(string userId)
    {
        await using var db = Host.NewContext();
        return (await db.RequestRecords.Where(r => r.UserId == userId).Select(r => r.Cost).ToListAsync()).Sum();
    }

    [Fact]
    public async Task TheQuote_UnderACeiling_ShowsTheCappedOutput_AndTellsEveryFrontDoorApart()
    {
        var (client, _) = await ClientAsync();
        var (promptTokens, prices) = Priced();
        var ceiling = prices.WorstCase(promptTokens, 50);

        var capped = JsonDocument.Parse(await (await client.SendAsync(Post("v1/quote", Chat(1000), Core.Common.Money.ToDecimalString(ceiling)))).Content.ReadAsStringAsync()).RootElement;
        var embeddings = await client.SendAsync(Post("v1/quote", new { model = "text-embedding-3-small", input = "rivers" }));
        var responses = await client.SendAsync(Post("v1/quote", new { model = "gpt-4o-mini", input = "rivers", max_output_tokens = 30 }));
        var messages = await client.SendAsync(Post("v1/quote?endpoint=messages", new { model = "gpt-4o-mini", max_tokens = 40, messages = new[] { new { role = "user", content = "rivers" } } }));
        var unknown = await client.SendAsync(Post("v1/quote?endpoint=images", new { model = "gpt-4o-mini" }));

        Assert.Equal(50, capped.GetProperty("max_output_tokens").GetInt64());
        Assert.Equal(ceiling, capped.GetProperty("max_cost").GetInt64());
        Assert.True(capped.GetProperty("worst_case").GetInt64() <= ceiling);
        var e = JsonDocument.Parse(await embeddings.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("embeddings", 0L), (e.GetProperty("endpoint").GetString(), e.GetProperty("max_output_tokens").GetInt64()));
        var r = JsonDocument.Parse(await responses.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("responses", 30L), (r.GetProperty("endpoint").GetString(), r.GetProperty("max_output_tokens").GetInt64()));
        var m = JsonDocument.Parse(await messages.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("messages", 40L), (m.GetProperty("endpoint").GetString(), m.GetProperty("max_output_tokens").GetInt64()));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    private async Task<RequestRecord> ReceiptAsync(HttpResponseMessage response)
    {
        var id = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());
        await using var db = Host.NewContext();
        return await db.RequestRecords.AsNoTracking().SingleAsync(r => r.Id == id);
    }
}
