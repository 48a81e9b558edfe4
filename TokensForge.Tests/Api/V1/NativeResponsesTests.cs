// The SDK marks its Responses client experimental; it is the client these tests exist for.
#pragma warning disable OPENAI001

using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpenAI.Responses;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Api.V1;

/// <summary>
/// A route that speaks the Responses API natively (the simulator's <c>/sim/v1/responses</c>) serving <c>gpt-4o-mini</c> ahead
/// of the seeded routes: the OpenAI SDK's <see cref="ResponsesClient"/> requests are passed through to it, its answers and
/// events relayed (ids renamed to the gateway's), and the receipt charged on its usage.
/// </summary>
public sealed class NativeResponsesTests(NativeResponsesTests.Fixture fixture) : IClassFixture<NativeResponsesTests.Fixture>
{
    public const string RouteName = "sim-responses";
    private const string Model = "gpt-4o-mini";

    public sealed class Fixture : IAsyncLifetime
    {
        public GatewayHost Host { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Host = GatewayHost.Start();
            var admin = Host.Get<RouteAdministration>();
            var actor = new AdminActor("admin@test.local");
            var created = await admin.CreateRouteAsync(new RouteDraft(RouteName, RouteKind.Routed, "/sim/v1", Priority: 0, Weight: 1,
                ConnectTimeoutSeconds: 5, FirstByteTimeoutSeconds: 10, TotalTimeoutSeconds: 60, Enabled: true, [new ModelMapping(Model, "sim-mini")],
                NewUpstreamKey: "sim-upstream-key", NativeResponses: true), actor);
            Assert.True(created.Succeeded, created.Error?.ToString());
            var priced = await admin.SetPricesAsync(new PriceDraft(created.Value, Model, 1_000_000, 5_000_000, 100_000), actor);
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

    private async Task<(ResponsesClient Client, CreatedApiKey Key)> ClientAsync()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        var key = await Host.CreateKeyAsync(userId);
        return (Host.Sdk(key.Secret).GetResponsesClient(), key);
    }

    private static CreateResponseOptions Options(string text, bool stream = false)
    {
        var options = new CreateResponseOptions { Model = Model, StreamingEnabled = stream ? true : null };
        options.InputItems.Add(ResponseItem.CreateUserMessageItem(text));
        return options;
    }

    private async Task<List<RequestRecord>> ReceiptsAsync(CreatedApiKey key)
    {
        await using var db = Host.NewContext();
        return (await db.RequestRecords.Include(r => r.Charges).Where(r => r.ApiKeyPrefix == key.Key.Prefix).ToListAsync()).OrderBy(r => r.CreatedAt).ToList();
    }

    private async Task<Prices> PricesOfAsync(RequestRecord record)
    {
        await using var db = Host.NewContext();
        return (await db.PriceSnapshots.SingleAsync(p => p.Id == record.PriceSnapshotId)).ToPrices();
    }

    [Fact]
    public async Task Create_IsPassedThrough_CachedAndReasoningTokensFromItsUsage_PricedAtTheSnapshot()
    {
        var (client, key) = await ClientAsync();

        var response = (await client.CreateResponseAsync(Options("[sim:cached=5] [sim:reasoning=4] Say something about rivers."))).Value;

        var record = Assert.Single(await ReceiptsAsync(key));
        Assert.Equal("resp_" + record.Id.ToString("N"), response.Id);
        Assert.Equal(Model, response.Model);
        // The simulator's own item ids: the output is the upstream's, relayed.
        Assert.StartsWith("msg_sim", Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(response.OutputItems)).Id);
        Assert.Equal((5, 4), (response.Usage.InputTokenDetails.CachedTokenCount, response.Usage.OutputTokenDetails.ReasoningTokenCount));
        Assert.Equal((RouteName, "responses", RequestStatus.Succeeded, false), (record.RouteName, record.Endpoint, record.Status, record.Estimated));
        Assert.Equal((response.Usage.InputTokenCount, response.Usage.OutputTokenCount, 5, 4),
            (record.PromptTokens, record.CompletionTokens, record.CachedTokens, record.ReasoningTokens));
        var expected = (await PricesOfAsync(record)).CostOf(new TokenUsage(record.PromptTokens, record.CompletionTokens, 5, 0, 0, 4));
        Assert.Equal(expected, record.Cost);
        Assert.Equal(expected, record.Charges.Sum(c => c.Amount));
        Assert.NotEqual((await PricesOfAsync(record)).CostOf(record.PromptTokens, record.CompletionTokens), record.Cost);
    }

    [Fact]
    public async Task CreateStreaming_RelaysTheEvents_UsageFromResponseCompleted()
    {
        var (client, key) = await ClientAsync();

        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in await client.CreateResponseStreamingAsync(Options("[sim:cached=3] Tell me about stones.", stream: true))) updates.Add(update);

        var record = Assert.Single(await ReceiptsAsync(key));
        Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]);
        Assert.Equal("resp_" + record.Id.ToString("N"), ((StreamingResponseCreatedUpdate)updates[0]).Response.Id);
        Assert.StartsWith("msg_sim", Assert.IsAssignableFrom<MessageResponseItem>(updates.OfType<StreamingResponseOutputItemAddedUpdate>().Single().Item).Id);
        Assert.Equal(24, updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Count());
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal(("resp_" + record.Id.ToString("N"), 24, 3), (completed.Response.Id, completed.Response.Usage.OutputTokenCount, completed.Response.Usage.InputTokenDetails.CachedTokenCount));
        Assert.Equal((RouteName, RequestStatus.Succeeded, 24, 3, false), (record.RouteName, record.Status, record.CompletionTokens, record.CachedTokens, record.Estimated));
        Assert.Equal((await PricesOfAsync(record)).CostOf(record.PromptTokens, 24, 3), record.Cost);
        Assert.Equal(record.Cost, record.Charges.Sum(c => c.Amount));
    }

    [Fact]
    public async Task PreviousResponseId_IsTheGatewaysToKeep_TheUpstreamGetsTheWholeConversation()
    {
        var (client, key) = await ClientAsync();

        var first = (await client.CreateResponseAsync(Options("Name a river."))).Value;
        var continued = Options("And another one?");
        continued.PreviousResponseId = first.Id;
        // The simulator refuses any previous_response_id (it keeps nothing): an answer means the gateway sent the conversation instead.
        var second = (await client.CreateResponseAsync(continued)).Value;
        var fetched = (await client.GetResponseAsync(second.Id)).Value;

        var records = await ReceiptsAsync(key);
        Assert.Equal([RouteName, RouteName], records.Select(r => r.RouteName));
        Assert.Equal(first.Id, second.PreviousResponseId);
        Assert.True(records[1].PromptTokens > records[0].PromptTokens + records[0].CompletionTokens,
            "the second prompt carries the first question and answer");
        Assert.Equal(second.GetOutputText(), fetched.GetOutputText());
    }

    [Fact]
    public async Task ARetriedNativeStream_UnderTheSameIdempotencyKey_IsReplayedEventForEvent_WithoutASecondCallOrCharge()
    {
        var (_, key) = await ClientAsync();
        var http = Host.Client(key.Secret);
        HttpRequestMessage Post() => new(HttpMethod.Post, "v1/responses")
        {
            Content = JsonContent.Create(new { model = Model, input = "Tell me about rivers.", stream = true }),
            Headers = { { "Idempotency-Key", "native-" + key.Key.Prefix } },
        };

        var first = await http.SendAsync(Post());
        var firstEvents = await first.Content.ReadAsStringAsync();
        var second = await http.SendAsync(Post());
        var secondEvents = await second.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("event: response.output_text.delta", firstEvents);
        Assert.Contains("event: response.completed", firstEvents);
        Assert.Equal(firstEvents, secondEvents);
        Assert.Equal("true", second.Headers.GetValues("x-tokensforge-idempotent-replay").Single());
        var receipt = Assert.Single(await ReceiptsAsync(key));
        Assert.Equal(receipt.Id.ToString(), second.Headers.GetValues("x-tokensforge-receipt").Single());
        Assert.Equal(receipt.Cost, receipt.Charges.Sum(c => c.Amount));
    }
}
