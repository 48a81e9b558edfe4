using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Gateway;

/// <summary>Money on <c>/v1/messages</c> over real HTTP: the same holds, failure policy and receipts as chat, cache and reasoning priced per snapshot.</summary>
public sealed class MessagesGatewayTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private const long Funds = 5_000_000;
    private GatewayHost Host => fixture.Host;

    private async Task<(HttpClient Client, string UserId)> ClientAsync(long funds = Funds, ApiKeyPolicy? policy = null)
    {
        var (userId, _) = await Host.AddUserAsync(("routed", funds));
        var key = await Host.CreateKeyAsync(userId, policy);
        var client = Host.Client(null);
        client.DefaultRequestHeaders.Add("x-api-key", key.Secret);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        return (client, userId);
    }

    private static HttpRequestMessage Messages(string text, bool stream = false, string model = "gpt-4o-mini", int maxTokens = 64) =>
        new(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { model, max_tokens = maxTokens, stream, messages = new[] { new { role = "user", content = text } } }),
                Encoding.UTF8, "application/json"),
        };

    private async Task<RequestRecord> ReceiptAsync(HttpResponseMessage response)
    {
        await using var db = Host.NewContext();
        var id = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());
        return await db.RequestRecords.Include(r => r.Charges).SingleAsync(r => r.Id == id);
    }

    private async Task<List<Transfer>> TransfersOfAsync(Guid receiptId)
    {
        await using var db = Host.NewContext();
        var reference = receiptId.ToString();
        return await db.Transfers.Where(t => t.Reference == reference).ToListAsync();
    }

    private async Task<Prices> PricesOfAsync(RequestRecord record)
    {
        await using var db = Host.NewContext();
        return (await db.PriceSnapshots.SingleAsync(p => p.Id == record.PriceSnapshotId)).ToPrices();
    }

    private async Task<long> AvailableAsync(string userId)
    {
        await using var db = Host.NewContext();
        return await db.CreditGrants.Where(g => g.UserId == userId).SumAsync(g => g.Account.CreditsPosted - g.Account.DebitsPosted - g.Account.DebitsPending);
    }

    /// <summary>Every SSE event as (event name, data), until the body ends.</summary>
    private static async Task<List<(string Name, JsonElement Data)>> EventsAsync(HttpResponseMessage response)
    {
        var events = new List<(string, JsonElement)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("event: ")) name = line[7..];
                else if (line.StartsWith("data: ")) events.Add((name!, JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
        }
        catch (IOException)
        {
        }
        return events;
    }

    /// <summary>Distinct prices for gpt-4o on the routed simulator: cache reads 0.1×, 5-minute writes 1.25×, 1-hour writes 2× the input price.</summary>
    private async Task<Prices> PriceGpt4oWithCachePricesAsync()
    {
        await using var db = Host.NewContext();
        var routed = await db.Routes.SingleAsync(r => r.Name == SimulatorRoutes.RoutedName);
        var set = await Host.Get<RouteAdministration>().SetPricesAsync(new PriceDraft(routed.Id, "gpt-4o", 1_000_000, 4_000_000, 100_000, null, 1_250_000, 2_000_000),
            new AdminActor(TokensForgeApp.AdminEmail));
        Assert.True(set.Succeeded, set.Error?.Message);
        return set.Value!.ToPrices();
    }

    [Fact]
    public async Task Create_ReceiptEqualsThePostedCharges_AndTheHeadersSayWhich()
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Messages("Hello there."));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var receipt = await ReceiptAsync(response);
        var posted = (await TransfersOfAsync(receipt.Id)).Where(t => t.Flags == TransferFlags.PostPending).Sum(t => t.Amount);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("message", body.GetProperty("type").GetString());
        Assert.Equal(response.Headers.GetValues("x-request-id").Single(), response.Headers.GetValues("request-id").Single());
        Assert.Equal(receipt.Cost, long.Parse(response.Headers.GetValues("x-tokensforge-cost").Single()));
        Assert.Equal(receipt.Cost, posted);
        Assert.Equal(receipt.Cost, receipt.Charges.Sum(c => c.Amount));
        Assert.Equal((await PricesOfAsync(receipt)).CostOf(receipt.PromptTokens, 24), receipt.Cost);
        Assert.Equal(Funds - receipt.Cost, await AvailableAsync(userId));
    }

    [Fact]
    public async Task CacheAndReasoningTokens_PricedAtTheSnapshotsCachePrices_OnMessagesAndChat()
    {
        var prices = await PriceGpt4oWithCachePricesAsync();
        var (userId, _) = await Host.AddUserAsync(("routed", Funds));
        // Bearer serves both front doors.
        var client = Host.Client((await Host.CreateKeyAsync(userId, new ApiKeyPolicy(RoutePreference: RoutePreference.Routed))).Secret);
        const string Markers = "[sim:cached=6] [sim:cachewrite=4] [sim:reasoning=10] [sim:tokens=5] Think, then answer.";

        var messages = await client.SendAsync(Messages(Markers, model: "gpt-4o"));
        var message = await messages.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(messages.IsSuccessStatusCode, message.ToString());
        var messagesReceipt = await ReceiptAsync(messages);
        var chat = await client.PostAsJsonAsync("v1/chat/completions",
            new { model = "gpt-4o", max_tokens = 64, messages = new[] { new { role = "user", content = Markers } } });
        var completion = await chat.Content.ReadFromJsonAsync<JsonElement>();
        var chatReceipt = await ReceiptAsync(chat);

        foreach (var receipt in new[] { messagesReceipt, chatReceipt })
        {
            Assert.Equal(prices.SnapshotId, receipt.PriceSnapshotId);
            Assert.Equal((6, 4, 0, 15, 10), (receipt.CachedTokens, receipt.CacheWrite5mTokens, receipt.CacheWrite1hTokens, receipt.CompletionTokens, receipt.ReasoningTokens));
            // Uncached prompt at 1 µ/token, 6 reads at 0.1 (→ 1), 4 writes at 1.25 (= 5), 15 output (10 of them reasoning) at 4.
            Assert.Equal(receipt.PromptTokens - 10 + 1 + 5 + 60, receipt.Cost);
            Assert.Equal(receipt.Cost, receipt.Charges.Sum(c => c.Amount));
        }
        var usage = message.GetProperty("usage");
        Assert.Equal(messagesReceipt.PromptTokens - 10, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(6, usage.GetProperty("cache_read_input_tokens").GetInt32());
        Assert.Equal(4, usage.GetProperty("cache_creation_input_tokens").GetInt32());
        Assert.Equal(15, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(6, completion.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(10, completion.GetProperty("usage").GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        // The hold covered the dearest prompt price (1-hour writes) for every prompt token.
        Assert.True(messagesReceipt.HoldAmount >= prices.WorstCase(messagesReceipt.PromptTokens, 64));
    }

    [Fact]
    public async Task Stream_EventsInOrder_MessageDeltaCarriesTheChargedUsage()
    {
        var (client, _) = await ClientAsync();

        var response = await client.SendAsync(Messages("[sim:tokens=4] Stream please.", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await EventsAsync(response);
        var receipt = await ReceiptAsync(response);

        Assert.Equal(["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_delta",
            "content_block_stop", "message_delta", "message_stop"], events.Select(e => e.Name).ToArray());
        Assert.All(events, e => Assert.Equal(e.Name, e.Data.GetProperty("type").GetString()));
        Assert.Equal("msg_" + receipt.Id.ToString("N"), events[0].Data.GetProperty("message").GetProperty("id").GetString());
        var delta = events[^2].Data;
        Assert.Equal("end_turn", delta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(4, delta.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.True(receipt.Stream);
        Assert.Equal((await PricesOfAsync(receipt)).CostOf(receipt.PromptTokens, 4), receipt.Cost);
    }

    [Fact]
    public async Task StreamCutMidWay_ChargedOnlyForWhatWasDelivered_EndsWithAnErrorEvent()
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Messages("[sim:cut=5] [sim:tokens=20] Go.", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await EventsAsync(response);
        var receipt = await ReceiptAsync(response);
        var posted = (await TransfersOfAsync(receipt.Id)).Where(t => t.Flags == TransferFlags.PostPending).Sum(t => t.Amount);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, events.Count(e => e.Name == "content_block_delta"));
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("api_error", events[^1].Data.GetProperty("error").GetProperty("type").GetString());
        Assert.DoesNotContain(events, e => e.Name is "message_delta" or "message_stop");
        Assert.Equal((RequestStatus.Partial, ReceiptReasons.UpstreamCut, 5), (receipt.Status, receipt.Reason, receipt.CompletionTokens));
        Assert.Equal((await PricesOfAsync(receipt)).CostOf(receipt.PromptTokens, 5), receipt.Cost);
        Assert.Equal(receipt.Cost, posted);
        Assert.Equal(Funds - receipt.Cost, await AvailableAsync(userId));
    }

    [Fact]
    public async Task FailureBeforeFirstByte_IsFree_AndAnApiErrorInAnthropicsShape()
    {
        var (client, userId) = await ClientAsync();

        var response = await client.SendAsync(Messages("[sim:fail] Go.", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var receipt = await ReceiptAsync(response);
        var transfers = await TransfersOfAsync(receipt.Id);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("api_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal((RequestStatus.Failed, ReceiptReasons.UpstreamError, 0L), (receipt.Status, receipt.Reason, receipt.Cost));
        Assert.NotEmpty(transfers);
        Assert.DoesNotContain(transfers, t => t.Flags == TransferFlags.PostPending);
        Assert.Equal(Funds, await AvailableAsync(userId));
    }

    [Fact]
    public async Task BrokeWallet_402BillingError_NoTransferWritten()
    {
        var (client, userId) = await ClientAsync(funds: 1);

        var response = await client.SendAsync(Messages("Hello."));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var receipt = await ReceiptAsync(response);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.Equal("error", body.GetProperty("type").GetString());
        Assert.Equal("billing_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(ReceiptReasons.InsufficientBalance, receipt.Reason);
        Assert.Empty(await TransfersOfAsync(receipt.Id));
        Assert.Equal(1, await AvailableAsync(userId));
    }

    [Fact]
    public async Task IdempotencyKey_ARepeatReplaysTheFirstAnswer_ChargedOnce()
    {
        var (client, userId) = await ClientAsync();

        HttpRequestMessage Keyed()
        {
            var request = Messages("Once only.");
            request.Headers.Add("Idempotency-Key", "messages-" + Guid.NewGuid().ToString("N")[..8]);
            return request;
        }
        var first = Keyed();
        var repeat = Messages("Once only.");
        repeat.Headers.Add("Idempotency-Key", first.Headers.GetValues("Idempotency-Key").Single());

        var one = await client.SendAsync(first);
        var two = await client.SendAsync(repeat);
        var receipt = await ReceiptAsync(one);

        Assert.Equal(HttpStatusCode.OK, two.StatusCode);
        Assert.Equal("true", two.Headers.GetValues("x-tokensforge-idempotent-replay").Single());
        Assert.Equal(await one.Content.ReadAsStringAsync(), await two.Content.ReadAsStringAsync());
        Assert.Equal(Funds - receipt.Cost, await AvailableAsync(userId));
    }

    [Fact]
    public async Task WrongMethodOrUnknownPath_AnswersInAnthropicsShape()
    {
        var (client, _) = await ClientAsync();

        var get = await client.GetAsync("v1/messages");
        var unknown = await client.PostAsync("v1/messages/batches", new StringContent("{}", Encoding.UTF8, "application/json"));

        foreach (var response in new[] { get, unknown })
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True((int)response.StatusCode is 404 or 405, response.StatusCode.ToString());
            Assert.Equal("error", body.GetProperty("type").GetString());
            Assert.Equal("not_found_error", body.GetProperty("error").GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task BearerKey_AndAnthropicBetaHeader_AreAccepted()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", Funds));
        var key = await Host.CreateKeyAsync(userId);
        var request = Messages("Hello.");
        request.Headers.Add("anthropic-beta", "prompt-caching-2024-07-31,some-future-beta");

        var response = await Host.Client(key.Secret).SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o-mini","max_tokens":8,"messages":[{"role":"user","content":[{"type":"container_upload","file_id":"f"}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model":"gpt-4o-mini","max_tokens":8,"messages":[{"role":"system","content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"gpt-4o-mini","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}""", "max_tokens")]
    [InlineData("""{"model":"gpt-4o-mini","max_tokens":8,"temperature":1.5,"messages":[{"role":"user","content":"hi"}]}""", "temperature")]
    [InlineData("""{"model":"gpt-4o-mini","max_tokens":8,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"hi"}]}""", "tools[0].type")]
    [InlineData("""{"model":"gpt-4o-mini","max_tokens":8,"messages":"hi"}""", "messages")]
    public async Task BadInput_400InvalidRequest_NamesTheField_NoMoneyMoves(string json, string field)
    {
        var (client, userId) = await ClientAsync();
        await using var before = Host.NewContext();
        var transfers = await before.Transfers.CountAsync();

        var response = await client.PostAsync("v1/messages", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(field, body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(Funds, await AvailableAsync(userId));
    }

    [SkippableFact]
    public async Task CacheAndReasoning_OnPostgres_ReceiptRecordsThemAndEqualsThePostedCharges()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var host = await GatewayHost.StartOnPostgresAsync();
        var (userId, _) = await host.AddUserAsync(("routed", Funds));
        var client = host.Client((await host.CreateKeyAsync(userId)).Secret);

        var response = await client.SendAsync(Messages("[sim:cached=3] [sim:cachewrite=2] [sim:reasoning=4] [sim:tokens=6] Hello."));
        await using var db = host.NewContext();
        var id = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());
        var receipt = await db.RequestRecords.Include(r => r.Charges).SingleAsync(r => r.Id == id);
        var prices = (await db.PriceSnapshots.SingleAsync(p => p.Id == receipt.PriceSnapshotId)).ToPrices();
        var posted = await db.Transfers.Where(t => t.Reference == id.ToString() && t.Flags == TransferFlags.PostPending).SumAsync(t => t.Amount);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((3, 2, 10, 4), (receipt.CachedTokens, receipt.CacheWrite5mTokens, receipt.CompletionTokens, receipt.ReasoningTokens));
        Assert.Equal(prices.CostOf(new TokenUsage(receipt.PromptTokens, 10, 3, 2, 0, 4)), receipt.Cost);
        Assert.Equal(receipt.Cost, posted);
    }

    [Fact]
    public async Task NoRouteAvailable_529Overloaded_WithRetryAfter()
    {
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["Routing:CircuitBreaker:ConsecutiveFailures"] = "1" });
        var (userId, _) = await host.AddUserAsync(("routed", Funds));
        var key = await host.CreateKeyAsync(userId, new ApiKeyPolicy(RoutePreference: RoutePreference.Routed));
        var client = host.Client(key.Secret);

        var failed = await client.SendAsync(Messages("[sim:fail] Open the circuit."));
        var overloaded = await client.SendAsync(Messages("Hello."));
        var body = await overloaded.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal(529, (int)overloaded.StatusCode);
        Assert.Equal("overloaded_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.NotNull(overloaded.Headers.RetryAfter);
    }
}
