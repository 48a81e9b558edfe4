using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Gateway;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Gateway;

/// <summary>
/// The output limit a request is held for and sent upstream with: the model's maximum output when the caller names none
/// (lowered to what the balance covers when it cannot pay that), a larger limit lowered to the maximum, and the field
/// each route's upstream reads. Every request goes over HTTP to a fake upstream that records the body it got.
/// </summary>
public sealed class OutputLimitTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private const int MaxOutput = 3_000;
    private const string Prompt = "Tell me about rivers.";
    private static readonly AdminActor Admin = new(TokensForgeApp.AdminEmail, "127.0.0.1");
    private GatewayHost Host => fixture.Host;

    /// <summary>A fresh model (context window 128k unless given) served by one route to a new fake upstream, at 1 µ in and 2 µ out per token.</summary>
    private async Task<(string Model, FakeUpstream Upstream, Prices Prices, Guid RouteId)> ModelAsync(int? maxOutput = MaxOutput, int context = 128_000,
        OutputLimitField field = OutputLimitField.MaxTokens)
    {
        var admin = Host.Get<RouteAdministration>();
        var model = "ol-" + Guid.NewGuid().ToString("N")[..10];
        var saved = await admin.SaveModelAsync(new ModelDraft(model, "Output limit test model", ModelKind.Chat, context, MaxOutputTokens: maxOutput), create: true, Admin);
        Assert.True(saved.Succeeded, saved.Error?.ToString());
        var upstream = await FakeUpstream.StartAsync();
        var route = await admin.CreateRouteAsync(new RouteDraft(model + "-route", RouteKind.Routed, upstream.BaseUrl, Priority: 10, Weight: 1,
            ConnectTimeoutSeconds: 5, FirstByteTimeoutSeconds: 10, TotalTimeoutSeconds: 60, Enabled: true, [new ModelMapping(model, "upstream-" + model)],
            LimitField: field), Admin);
        Assert.True(route.Succeeded, route.Error?.ToString());
        var priced = await admin.SetPricesAsync(new PriceDraft(route.Value, model, 1_000_000, 2_000_000, 500_000), Admin);
        Assert.True(priced.Succeeded, priced.Error?.ToString());
        return (model, upstream, new Prices(priced.Value!.Id, 1_000_000, 2_000_000, 500_000), route.Value);
    }

    private async Task<(HttpClient Client, string UserId)> CallerAsync(long routed = 5_000_000)
    {
        var (userId, _) = await Host.AddUserAsync(("routed", routed));
        var key = await Host.CreateKeyAsync(userId);
        return (Host.Client(key.Secret), userId);
    }

    private static object Chat(string model, int? maxTokens = null, int? maxCompletionTokens = null, bool stream = false) => new Dictionary<string, object?>
    {
        ["model"] = model, ["messages"] = new[] { new { role = "user", content = Prompt } }, ["stream"] = stream ? true : null,
        ["max_tokens"] = maxTokens, ["max_completion_tokens"] = maxCompletionTokens,
    }.Where(p => p.Value is not null).ToDictionary();

    private int PromptTokens(string model) => Host.Get<TokenCounter>().CountPrompt(new ChatCompletionRequest
    {
        Model = model, Messages = [new ChatMessage { Role = "user", Content = JsonSerializer.SerializeToElement(Prompt) }],
    });

    private static JsonNode LastBody(FakeUpstream upstream) => JsonNode.Parse(upstream.Bodies.Last())!;

    private static (int? MaxTokens, int? MaxCompletionTokens) LimitsOf(JsonNode body) =>
        (body["max_tokens"]?.GetValue<int>(), body["max_completion_tokens"]?.GetValue<int>());

    private async Task<JsonElement> ReceiptAsync(HttpClient client, HttpResponseMessage response)
    {
        var id = response.Headers.GetValues("x-tokensforge-receipt").Single();
        return JsonDocument.Parse(await client.GetStringAsync($"v1/receipts/{id}")).RootElement;
    }

    [Fact]
    public async Task NoLimit_IsHeldForTheModelsMaximumOutput_AndSentUpstream()
    {
        var (model, upstream, prices, _) = await ModelAsync();
        var (client, _) = await CallerAsync();

        var response = await client.PostAsJsonAsync("v1/chat/completions", Chat(model));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((MaxOutput, (int?)null), LimitsOf(LastBody(upstream)));
        var receipt = await ReceiptAsync(client, response);
        Assert.Equal(prices.WorstCase(PromptTokens(model), MaxOutput), receipt.GetProperty("hold_amount").GetInt64());
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("output_capped_to").ValueKind);
        Assert.False(response.Headers.Contains("x-tokensforge-output-capped"));
    }

    [Fact]
    public async Task ALimitAboveTheModelsMaximum_IsLoweredToIt_OnEveryFrontDoor()
    {
        var (model, upstream, prices, _) = await ModelAsync();
        var (client, _) = await CallerAsync();

        var chat = await client.PostAsJsonAsync("v1/chat/completions", Chat(model, maxTokens: 50_000));
        var chatBody = LastBody(upstream);
        var responses = await client.PostAsJsonAsync("v1/responses", new { model, input = Prompt, max_output_tokens = 50_000 });
        var responsesBody = LastBody(upstream);
        var messages = await client.PostAsJsonAsync("v1/messages", new { model, max_tokens = 50_000, messages = new[] { new { role = "user", content = Prompt } } });
        var messagesBody = LastBody(upstream);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], new[] { chat.StatusCode, responses.StatusCode, messages.StatusCode });
        Assert.All(new[] { chatBody, responsesBody, messagesBody }, body => Assert.Equal((MaxOutput, (int?)null), LimitsOf(body)));
        Assert.Equal(prices.WorstCase(PromptTokens(model), MaxOutput), (await ReceiptAsync(client, chat)).GetProperty("hold_amount").GetInt64());
        // Lowered to the model's maximum is not capped to the balance: the receipt does not say so.
        Assert.Equal(JsonValueKind.Null, (await ReceiptAsync(client, messages)).GetProperty("output_capped_to").ValueKind);
    }

    [Fact]
    public async Task AModelWithoutAMaximum_GetsTheGatewayDefault_WithinWhatTheContextWindowLeaves()
    {
        var (roomy, roomyUpstream, _, _) = await ModelAsync(maxOutput: null);
        var (tight, tightUpstream, _, _) = await ModelAsync(maxOutput: null, context: 1_000);
        var (client, _) = await CallerAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("v1/chat/completions", Chat(roomy))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("v1/responses", new { model = tight, input = Prompt })).StatusCode);

        Assert.Equal((new GatewayOptions().DefaultMaxOutputTokens, (int?)null), LimitsOf(LastBody(roomyUpstream)));
        var tightLimit = LastBody(tightUpstream)["max_tokens"]!.GetValue<int>();
        Assert.True(tightLimit is > 900 and < 1_000, $"{tightLimit}");
    }

    [Fact]
    public async Task EachRouteGetsTheLimitInItsOwnField_WhicheverFieldTheCallerUsed()
    {
        var (completion, completionUpstream, _, _) = await ModelAsync(field: OutputLimitField.MaxCompletionTokens);
        var (legacy, legacyUpstream, _, _) = await ModelAsync(field: OutputLimitField.MaxTokens);
        var (client, _) = await CallerAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("v1/chat/completions", Chat(completion, maxTokens: 100))).StatusCode);
        var fromMaxTokens = LastBody(completionUpstream);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("v1/chat/completions", Chat(completion))).StatusCode);
        var fromNone = LastBody(completionUpstream);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("v1/messages",
            new { model = completion, max_tokens = 70, messages = new[] { new { role = "user", content = Prompt } } })).StatusCode);
        var fromMessages = LastBody(completionUpstream);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("v1/chat/completions", Chat(legacy, maxCompletionTokens: 100))).StatusCode);
        var toLegacy = LastBody(legacyUpstream);

        Assert.Equal(((int?)null, 100), LimitsOf(fromMaxTokens));
        Assert.Equal(((int?)null, MaxOutput), LimitsOf(fromNone));
        Assert.Equal(((int?)null, 70), LimitsOf(fromMessages));
        Assert.Equal((100, (int?)null), LimitsOf(toLegacy));
        Assert.False(fromMaxTokens.AsObject().ContainsKey("max_tokens"));
        Assert.False(toLegacy.AsObject().ContainsKey("max_completion_tokens"));
    }

    [Fact]
    public async Task TheRouteLimitFieldAndTheModelMaximum_AreSavedAudited_AndTheMaximumIsListedOnV1Models()
    {
        var (model, _, _, routeId) = await ModelAsync(maxOutput: null);
        var admin = Host.Get<RouteAdministration>();
        var queries = Host.Get<RouteAdminQueries>();
        var (client, _) = await CallerAsync();

        var tooBig = await admin.SaveModelAsync(new ModelDraft(model, "Output limit test model", ModelKind.Chat, 128_000, MaxOutputTokens: 200_000), create: false, Admin);
        var described = await admin.SaveModelAsync(new ModelDraft(model, "Output limit test model", ModelKind.Chat, 128_000, MaxOutputTokens: 8_192), create: false, Admin);
        var route = (await queries.GetRouteAsync(routeId))!;
        var updated = await admin.UpdateRouteAsync(routeId, new RouteDraft(route.Name, route.Kind, route.BaseUrl, route.Priority, route.Weight,
            route.ConnectTimeoutSeconds, route.FirstByteTimeoutSeconds, route.TotalTimeoutSeconds, route.Enabled, route.Models,
            MaxAnswerBytes: route.MaxAnswerBytes, LimitField: OutputLimitField.MaxCompletionTokens), Admin);
        var listed = JsonDocument.Parse(await client.GetStringAsync("v1/models")).RootElement.GetProperty("data").EnumerateArray()
            .Single(m => m.GetProperty("id").GetString() == model);
        var simulated = JsonDocument.Parse(await client.GetStringAsync("v1/models/gpt-4o-mini")).RootElement;

        Assert.Equal("invalid_max_output", tooBig.Error?.Code);
        Assert.True(described.Succeeded && updated.Succeeded);
        Assert.Equal(8_192, listed.GetProperty("max_output_tokens").GetInt32());
        Assert.Equal(16_384, simulated.GetProperty("max_output_tokens").GetInt32());
        Assert.Equal(8_192, (await queries.CatalogueAsync()).Single(m => m.Id == model).MaxOutputTokens);
        Assert.Equal(OutputLimitField.MaxCompletionTokens, (await queries.GetRouteAsync(routeId))!.LimitField);
        await using var db = Host.NewContext();
        var modelEdit = await db.AuditEvents.AsNoTracking().SingleAsync(e => e.Action == "model.update" && e.Target == $"model:{model}");
        Assert.Contains("\"maxOutputTokens\":null", modelEdit.BeforeJson);
        Assert.Contains("\"maxOutputTokens\":8192", modelEdit.AfterJson);
        var routeEdit = await db.AuditEvents.AsNoTracking().SingleAsync(e => e.Action == "route.update" && e.Target == $"route:{route.Name}");
        Assert.Contains("\"limitField\":\"max_tokens\"", routeEdit.BeforeJson);
        Assert.Contains("\"limitField\":\"max_completion_tokens\"", routeEdit.AfterJson);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWalletShortOfTheModelsMaximum_GetsTheOutputCappedToWhatItCovers_AndToldSo(bool stream)
    {
        var (model, upstream, prices, _) = await ModelAsync();
        var promptTokens = PromptTokens(model);
        // Enough for the prompt and about 500 of the model's 3,000 output tokens.
        var balance = prices.WorstCase(promptTokens, 500);
        var (client, userId) = await CallerAsync(routed: balance);
        var covered = Enumerable.Range(1, MaxOutput).Last(n => prices.WorstCase(promptTokens, n) <= balance);

        var response = await client.PostAsJsonAsync("v1/chat/completions", Chat(model, stream: stream));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (stream) Assert.Contains("data: [DONE]", text);
        Assert.Equal((covered, (int?)null), LimitsOf(LastBody(upstream)));
        Assert.Equal(covered.ToString(), response.Headers.GetValues("x-tokensforge-output-capped").Single());
        var receipt = await ReceiptAsync(client, response);
        Assert.Equal(covered, receipt.GetProperty("output_capped_to").GetInt32());
        Assert.Equal(prices.WorstCase(promptTokens, covered), receipt.GetProperty("hold_amount").GetInt64());
        Assert.True(receipt.GetProperty("cost").GetInt64() is > 0 and var cost && cost <= receipt.GetProperty("hold_amount").GetInt64());
        await using var db = Host.NewContext();
        Assert.Equal(1, await db.RequestRecords.CountAsync(r => r.UserId == userId && r.OutputCappedTo == covered));
        var verification = await Host.VerifyLedgerAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    [Fact]
    public async Task AnExplicitLimitTheWalletCannotCover_IsStill402_AndNoUpstreamIsCalled()
    {
        var (model, upstream, prices, _) = await ModelAsync();
        var (client, userId) = await CallerAsync(routed: prices.WorstCase(PromptTokens(model), 500));

        var response = await client.PostAsJsonAsync("v1/chat/completions", Chat(model, maxTokens: MaxOutput));

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.Equal("insufficient_balance", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.False(response.Headers.Contains("x-tokensforge-output-capped"));
        Assert.Equal(0, upstream.Requests);
        await using var db = Host.NewContext();
        Assert.Equal(0, await db.RequestRecords.CountAsync(r => r.UserId == userId && r.Cost > 0));
    }
}
