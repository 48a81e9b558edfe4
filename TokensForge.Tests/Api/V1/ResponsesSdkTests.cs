// The SDK marks its Responses client experimental; it is the client these tests exist for.
#pragma warning disable OPENAI001

using System.ClientModel;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpenAI.Responses;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Api.V1;

/// <summary>The official OpenAI .NET SDK's <see cref="ResponsesClient"/> against the running gateway, with the simulator as upstream.</summary>
public sealed class ResponsesSdkTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private const string Model = "gpt-4o-mini";
    private GatewayHost Host => fixture.Host;

    private async Task<ResponsesClient> ClientAsync()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        CreatedApiKey key = await Host.CreateKeyAsync(userId);
        return Host.Sdk(key.Secret).GetResponsesClient();
    }

    private static CreateResponseOptions Options(params ResponseItem[] items) => Options(false, items);

    private static CreateResponseOptions Options(bool stream, params ResponseItem[] items)
    {
        var options = new CreateResponseOptions { Model = Model, StreamingEnabled = stream ? true : null };
        foreach (var item in items) options.InputItems.Add(item);
        return options;
    }

    private static ResponseTool WeatherTool() => ResponseTool.CreateFunctionTool("get_weather",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}"""),
        strictModeEnabled: false, functionDescription: "The weather forecast for a city.");

    [Fact]
    public async Task CreateResponse_NonStreaming_AnswersWithUsage_AndTheReceiptIsThePostedCharges()
    {
        var client = await ClientAsync();

        var result = await client.CreateResponseAsync(Options(ResponseItem.CreateUserMessageItem("Say something about rivers.")));
        var response = result.Value;
        var raw = result.GetRawResponse();

        Assert.StartsWith("resp_", response.Id);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal(Model, response.Model);
        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(response.OutputItems));
        Assert.Equal(MessageRole.Assistant, message.Role);
        Assert.Equal(24, response.GetOutputText().Split(' ').Length);
        Assert.Equal(24, response.Usage.OutputTokenCount);
        Assert.True(response.Usage.InputTokenCount > 0);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
        Assert.Equal(0, response.Usage.InputTokenDetails.CachedTokenCount);
        Assert.True(raw.Headers.TryGetValue("x-request-id", out var requestId) && requestId!.StartsWith("req_"));
        Assert.True(raw.Headers.TryGetValue("x-tokensforge-receipt", out var receiptText));
        Assert.True(raw.Headers.TryGetValue("x-tokensforge-cost", out var costText));
        Assert.Equal("resp_" + Guid.Parse(receiptText!).ToString("N"), response.Id);

        await using var db = Host.NewContext();
        var receipt = await db.RequestRecords.Include(r => r.Charges).SingleAsync(r => r.Id == Guid.Parse(receiptText!));
        var price = await db.PriceSnapshots.SingleAsync(p => p.Id == receipt.PriceSnapshotId);
        var expected = new Prices(price.Id, price.InputPrice, price.OutputPrice, price.CachedInputPrice)
            .CostOf(response.Usage.InputTokenCount, response.Usage.OutputTokenCount);
        var posted = await db.Transfers.Where(t => t.Reference == receipt.Id.ToString() && t.Flags == Core.Ledger.TransferFlags.PostPending).SumAsync(t => t.Amount);
        Assert.Equal("responses", receipt.Endpoint);
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.Equal(ReceiptReasons.Completed, receipt.Reason);
        Assert.False(receipt.Estimated);
        Assert.Equal(expected, receipt.Cost);
        Assert.Equal(expected, long.Parse(costText!));
        Assert.Equal(expected, receipt.Charges.Sum(c => c.Amount));
        Assert.Equal(expected, posted);
        Assert.Equal(requestId, receipt.RequestId);
    }

    [Fact]
    public async Task CreateResponseStreaming_TypedEventsInOrder_TextMatchesTheNonStreamingAnswer()
    {
        var client = await ClientAsync();
        const string prompt = "Tell me about stones.";

        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in await client.CreateResponseStreamingAsync(Options(stream: true, ResponseItem.CreateUserMessageItem(prompt))))
            updates.Add(update);
        var whole = (await client.CreateResponseAsync(Options(ResponseItem.CreateUserMessageItem(prompt)))).Value.GetOutputText();

        Assert.Equal(Enumerable.Range(0, updates.Count), updates.Select(u => u.SequenceNumber));
        Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]);
        Assert.IsType<StreamingResponseInProgressUpdate>(updates[1]);
        Assert.IsType<StreamingResponseOutputItemAddedUpdate>(updates[2]);
        Assert.IsType<StreamingResponseContentPartAddedUpdate>(updates[3]);
        var deltas = updates.OfType<StreamingResponseOutputTextDeltaUpdate>().ToList();
        Assert.Equal(24, deltas.Count);
        Assert.Equal(whole, string.Concat(deltas.Select(d => d.Delta)));
        Assert.Equal(whole, Assert.Single(updates.OfType<StreamingResponseOutputTextDoneUpdate>()).Text);
        Assert.Single(updates.OfType<StreamingResponseContentPartDoneUpdate>());
        var done = Assert.Single(updates.OfType<StreamingResponseOutputItemDoneUpdate>());
        Assert.Equal(whole, Assert.Single(Assert.IsAssignableFrom<MessageResponseItem>(done.Item).Content).Text);
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal(ResponseStatus.Completed, completed.Response.Status);
        Assert.Equal(24, completed.Response.Usage.OutputTokenCount);
        Assert.Equal(whole, completed.Response.GetOutputText());
    }

    [Fact]
    public async Task FunctionTool_RoundTrip_CallThenOutputThenFinalAnswer()
    {
        var client = await ClientAsync();
        var question = ResponseItem.CreateUserMessageItem("[sim:tool] What is the weather in Paris?");
        var first = Options(question);
        first.Tools.Add(WeatherTool());
        first.StoredOutputEnabled = false;

        var call = (await client.CreateResponseAsync(first)).Value;
        var functionCall = Assert.IsAssignableFrom<FunctionCallResponseItem>(Assert.Single(call.OutputItems));
        using var arguments = JsonDocument.Parse(functionCall.FunctionArguments.ToString());

        var second = Options(question, functionCall, ResponseItem.CreateFunctionCallOutputItem(functionCall.CallId, """{"forecast":"sunny"}"""));
        second.Tools.Add(WeatherTool());
        second.StoredOutputEnabled = false;
        var answer = (await client.CreateResponseAsync(second)).Value;

        Assert.Equal("get_weather", functionCall.FunctionName);
        Assert.StartsWith("call_", functionCall.CallId);
        Assert.Equal(JsonValueKind.String, arguments.RootElement.GetProperty("city").ValueKind);
        Assert.Equal(42, arguments.RootElement.GetProperty("days").GetInt32());
        Assert.Equal(ResponseStatus.Completed, call.Status);
        Assert.True(call.Usage.OutputTokenCount > 0);
        Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(answer.OutputItems));
        Assert.Equal(24, answer.GetOutputText().Split(' ').Length);
        // The second prompt holds the call and its output as well as the question.
        Assert.True(answer.Usage.InputTokenCount > call.Usage.InputTokenCount + call.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task FunctionTool_Streaming_ArgumentsArriveAsDeltas()
    {
        var client = await ClientAsync();
        var options = Options(stream: true, ResponseItem.CreateUserMessageItem("[sim:tool] Weather in Oslo?"));
        options.Tools.Add(WeatherTool());

        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in await client.CreateResponseStreamingAsync(options)) updates.Add(update);

        var added = Assert.IsAssignableFrom<FunctionCallResponseItem>(Assert.Single(updates.OfType<StreamingResponseOutputItemAddedUpdate>()).Item);
        var deltas = updates.OfType<StreamingResponseFunctionCallArgumentsDeltaUpdate>().Select(d => d.Delta.ToString()).ToList();
        var argumentsDone = Assert.Single(updates.OfType<StreamingResponseFunctionCallArgumentsDoneUpdate>());
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        var final = Assert.IsAssignableFrom<FunctionCallResponseItem>(Assert.Single(completed.Response.OutputItems));
        Assert.Equal("get_weather", added.FunctionName);
        Assert.True(deltas.Count > 1, "the arguments should arrive in several deltas");
        Assert.Equal(argumentsDone.FunctionArguments.ToString(), string.Concat(deltas));
        Assert.Equal(final.FunctionArguments.ToString(), string.Concat(deltas));
        Assert.Equal(added.CallId, final.CallId);
        Assert.Empty(updates.OfType<StreamingResponseOutputTextDeltaUpdate>());
    }

    [Fact]
    public async Task TextFormat_JsonSchemaAndJsonObject_ReachTheUpstream_AndAreEchoed()
    {
        var client = await ClientAsync();
        var schema = Options(ResponseItem.CreateUserMessageItem("Describe a city."));
        schema.TextOptions = new ResponseTextOptions
        {
            TextFormat = ResponseTextFormat.CreateJsonSchemaFormat("city",
                BinaryData.FromString("""{"type":"object","properties":{"name":{"type":"string"},"population":{"type":"integer"}},"required":["name","population"]}"""),
                jsonSchemaIsStrict: true),
        };
        var jsonObject = Options(ResponseItem.CreateUserMessageItem("Any JSON please."));
        jsonObject.TextOptions = new ResponseTextOptions { TextFormat = ResponseTextFormat.CreateJsonObjectFormat() };

        var structured = (await client.CreateResponseAsync(schema)).Value;
        var anyJson = (await client.CreateResponseAsync(jsonObject)).Value;
        using var city = JsonDocument.Parse(structured.GetOutputText());
        using var answer = JsonDocument.Parse(anyJson.GetOutputText());

        Assert.Equal(JsonValueKind.String, city.RootElement.GetProperty("name").ValueKind);
        Assert.Equal(42, city.RootElement.GetProperty("population").GetInt32());
        Assert.Equal(ResponseTextFormatKind.JsonSchema, structured.TextOptions.TextFormat.Kind);
        Assert.Equal(JsonValueKind.Object, answer.RootElement.ValueKind);
        Assert.Equal(ResponseTextFormatKind.JsonObject, anyJson.TextOptions.TextFormat.Kind);
    }

    [Fact]
    public async Task PreviousResponseId_ContinuesTheConversation_AsIfItWereResent()
    {
        var client = await ClientAsync();
        var opening = ResponseItem.CreateUserMessageItem("My favourite river is the Danube.");
        var follow = ResponseItem.CreateUserMessageItem("Which river did I name?");

        var first = (await client.CreateResponseAsync(Options(opening))).Value;
        var continued = Options(follow);
        continued.PreviousResponseId = first.Id;
        var second = (await client.CreateResponseAsync(continued)).Value;
        // The same conversation sent whole, stored nowhere: the upstream must see exactly this.
        var resent = Options(opening, ResponseItem.CreateAssistantMessageItem(first.GetOutputText()), follow);
        resent.StoredOutputEnabled = false;
        var whole = (await client.CreateResponseAsync(resent)).Value;
        var alone = (await client.CreateResponseAsync(Options(follow))).Value;
        var fetched = (await client.GetResponseAsync(second.Id)).Value;

        Assert.Equal(first.Id, second.PreviousResponseId);
        Assert.Equal(whole.GetOutputText(), second.GetOutputText());
        Assert.Equal(whole.Usage.InputTokenCount, second.Usage.InputTokenCount);
        Assert.NotEqual(alone.GetOutputText(), second.GetOutputText());
        Assert.Equal(second.Id, fetched.Id);
        Assert.Equal(second.GetOutputText(), fetched.GetOutputText());
        Assert.Equal(second.Usage.TotalTokenCount, fetched.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task AnotherUsersResponse_Is404_ForContinuingAndForReading()
    {
        var owner = await ClientAsync();
        var stranger = await ClientAsync();
        var mine = (await owner.CreateResponseAsync(Options(ResponseItem.CreateUserMessageItem("A private note.")))).Value;

        var continued = Options(ResponseItem.CreateUserMessageItem("And then?"));
        continued.PreviousResponseId = mine.Id;
        var continuing = await Assert.ThrowsAsync<ClientResultException>(() => stranger.CreateResponseAsync(continued));
        var reading = await Assert.ThrowsAsync<ClientResultException>(() => stranger.GetResponseAsync(mine.Id));
        var unknown = await Assert.ThrowsAsync<ClientResultException>(() => owner.GetResponseAsync("resp_" + Guid.NewGuid().ToString("N")));

        Assert.Equal(404, continuing.Status);
        Assert.Contains("previous_response_not_found", continuing.Message);
        Assert.Equal(404, reading.Status);
        Assert.Equal(404, unknown.Status);
        Assert.Equal(mine.Id, (await owner.GetResponseAsync(mine.Id)).Value.Id);
    }

    [Fact]
    public async Task StoreFalse_StoresNothing()
    {
        var client = await ClientAsync();
        var options = Options(ResponseItem.CreateUserMessageItem("Forget this."));
        options.StoredOutputEnabled = false;

        var response = (await client.CreateResponseAsync(options)).Value;
        var reading = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(response.Id));

        Assert.Equal(404, reading.Status);
        await using var db = Host.NewContext();
        Assert.False(await db.StoredResponses.AnyAsync(r => r.Id == response.Id));
    }
}
