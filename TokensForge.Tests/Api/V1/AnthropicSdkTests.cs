using System.Net;
using System.Text.Json;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using MessagesShape = TokensForge.Core.Gateway.Messages.MessagesShape;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Api.V1;

/// <summary>The official Anthropic .NET SDK against the running gateway's <c>/v1/messages</c>, with the simulator as upstream.</summary>
public sealed class AnthropicSdkTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private GatewayHost Host => fixture.Host;

    private async Task<CreatedApiKey> FundedKeyAsync(ApiKeyPolicy? policy = null, long routed = 5_000_000)
    {
        var (userId, _) = await Host.AddUserAsync(("routed", routed));
        return await Host.CreateKeyAsync(userId, policy);
    }

    private static MessageCreateParams Ask(string text, long maxTokens = 64, string model = "gpt-4o-mini") => new()
    {
        Model = model,
        MaxTokens = maxTokens,
        Messages = [new UserMessageParam(text)],
    };

    private static MessageParam Json(string json) => new(JsonDocument.Parse(json).RootElement.Clone());

    private async Task<RequestRecord> ReceiptAsync(Guid id)
    {
        await using var db = Host.NewContext();
        return await db.RequestRecords.Include(r => r.Charges).SingleAsync(r => r.Id == id);
    }

    private async Task<Guid> LatestReceiptOfAsync(string keyPrefix)
    {
        await using var db = Host.NewContext();
        return (await db.RequestRecords.Where(r => r.ApiKeyPrefix == keyPrefix).ToListAsync()).OrderBy(r => r.CreatedAt).Last().Id;
    }

    private async Task<Prices> PricesOfAsync(RequestRecord record)
    {
        await using var db = Host.NewContext();
        return (await db.PriceSnapshots.SingleAsync(p => p.Id == record.PriceSnapshotId)).ToPrices();
    }

    [Fact]
    public async Task Create_AnswersAnthropicsMessage_AndChargesTheReceiptCost()
    {
        var key = await FundedKeyAsync();

        var message = await Host.AnthropicSdk(key.Secret).Messages.Create(new MessageCreateParams
        {
            Model = "gpt-4o-mini",
            MaxTokens = 64,
            System = "You answer briefly.",
            Metadata = new Metadata { UserID = "customer-7" },
            Messages = [new UserMessageParam("Say something about rivers.")],
        });

        Assert.StartsWith("msg_", message.ID);
        Assert.Equal("gpt-4o-mini", (string)message.Model);
        var text = Assert.Single(message.Content).Value as TextBlock;
        Assert.False(string.IsNullOrWhiteSpace(text!.Text));
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        Assert.Equal(24, message.Usage.OutputTokens);

        var record = await ReceiptAsync(await LatestReceiptOfAsync(key.Key.Prefix));
        Assert.Equal("msg_" + record.Id.ToString("N"), message.ID);
        Assert.Equal(MessagesShape.EndpointName, record.Endpoint);
        Assert.Equal(RequestStatus.Succeeded, record.Status);
        Assert.Equal(record.PromptTokens, (int)message.Usage.InputTokens);
        var expected = (await PricesOfAsync(record)).CostOf(record.PromptTokens, 24);
        Assert.Equal(expected, record.Cost);
        Assert.Equal(expected, record.Charges.Sum(c => c.Amount));
    }

    [Fact]
    public async Task CreateStreaming_EventsInAnthropicsOrder_TextEqualsTheNonStreamingAnswer()
    {
        var key = await FundedKeyAsync();
        var client = Host.AnthropicSdk(key.Secret);
        const string Prompt = "Tell me about stones.";

        var types = new List<string>();
        var text = new List<string>();
        MessageDeltaUsage? usage = null;
        string? stopReason = null;
        await foreach (var streamed in client.Messages.CreateStreaming(Ask(Prompt)))
        {
            types.Add(streamed.Json.GetProperty("type").GetString()!);
            if (streamed.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var piece)) text.Add(piece.Text);
            if (streamed.TryPickDelta(out var end))
            {
                usage = end.Usage;
                stopReason = end.Delta.StopReason?.Raw();
            }
        }
        var whole = (await client.Messages.Create(Ask(Prompt))).Content.Select(b => (b.Value as TextBlock)?.Text).Single();

        Assert.Equal("message_start", types[0]);
        Assert.Equal("content_block_start", types[1]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], types[^3..]);
        Assert.All(types[2..^3], t => Assert.Equal("content_block_delta", t));
        Assert.True(text.Count > 1, "the text should arrive in several deltas");
        Assert.Equal(whole, string.Concat(text));
        Assert.Equal("end_turn", stopReason);
        Assert.Equal(24, usage!.OutputTokens);
    }

    [Fact]
    public async Task ToolRoundTrip_ToolUseThenToolResult_EndsInText()
    {
        var key = await FundedKeyAsync();
        var client = Host.AnthropicSdk(key.Secret);
        var weather = new Tool
        {
            Name = "get_weather",
            Description = "Current weather in a city.",
            InputSchema = new InputSchema
            {
                Properties = new Dictionary<string, JsonElement> { ["city"] = JsonDocument.Parse("""{"type":"string"}""").RootElement.Clone() },
                Required = ["city"],
            },
        };
        const string Question = "[sim:tool] What is the weather in Paris?";

        var first = await client.Messages.Create(new MessageCreateParams
        {
            Model = "gpt-4o-mini", MaxTokens = 64, Tools = [weather], ToolChoice = new ToolChoiceAuto(),
            Messages = [new UserMessageParam(Question)],
        });
        var call = Assert.Single(first.Content).Value as ToolUseBlock;
        Assert.NotNull(call);
        Assert.Equal(StopReason.ToolUse, first.StopReason!.Value());
        Assert.Equal("get_weather", call!.Name);
        Assert.Equal(JsonValueKind.String, call.Input["city"].ValueKind);

        var second = await client.Messages.Create(new MessageCreateParams
        {
            Model = "gpt-4o-mini", MaxTokens = 64, Tools = [weather],
            Messages =
            [
                new UserMessageParam(Question),
                Json($$"""{"role":"assistant","content":[{"type":"tool_use","id":"{{call.ID}}","name":"get_weather","input":{{JsonSerializer.Serialize(call.Input)}}}]}"""),
                Json($$"""{"role":"user","content":[{"type":"tool_result","tool_use_id":"{{call.ID}}","content":"18 °C and sunny"}]}"""),
            ],
        });

        Assert.Equal(StopReason.EndTurn, second.StopReason!.Value());
        Assert.False(string.IsNullOrWhiteSpace((Assert.Single(second.Content).Value as TextBlock)!.Text));
    }

    [Fact]
    public async Task StreamingToolUse_StartsAToolUseBlock_WithInputJsonDeltas()
    {
        var key = await FundedKeyAsync();
        var request = new MessageCreateParams
        {
            Model = "gpt-4o-mini", MaxTokens = 64, ToolChoice = new ToolChoiceAny(),
            Tools = [new Tool { Name = "search", InputSchema = new InputSchema { Properties = new Dictionary<string, JsonElement> { ["query"] = JsonDocument.Parse("""{"type":"string"}""").RootElement.Clone() } } }],
            Messages = [new UserMessageParam("[sim:tool] Find river stones.")],
        };

        string? toolName = null;
        var json = new List<string>();
        string? stopReason = null;
        await foreach (var streamed in Host.AnthropicSdk(key.Secret).Messages.CreateStreaming(request))
        {
            if (streamed.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse)) toolName = toolUse.Name;
            if (streamed.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var partial)) json.Add(partial.PartialJson);
            if (streamed.TryPickDelta(out var end)) stopReason = end.Delta.StopReason?.Raw();
        }

        Assert.Equal("search", toolName);
        Assert.True(json.Count > 1);
        Assert.Equal(JsonValueKind.String, JsonDocument.Parse(string.Concat(json)).RootElement.GetProperty("query").ValueKind);
        Assert.Equal("tool_use", stopReason);
    }

    [Fact]
    public async Task CreateStreaming_UpstreamCutMidWay_TheSdkSeesTheErrorEvent_AfterTheDeliveredText()
    {
        var key = await FundedKeyAsync();

        var text = new List<string>();
        var error = await Assert.ThrowsAnyAsync<AnthropicException>(async () =>
        {
            await foreach (var streamed in Host.AnthropicSdk(key.Secret).Messages.CreateStreaming(Ask("[sim:cut=3] [sim:tokens=20] Go on.")))
            {
                if (streamed.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var piece)) text.Add(piece.Text);
            }
        });

        Assert.Equal(3, text.Count);
        Assert.Contains("stopped mid-answer", error.Message + (error as AnthropicServiceException)?.Body.GetRawText());
        var record = await ReceiptAsync(await LatestReceiptOfAsync(key.Key.Prefix));
        Assert.Equal((RequestStatus.Partial, 3), (record.Status, record.CompletionTokens));
    }

    [Fact]
    public async Task CountTokens_IsTheGatewaysPromptCount_AndMovesNoMoney()
    {
        var key = await FundedKeyAsync();
        var client = Host.AnthropicSdk(key.Secret);
        await using var before = Host.NewContext();
        var transfers = await before.Transfers.CountAsync();

        var counted = await client.Messages.CountTokens(new MessageCountTokensParams
        {
            Model = "gpt-4o-mini", System = "Be brief.", Messages = [new UserMessageParam("How many tokens is this?")],
        });
        await client.Messages.Create(new MessageCreateParams
        {
            Model = "gpt-4o-mini", MaxTokens = 8, System = "Be brief.", Messages = [new UserMessageParam("How many tokens is this?")],
        });

        var record = await ReceiptAsync(await LatestReceiptOfAsync(key.Key.Prefix));
        Assert.Equal(record.PromptTokens, (int)counted.InputTokens);
        await using var after = Host.NewContext();
        Assert.Equal(1, await after.RequestRecords.CountAsync(r => r.ApiKeyPrefix == key.Key.Prefix));
        Assert.True(await after.Transfers.CountAsync() > transfers, "only the message itself moved money");
    }

    public static TheoryData<string, int, string> ErrorCases => new()
    {
        { "bad key", 401, "authentication_error" },
        { "model not allowed", 403, "permission_error" },
        { "unknown model", 404, "not_found_error" },
        { "missing max_tokens", 400, "invalid_request_error" },
        { "broke wallet", 402, "billing_error" },
        { "rate limited", 429, "rate_limit_error" },
        { "upstream failed", 502, "api_error" },
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public async Task Errors_AreInAnthropicsShape_WithTheMatchingStatus(string scenario, int status, string type)
    {
        var key = scenario switch
        {
            "model not allowed" => await FundedKeyAsync(new ApiKeyPolicy(Models: ["gpt-4o"])),
            "broke wallet" => await FundedKeyAsync(routed: 1),
            "rate limited" => await FundedKeyAsync(new ApiKeyPolicy(RequestsPerMinute: 1)),
            "upstream failed" => await FundedKeyAsync(new ApiKeyPolicy(RoutePreference: RoutePreference.Routed)),
            _ => await FundedKeyAsync(),
        };
        var client = Host.AnthropicSdk(scenario == "bad key" ? "tf-not-a-real-key" : key.Secret);
        var request = scenario switch
        {
            "unknown model" => Ask("Hello", model: "no-such-model"),
            "upstream failed" => Ask("[sim:fail] Hello"),
            _ => Ask("Hello"),
        };
        if (scenario == "rate limited") await client.Messages.Create(request);

        Func<Task> call = scenario == "missing max_tokens"
            ? () => RawPostAsync(key.Secret, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}""")
            : () => client.Messages.Create(request);
        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(call);

        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        var body = JsonDocument.Parse(error.ResponseBody).RootElement;
        Assert.Equal("error", body.GetProperty("type").GetString());
        Assert.Equal(type, body.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("error").GetProperty("message").GetString()));
    }

    /// <summary>A body the SDK will not build (it requires max_tokens), sent as the SDK would, turned into the SDK's exception.</summary>
    private async Task RawPostAsync(string secret, string json)
    {
        using var http = Host.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", secret);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await http.SendAsync(request);
        throw new AnthropicBadRequestException { StatusCode = response.StatusCode, ResponseBody = await response.Content.ReadAsStringAsync() };
    }
}
