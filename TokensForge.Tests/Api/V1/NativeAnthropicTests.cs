using System.Net.Http.Json;
using System.Text.Json;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Api.V1;

/// <summary>
/// A route with protocol Anthropic (the simulator's <c>/sim/anthropic/v1</c>) serving <c>gpt-4o-mini</c> ahead of the seeded
/// OpenAI routes: the official Anthropic SDK's requests are passed through to it and its answers relayed, and the
/// receipt is charged on the usage it reported, cache reads and writes at the snapshot's prices.
/// </summary>
public sealed class NativeAnthropicTests(NativeAnthropicTests.Fixture fixture) : IClassFixture<NativeAnthropicTests.Fixture>
{
    public const string RouteName = "sim-anthropic";

    /// <summary>µ per 1M tokens: input, output, cache read, 5-minute write, 1-hour write — all different, so a wrong mapping shows.</summary>
    public static readonly PriceDraft Prices = new(Guid.Empty, "gpt-4o-mini", 1_000_000, 5_000_000, 100_000, CacheWrite5mPrice: 1_250_000, CacheWrite1hPrice: 2_000_000);

    public sealed class Fixture : IAsyncLifetime
    {
        public GatewayHost Host { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Host = GatewayHost.Start();
            var admin = Host.Get<RouteAdministration>();
            var actor = new AdminActor("admin@test.local");
            var created = await admin.CreateRouteAsync(new RouteDraft(RouteName, RouteKind.Routed, "/sim/anthropic/v1", Priority: 0, Weight: 1,
                ConnectTimeoutSeconds: 5, FirstByteTimeoutSeconds: 10, TotalTimeoutSeconds: 60, Enabled: true, [new ModelMapping("gpt-4o-mini", "sim-claude")],
                NewUpstreamKey: "sim-upstream-key", Protocol: RouteProtocol.Anthropic), actor);
            Assert.True(created.Succeeded, created.Error?.ToString());
            var priced = await admin.SetPricesAsync(Prices with { RouteId = created.Value }, actor);
            Assert.True(priced.Succeeded, priced.Error?.ToString());
        }

        public async Task DisposeAsync()
        {
            try
            {
                var verification = await Host.VerifyLedgerAsync();
                Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
            }
            finally
            {
                await Host.DisposeAsync();
            }
        }
    }

    private GatewayHost Host => fixture.Host;

    private async Task<CreatedApiKey> FundedKeyAsync()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        return await Host.CreateKeyAsync(userId);
    }

    private static MessageCreateParams Ask(string text, long maxTokens = 64) => new()
    {
        Model = "gpt-4o-mini",
        MaxTokens = maxTokens,
        Messages = [new UserMessageParam(text)],
    };

    private async Task<RequestRecord> LatestReceiptAsync(CreatedApiKey key)
    {
        await using var db = Host.NewContext();
        var records = await db.RequestRecords.Include(r => r.Charges).Include(r => r.Attempts).Where(r => r.ApiKeyPrefix == key.Key.Prefix).ToListAsync();
        return records.OrderBy(r => r.CreatedAt).Last();
    }

    private async Task<Prices> PricesOfAsync(RequestRecord record)
    {
        await using var db = Host.NewContext();
        return (await db.PriceSnapshots.SingleAsync(p => p.Id == record.PriceSnapshotId)).ToPrices();
    }

    [Fact]
    public async Task Create_IsPassedThroughToTheAnthropicRoute_AndChargedOnItsUsage()
    {
        var key = await FundedKeyAsync();

        var message = await Host.AnthropicSdk(key.Secret).Messages.Create(Ask("Say something about rivers."));

        // The simulator's own message id: the answer is the upstream's, relayed, with the model as the caller named it.
        Assert.StartsWith("msg_sim_", message.ID);
        Assert.Equal("gpt-4o-mini", (string)message.Model);
        Assert.False(string.IsNullOrWhiteSpace((Assert.Single(message.Content).Value as TextBlock)!.Text));
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        var record = await LatestReceiptAsync(key);
        Assert.Equal((RouteName, RequestStatus.Succeeded, "messages", false), (record.RouteName, record.Status, record.Endpoint, record.Estimated));
        Assert.Equal(((int)message.Usage.InputTokens, (int)message.Usage.OutputTokens), (record.PromptTokens, record.CompletionTokens));
        var expected = (await PricesOfAsync(record)).CostOf(record.PromptTokens, record.CompletionTokens);
        Assert.Equal(Prices.InputPrice, (await PricesOfAsync(record)).Input);
        Assert.Equal(expected, record.Cost);
        Assert.Equal(expected, record.Charges.Sum(c => c.Amount));
    }

    [Fact]
    public async Task CacheUsage_ReadAndWrittenTokens_ArePricedAtTheSnapshotsCachePrices()
    {
        var key = await FundedKeyAsync();

        var message = await Host.AnthropicSdk(key.Secret).Messages.Create(Ask("[sim:cached=6] [sim:cachewrite=4] Tell me about the cache."));

        Assert.Equal((6L, 4L), (message.Usage.CacheReadInputTokens, message.Usage.CacheCreationInputTokens));
        var record = await LatestReceiptAsync(key);
        Assert.Equal((6, 4, 0), (record.CachedTokens, record.CacheWrite5mTokens, record.CacheWrite1hTokens));
        Assert.Equal((int)(message.Usage.InputTokens + 6 + 4), record.PromptTokens);
        // Each part of the prompt at its own price, each rounded up once: uncached input, cache reads, 5-minute writes.
        static long Cost(long tokens, long pricePerMillion) => (tokens * pricePerMillion + 999_999) / 1_000_000;
        var expected = Cost(message.Usage.InputTokens, Prices.InputPrice) + Cost(6, Prices.CachedInputPrice) + Cost(4, Prices.CacheWrite5mPrice!.Value)
            + Cost(message.Usage.OutputTokens, Prices.OutputPrice);
        Assert.Equal(expected, record.Cost);
        Assert.Equal(expected, record.Charges.Sum(c => c.Amount));
    }

    [Fact]
    public async Task CreateStreaming_RelaysTheUpstreamsEvents_AndChargesItsUsage()
    {
        var key = await FundedKeyAsync();
        var client = Host.AnthropicSdk(key.Secret);

        var types = new List<string>();
        var text = new List<string>();
        string? id = null;
        long? output = null;
        await foreach (var streamed in client.Messages.CreateStreaming(Ask("[sim:cached=2] Tell me about stones.")))
        {
            types.Add(streamed.Json.GetProperty("type").GetString()!);
            if (streamed.TryPickStart(out var start)) id = start.Message.ID;
            if (streamed.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var piece)) text.Add(piece.Text);
            if (streamed.TryPickDelta(out var end)) output = end.Usage.OutputTokens;
        }

        Assert.StartsWith("msg_sim_", id);
        // (The SDK does not surface ping events.)
        Assert.Equal(["message_start", "content_block_start"], types[..2]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], types[^3..]);
        Assert.All(types[2..^3], t => Assert.Equal("content_block_delta", t));
        Assert.Equal(24, text.Count);
        var record = await LatestReceiptAsync(key);
        Assert.Equal((RouteName, RequestStatus.Succeeded, 24, 2, false), (record.RouteName, record.Status, record.CompletionTokens, record.CachedTokens, record.Estimated));
        Assert.Equal(24L, output);
        Assert.Equal((await PricesOfAsync(record)).CostOf(record.PromptTokens, 24, 2), record.Cost);
        Assert.Equal(record.Cost, record.Charges.Sum(c => c.Amount));
    }

    [Fact]
    public async Task ToolUse_TheUpstreamsToolUseBlockIsRelayed_StreamedAndNot()
    {
        var key = await FundedKeyAsync();
        var client = Host.AnthropicSdk(key.Secret);
        var request = Ask("[sim:tool] What is the weather in Paris?") with
        {
            Tools = [new Tool
            {
                Name = "get_weather",
                InputSchema = new InputSchema { Properties = new Dictionary<string, JsonElement> { ["city"] = JsonDocument.Parse("""{"type":"string"}""").RootElement.Clone() } },
            }],
        };

        var message = await client.Messages.Create(request);
        var json = new List<string>();
        string? streamedTool = null;
        await foreach (var streamed in client.Messages.CreateStreaming(request))
        {
            if (streamed.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse)) streamedTool = toolUse.ID;
            if (streamed.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var partial)) json.Add(partial.PartialJson);
        }

        var call = Assert.Single(message.Content).Value as ToolUseBlock;
        Assert.StartsWith("toolu_sim_", call!.ID);
        Assert.Equal(("get_weather", StopReason.ToolUse), (call.Name, message.StopReason!.Value()));
        Assert.Equal(JsonValueKind.String, call.Input["city"].ValueKind);
        Assert.StartsWith("toolu_sim_", streamedTool);
        Assert.Equal(JsonValueKind.String, JsonDocument.Parse(string.Concat(json)).RootElement.GetProperty("city").ValueKind);
        Assert.Equal(RouteName, (await LatestReceiptAsync(key)).RouteName);
    }

    [Fact]
    public async Task UpstreamOverloadedBeforeTheFirstByte_FailsOverToATranslatedRoute_TheFailedAttemptFree()
    {
        var key = await FundedKeyAsync();

        // Only the Anthropic simulator knows [sim:overloaded]: it answers 529 there, and the OpenAI route answers.
        var message = await Host.AnthropicSdk(key.Secret).Messages.Create(Ask("[sim:overloaded] Hello"));

        var record = await LatestReceiptAsync(key);
        Assert.Equal("msg_" + record.Id.ToString("N"), message.ID);
        var attempts = record.Attempts.OrderBy(a => a.Position).ToList();
        Assert.Equal([(RouteName, AttemptResult.Failed, (int?)529), (record.RouteName!, AttemptResult.Completed, (int?)null)],
            attempts.Select(a => (a.RouteName, a.Result, a.UpstreamStatus)).ToList());
        Assert.NotEqual(RouteName, record.RouteName);
        Assert.Equal((await PricesOfAsync(record)).CostOf(record.PromptTokens, record.CompletionTokens), record.Cost);
        Assert.Equal(record.Cost, record.Charges.Sum(c => c.Amount));
    }

    [Fact]
    public async Task UpstreamRefusesTheRequest_400_IsTheCallersError_NotFailedOver_Free()
    {
        var key = await FundedKeyAsync();

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => Host.AnthropicSdk(key.Secret).Messages.Create(Ask("[sim:invalid] Hello")));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("invalid_request_error", JsonDocument.Parse(error.ResponseBody).RootElement.GetProperty("error").GetProperty("type").GetString());
        var record = await LatestReceiptAsync(key);
        Assert.Equal((RequestStatus.Failed, 0L), (record.Status, record.Cost));
        Assert.Equal([RouteName], record.Attempts.Select(a => a.RouteName));
        Assert.Empty(record.Charges);
    }

    [Fact]
    public async Task StreamCutMidWay_ChargedForTheDeliveredOutputOnly()
    {
        var key = await FundedKeyAsync();

        var text = new List<string>();
        await Assert.ThrowsAnyAsync<AnthropicException>(async () =>
        {
            await foreach (var streamed in Host.AnthropicSdk(key.Secret).Messages.CreateStreaming(Ask("[sim:cut=3] [sim:tokens=20] Go on.")))
            {
                if (streamed.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var piece)) text.Add(piece.Text);
            }
        });

        Assert.Equal(3, text.Count);
        var record = await LatestReceiptAsync(key);
        Assert.Equal((RouteName, RequestStatus.Partial, 3, true), (record.RouteName, record.Status, record.CompletionTokens, record.Estimated));
        Assert.Equal((await PricesOfAsync(record)).CostOf(record.PromptTokens, 3), record.Cost);
        Assert.Equal(record.Cost, record.Charges.Sum(c => c.Amount));
    }

    [Fact]
    public async Task ClientLeavesMidStream_ChargedForThePromptAndTheDeltasDelivered()
    {
        var key = await FundedKeyAsync();
        var client = Host.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = JsonContent.Create(new
            {
                model = "gpt-4o-mini", max_tokens = 64, stream = true,
                messages = new[] { new { role = "user", content = "[sim:delay=150] [sim:tokens=60] Keep going." } },
            }),
        };
        request.Headers.Add("x-api-key", key.Secret);
        request.Headers.Add("anthropic-version", "2023-06-01");

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var receiptId = Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single());
        var deltas = 0;
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            while (deltas < 3 && await reader.ReadLineAsync() is { } line)
            {
                if (line == "event: content_block_delta") deltas++;
            }
        }
        response.Dispose();
        client.Dispose();

        RequestRecord? record = null;
        for (var i = 0; i < 400 && record is null; i++)
        {
            await using var db = Host.NewContext();
            record = await db.RequestRecords.Include(r => r.Charges).SingleOrDefaultAsync(r => r.Id == receiptId);
            if (record is null) await Task.Delay(50);
        }
        Assert.NotNull(record);
        Assert.Equal(3, deltas);
        Assert.Equal((RouteName, RequestStatus.Partial, ReceiptReasons.ClientCancelled), (record.RouteName, record.Status, record.Reason));
        Assert.InRange(record.CompletionTokens, 3, 59);
        Assert.Equal((await PricesOfAsync(record)).CostOf(record.PromptTokens, record.CompletionTokens), record.Cost);
        Assert.Equal(record.Cost, record.Charges.Sum(c => c.Amount));
    }

    [Fact]
    public async Task ChatCompletions_AndTheQuote_NeverUseTheAnthropicRoute_MessagesQuoteDoes()
    {
        var key = await FundedKeyAsync();
        using var http = Host.Client(key.Secret);

        var chat = await http.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "Hi" } } });
        var chatQuote = await http.PostAsJsonAsync("v1/quote?endpoint=chat.completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "Hi" } } });
        var messagesQuote = await http.PostAsJsonAsync("v1/quote?endpoint=messages",
            new { model = "gpt-4o-mini", max_tokens = 16, messages = new[] { new { role = "user", content = "Hi" } } });

        chat.EnsureSuccessStatusCode();
        var record = await LatestReceiptAsync(key);
        Assert.NotEqual(RouteName, record.RouteName);
        Assert.DoesNotContain(record.Attempts, a => a.RouteName == RouteName);
        Assert.NotEqual(RouteName, RouteOf(await chatQuote.Content.ReadAsStringAsync()));
        Assert.Equal(RouteName, RouteOf(await messagesQuote.Content.ReadAsStringAsync()));
    }

    private static string? RouteOf(string quote)
    {
        var route = JsonDocument.Parse(quote).RootElement.GetProperty("route");
        return route.ValueKind == JsonValueKind.String ? route.GetString() : route.GetProperty("name").GetString();
    }
}
